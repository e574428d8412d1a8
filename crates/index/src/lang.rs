//! The languages the chunker knows: which file is which, which grammar parses it, and which syntax
//! nodes are definitions (their own chunk, named) or comments (attached to the definition after).

use std::path::Path;

use tree_sitter::{Language as Grammar, Node};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Language {
    Python,
    JavaScript,
    TypeScript,
    Tsx,
    Go,
    Java,
    Rust,
    C,
    Cpp,
}

/// What a file is to the indexer: code with a grammar, or text cut into line windows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FileKind {
    Code(Language),
    /// Text without a grammar here; the name is what search filters by (`markdown`, `ruby`, ...).
    Text(&'static str),
}

impl FileKind {
    pub fn name(self) -> &'static str {
        match self {
            FileKind::Code(l) => l.name(),
            FileKind::Text(name) => name,
        }
    }

    /// From the file name; `None` for files the index skips (unknown extensions, lock files).
    pub fn of(path: &Path) -> Option<FileKind> {
        let name = path.file_name()?.to_str()?;
        let lower = name.to_ascii_lowercase();
        match lower.as_str() {
            "makefile" | "gnumakefile" => return Some(FileKind::Text("make")),
            "dockerfile" => return Some(FileKind::Text("dockerfile")),
            "cmakelists.txt" => return Some(FileKind::Text("cmake")),
            "readme" => return Some(FileKind::Text("text")),
            _ => {}
        }
        let ext = lower.rsplit_once('.')?.1;
        use Language::*;
        let code = |l| Some(FileKind::Code(l));
        let text = |n| Some(FileKind::Text(n));
        match ext {
            "py" | "pyi" => code(Python),
            "js" | "mjs" | "cjs" | "jsx" => code(JavaScript),
            "ts" | "mts" | "cts" => code(TypeScript),
            "tsx" => code(Tsx),
            "go" => code(Go),
            "java" => code(Java),
            "rs" => code(Rust),
            "c" | "h" => code(C),
            "cc" | "cpp" | "cxx" | "c++" | "hh" | "hpp" | "hxx" | "h++" | "ipp" | "tpp" => {
                code(Cpp)
            }
            "md" | "markdown" | "mdx" => text("markdown"),
            "rst" => text("rst"),
            "txt" | "adoc" => text("text"),
            "yaml" | "yml" => text("yaml"),
            "toml" => text("toml"),
            "ini" | "cfg" | "conf" => text("config"),
            "json" => text("json"),
            "html" | "htm" => text("html"),
            "css" | "scss" | "sass" | "less" => text("css"),
            "sql" => text("sql"),
            "sh" | "bash" | "zsh" | "fish" | "ps1" => text("shell"),
            "rb" => text("ruby"),
            "php" => text("php"),
            "cs" => text("csharp"),
            "kt" | "kts" => text("kotlin"),
            "swift" => text("swift"),
            "scala" | "sc" => text("scala"),
            "lua" => text("lua"),
            "pl" | "pm" => text("perl"),
            "r" => text("r"),
            "m" | "mm" => text("objc"),
            "dart" => text("dart"),
            "ex" | "exs" => text("elixir"),
            "erl" | "hrl" => text("erlang"),
            "hs" => text("haskell"),
            "ml" | "mli" => text("ocaml"),
            "clj" | "cljs" => text("clojure"),
            "vue" => text("vue"),
            "svelte" => text("svelte"),
            "proto" => text("protobuf"),
            "graphql" | "gql" => text("graphql"),
            "gradle" => text("gradle"),
            "cmake" => text("cmake"),
            "zig" => text("zig"),
            _ => None,
        }
    }
}

impl Language {
    pub const ALL: [Language; 9] = [
        Language::Python,
        Language::JavaScript,
        Language::TypeScript,
        Language::Tsx,
        Language::Go,
        Language::Java,
        Language::Rust,
        Language::C,
        Language::Cpp,
    ];

    /// The name search filters by (TSX files are TypeScript to a user).
    pub fn name(self) -> &'static str {
        match self {
            Language::Python => "python",
            Language::JavaScript => "javascript",
            Language::TypeScript | Language::Tsx => "typescript",
            Language::Go => "go",
            Language::Java => "java",
            Language::Rust => "rust",
            Language::C => "c",
            Language::Cpp => "cpp",
        }
    }

    pub fn grammar(self) -> Grammar {
        match self {
            Language::Python => tree_sitter_python::LANGUAGE.into(),
            Language::JavaScript => tree_sitter_javascript::LANGUAGE.into(),
            Language::TypeScript => tree_sitter_typescript::LANGUAGE_TYPESCRIPT.into(),
            Language::Tsx => tree_sitter_typescript::LANGUAGE_TSX.into(),
            Language::Go => tree_sitter_go::LANGUAGE.into(),
            Language::Java => tree_sitter_java::LANGUAGE.into(),
            Language::Rust => tree_sitter_rust::LANGUAGE.into(),
            Language::C => tree_sitter_c::LANGUAGE.into(),
            Language::Cpp => tree_sitter_cpp::LANGUAGE.into(),
        }
    }

    /// Comments and attributes belong to the definition that follows them.
    pub fn is_leading(self, kind: &str) -> bool {
        matches!(
            kind,
            "comment" | "line_comment" | "block_comment" | "attribute_item" | "decorator"
        )
    }

    /// A definition's name, or `None` when `node` is not a definition. `wrapper` is true for nodes
    /// that only wrap the definition inside (decorators, `export`, `template<...>`): their name is
    /// the inner one's, and recursing into them must not name the scope twice.
    pub fn definition(self, node: Node, src: &[u8]) -> Option<Definition> {
        let kind = node.kind();
        let text = |n: Node| n.utf8_text(src).ok().map(str::to_owned);
        let named = |field: &str| node.child_by_field_name(field).and_then(text);
        let own = |name: Option<String>| {
            name.map(|name| Definition {
                name,
                wrapper: false,
            })
        };
        use Language::*;
        match (self, kind) {
            (Python, "function_definition" | "class_definition") => own(named("name")),
            (Python, "decorated_definition") => {
                self.unwrap(node.child_by_field_name("definition"), src)
            }
            (
                JavaScript | TypeScript | Tsx,
                "function_declaration"
                | "generator_function_declaration"
                | "class_declaration"
                | "abstract_class_declaration"
                | "method_definition"
                | "interface_declaration"
                | "type_alias_declaration"
                | "enum_declaration"
                | "internal_module"
                | "module"
                | "function_signature",
            ) => own(named("name")),
            (JavaScript | TypeScript | Tsx, "lexical_declaration" | "variable_declaration") => {
                own(declared_function(node, src))
            }
            (JavaScript | TypeScript | Tsx, "export_statement") => {
                match node.child_by_field_name("declaration") {
                    Some(d) => self.unwrap(Some(d), src),
                    None => None,
                }
            }
            (JavaScript | TypeScript | Tsx, "expression_statement") => {
                // `module.exports.f = function ...`, `Foo.prototype.f = ...`
                let e = node.named_child(0)?;
                if e.kind() != "assignment_expression" {
                    return None;
                }
                let right = e.child_by_field_name("right")?;
                if !is_function_value(right.kind()) {
                    return None;
                }
                own(e.child_by_field_name("left").and_then(text))
            }
            (Go, "function_declaration") => own(named("name")),
            (Go, "method_declaration") => {
                let name = named("name")?;
                let receiver = node
                    .child_by_field_name("receiver")
                    .and_then(|r| descendant_of_kind(r, "type_identifier", 4))
                    .and_then(text);
                own(Some(match receiver {
                    Some(r) => format!("{r}.{name}"),
                    None => name,
                }))
            }
            (Go, "type_declaration") => own(first_of_kind(node, "type_spec")
                .and_then(|s| s.child_by_field_name("name"))
                .and_then(text)),
            (
                Java,
                "class_declaration"
                | "interface_declaration"
                | "enum_declaration"
                | "record_declaration"
                | "annotation_type_declaration"
                | "method_declaration"
                | "constructor_declaration",
            ) => own(named("name")),
            (
                Rust,
                "function_item"
                | "function_signature_item"
                | "struct_item"
                | "enum_item"
                | "union_item"
                | "trait_item"
                | "mod_item"
                | "macro_definition"
                | "type_item",
            ) => own(named("name")),
            (Rust, "impl_item") => own(named("type")),
            (C | Cpp, "function_definition") => own(declarator_name(node, src)),
            (
                C | Cpp,
                "struct_specifier" | "union_specifier" | "enum_specifier" | "class_specifier",
            ) => {
                node.child_by_field_name("body")?;
                own(named("name"))
            }
            (C | Cpp, "type_definition") => {
                let has_body = (0..node.named_child_count())
                    .filter_map(|i| node.named_child(i as u32))
                    .any(|c| c.child_by_field_name("body").is_some());
                if !has_body {
                    return None;
                }
                own(named("declarator"))
            }
            (C | Cpp, "declaration") => {
                // `struct foo { ... };` is a declaration around its specifier.
                let t = node.child_by_field_name("type")?;
                t.child_by_field_name("body")?;
                let name = t.child_by_field_name("name").and_then(text)?;
                own(Some(name))
            }
            (Cpp, "namespace_definition") => own(named("name").or(Some("namespace".into()))),
            (Cpp, "template_declaration") => {
                let inner = (0..node.named_child_count())
                    .filter_map(|i| node.named_child(i as u32))
                    .find(|c| self.definition(*c, src).is_some());
                self.unwrap(inner, src)
            }
            _ => None,
        }
    }

    fn unwrap(self, inner: Option<Node>, src: &[u8]) -> Option<Definition> {
        let d = self.definition(inner?, src)?;
        Some(Definition {
            name: d.name,
            wrapper: true,
        })
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Definition {
    pub name: String,
    pub wrapper: bool,
}

fn is_function_value(kind: &str) -> bool {
    matches!(
        kind,
        "arrow_function" | "function_expression" | "function" | "generator_function" | "class"
    )
}

/// `const f = () => ...`: the declared name when the value is a function or class.
fn declared_function(node: Node, src: &[u8]) -> Option<String> {
    (0..node.named_child_count())
        .filter_map(|i| node.named_child(i as u32))
        .filter(|d| d.kind() == "variable_declarator")
        .find(|d| {
            d.child_by_field_name("value")
                .is_some_and(|v| is_function_value(v.kind()))
        })
        .and_then(|d| d.child_by_field_name("name"))
        .and_then(|n| n.utf8_text(src).ok().map(str::to_owned))
}

/// C and C++ name a function inside nested declarators (`static int *f(void)`).
fn declarator_name(node: Node, src: &[u8]) -> Option<String> {
    let mut d = node.child_by_field_name("declarator")?;
    for _ in 0..16 {
        match d.kind() {
            "identifier"
            | "field_identifier"
            | "qualified_identifier"
            | "destructor_name"
            | "operator_name"
            | "template_function" => {
                return d.utf8_text(src).ok().map(str::to_owned);
            }
            _ => d = d.child_by_field_name("declarator")?,
        }
    }
    None
}

fn first_of_kind<'t>(node: Node<'t>, kind: &str) -> Option<Node<'t>> {
    let mut cursor = node.walk();
    let found = node.named_children(&mut cursor).find(|c| c.kind() == kind);
    found
}

/// The first node of `kind` at most `depth` levels below `node`, in document order.
fn descendant_of_kind<'t>(node: Node<'t>, kind: &str, depth: usize) -> Option<Node<'t>> {
    let mut cursor = node.walk();
    let children: Vec<Node<'t>> = node.named_children(&mut cursor).collect();
    for c in children {
        if c.kind() == kind {
            return Some(c);
        }
        if depth > 0 {
            if let Some(found) = descendant_of_kind(c, kind, depth - 1) {
                return Some(found);
            }
        }
    }
    None
}
