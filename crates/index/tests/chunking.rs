//! Chunking of each language the index has a grammar for: one chunk per definition with its
//! symbol and lines, big definitions split at statement boundaries, small ones merged, and files
//! the grammar cannot parse cut by lines.

use gguf_embed_index::chunk::{chunk_file, Chunk, Limits, Method};
use gguf_embed_index::lang::{FileKind, Language};

fn chunks(src: &str, lang: Language) -> Vec<Chunk> {
    let (chunks, method) = chunk_file(src, FileKind::Code(lang), &Limits::default());
    assert_eq!(method, Method::Syntax, "{lang:?} fell back to lines");
    chunks
}

fn symbols(chunks: &[Chunk]) -> Vec<&str> {
    chunks.iter().filter_map(|c| c.symbol.as_deref()).collect()
}

/// The chunk whose symbol is `symbol`, with its lines checked against the source.
fn find<'c>(chunks: &'c [Chunk], symbol: &str, src: &str) -> &'c Chunk {
    let c = chunks
        .iter()
        .find(|c| c.symbol.as_deref() == Some(symbol))
        .unwrap_or_else(|| panic!("no chunk {symbol} in {:#?}", symbols(chunks)));
    let lines: Vec<&str> = src.lines().collect();
    let first = lines[c.start_line as usize - 1];
    assert!(
        c.text.starts_with(first),
        "{symbol}: text starts {:?}, line {} is {:?}",
        &c.text[..40.min(c.text.len())],
        c.start_line,
        first
    );
    assert!(
        c.text
            .trim_end()
            .ends_with(lines[c.end_line as usize - 1].trim_end()),
        "{symbol}: end line {}",
        c.end_line
    );
    c
}

/// A body of `n` statements, enough to make a definition worth its own chunk.
fn body(n: usize, stmt: &str) -> String {
    (0..n)
        .map(|i| stmt.replace('#', &i.to_string()))
        .collect::<Vec<_>>()
        .join("")
}

#[test]
fn python_functions_classes_methods_and_decorators() {
    let src = format!(
        "import os\n\n# Reads the settings.\ndef load_settings(path):\n{b}    return path\n\n\n@dataclass\nclass Config:\n    \"\"\"Settings.\"\"\"\n    def parse(self, text):\n{b2}        return text\n\n    def dump(self):\n{b2}        return None\n",
        b = body(4, "    x# = os.path.join(path, 'x#')\n"),
        b2 = body(3, "        y# = text.split(',')[#]\n"),
    );
    let c = chunks(&src, Language::Python);
    let load = find(&c, "load_settings", &src);
    assert!(
        load.text.starts_with("# Reads the settings."),
        "the comment above joins the function"
    );
    assert_eq!(load.start_line, 3);
    find(&c, "Config", &src);
}

#[test]
fn a_big_class_is_cut_into_its_methods_and_a_big_function_at_statements() {
    let method = |name: &str| {
        format!(
            "    def {name}(self, a):\n{}        return a\n\n",
            body(8, "        v# = a.compute(#, 'padding text here')\n")
        )
    };
    let src = format!(
        "class Service:\n    \"\"\"Doc.\"\"\"\n\n{}{}{}{}",
        method("start"),
        method("stop"),
        method("status"),
        method("reload")
    );
    let c = chunks(&src, Language::Python);
    for m in ["start", "stop", "status", "reload"] {
        let chunk = find(&c, &format!("Service.{m}"), &src);
        assert!(chunk.text.len() <= Limits::default().max_chars + 64);
    }
    assert!(
        c[0].text.starts_with("class Service:"),
        "the class header is carried into the first piece"
    );

    let long = format!(
        "def process(items):\n{}    return items\n",
        body(
            120,
            "    items = transform(items, step=#, mode='long argument text')\n"
        )
    );
    let c = chunks(&long, Language::Python);
    assert!(c.len() >= 4, "{} pieces", c.len());
    assert!(c.iter().all(|x| x.symbol.as_deref() == Some("process")));
    assert!(c
        .iter()
        .all(|x| x.text.len() <= Limits::default().max_chars + 64));
    assert!(c[0].text.starts_with("def process(items):"));
    // Pieces cover the function in order, without overlap.
    for w in c.windows(2) {
        assert!(w[0].end_line < w[1].start_line);
    }
}

#[test]
fn small_definitions_are_merged_with_their_neighbours() {
    let src = "def a():\n    return 1\n\ndef b():\n    return 2\n\ndef c():\n    return 3\n";
    let c = chunks(src, Language::Python);
    assert_eq!(c.len(), 1);
    assert_eq!(c[0].symbol.as_deref(), Some("a, b, c"));
    assert_eq!((c[0].start_line, c[0].end_line), (1, 8));
}

#[test]
fn javascript_and_typescript() {
    let b = body(4, "  const v# = input.map((x) => x * #).filter(Boolean);\n");
    let js = format!(
        "'use strict'\n/** Parses a header. */\nfunction parseHeader(input) {{\n{b}  return input\n}}\n\nconst formatDate = (input) => {{\n{b}  return input\n}}\n\nclass Client {{\n  request(input) {{\n{b}    return input\n  }}\n}}\n\nmodule.exports.retry = function (input) {{\n{b}  return input\n}}\n"
    );
    let c = chunks(&js, Language::JavaScript);
    assert!(find(&c, "parseHeader", &js)
        .text
        .starts_with("/** Parses a header. */"));
    find(&c, "formatDate", &js);
    find(&c, "Client", &js);
    find(&c, "module.exports.retry", &js);

    let ts = format!(
        "export interface Options {{\n  retries: number\n  timeoutMs: number\n  onProgress?: (done: number, total: number) => void\n  signal?: AbortSignal\n}}\n\nexport async function fetchAll(urls: string[], options: Options): Promise<string[]> {{\n{b}  return []\n}}\n\nexport class Queue<T> {{\n  push(item: T): void {{\n{b}  }}\n}}\n"
    );
    let c = chunks(&ts, Language::TypeScript);
    find(&c, "Options", &ts);
    find(&c, "fetchAll", &ts);
    find(&c, "Queue", &ts);
    let tsx = format!("export function Button(props: {{ label: string }}) {{\n{b}  return <button>{{props.label}}</button>\n}}\n");
    let c = chunks(&tsx, Language::Tsx);
    find(&c, "Button", &tsx);
}

#[test]
fn go_functions_methods_and_types() {
    let b = body(
        4,
        "\tv# := strings.Repeat(s, #) + fmt.Sprint(#)\n\t_ = v#\n",
    );
    let src = format!(
        "package util\n\nimport \"strings\"\n\n// Server serves.\ntype Server struct {{\n\tAddr string\n\tPort int\n\tName string\n\tRoot string\n\tLogs bool\n}}\n\n// Start starts the server.\nfunc (s *Server) Start(addr string) error {{\n{b}\treturn nil\n}}\n\nfunc Join(s string) string {{\n{b}\treturn s\n}}\n"
    );
    let c = chunks(&src, Language::Go);
    find(&c, "Server", &src);
    assert!(find(&c, "Server.Start", &src)
        .text
        .starts_with("// Start starts"));
    find(&c, "Join", &src);
}

#[test]
fn java_classes_and_methods() {
    let b = body(
        5,
        "        int v# = Integer.parseInt(text.substring(#)) + offset;\n",
    );
    let method = |n: &str| {
        format!("    /** {n} */\n    public int {n}(String text, int offset) {{\n{b}        return offset;\n    }}\n\n")
    };
    let src = format!(
        "package a.b;\n\nimport java.util.List;\n\npublic class Parser {{\n{}{}{}{}}}\n",
        method("parseFirst"),
        method("parseSecond"),
        method("parseThird"),
        method("parseFourth")
    );
    let c = chunks(&src, Language::Java);
    for m in ["parseFirst", "parseSecond", "parseThird"] {
        find(&c, &format!("Parser.{m}"), &src);
    }
}

#[test]
fn rust_items_impls_and_attributes() {
    let b = body(
        4,
        "        let v# = self.items.iter().map(|x| x * #).sum::<u64>();\n",
    );
    let src = format!(
        "use std::fmt;\n\n/// A bag.\n#[derive(Debug, Clone)]\npub struct Bag {{\n    items: Vec<u64>,\n    name: String,\n    limit: usize,\n    created_at: std::time::SystemTime,\n}}\n\nimpl Bag {{\n    pub fn total(&self) -> u64 {{\n{b}        0\n    }}\n\n    pub fn largest(&self) -> u64 {{\n{b}        0\n    }}\n}}\n\nfn helper(x: u64) -> u64 {{\n    let y = x * 2 + 1;\n    let z = y * y - x;\n    z + y + x\n}}\n"
    );
    let c = chunks(&src, Language::Rust);
    assert!(find(&c, "Bag", &src)
        .text
        .starts_with("/// A bag.\n#[derive"));
    find(&c, "helper", &src);
    let imp = c
        .iter()
        .find(|x| x.symbol.as_deref() == Some("Bag") && x.text.starts_with("impl"));
    assert!(imp.is_some(), "{:?}", symbols(&c));
}

#[test]
fn c_and_cpp() {
    let b = body(
        4,
        "    total += values[i] * %d + offset;\n"
            .replace("%d", "#")
            .as_str(),
    );
    let c_src = format!(
        "#include <stdio.h>\n\n/* Sums values. */\nstatic int sum_values(const int *values, int n) {{\n    int total = 0;\n    for (int i = 0; i < n; i++) {{\n{b}    }}\n    return total;\n}}\n\nstruct point {{\n    int x;\n    int y;\n    int z;\n    const char *label;\n    double weight;\n}};\n"
    );
    let c = chunks(&c_src, Language::C);
    assert!(find(&c, "sum_values", &c_src)
        .text
        .starts_with("/* Sums values. */"));
    find(&c, "point", &c_src);

    let cpp = format!(
        "#include <vector>\n\nnamespace geo {{\n\nclass Shape {{\n public:\n  double area() const {{\n{b}    return 0;\n  }}\n}};\n\ntemplate <typename T>\nT clamp_value(T v, T lo, T hi) {{\n{b}  return v < lo ? lo : (v > hi ? hi : v);\n}}\n\n}}  // namespace geo\n\nint Shape::perimeter() const {{\n{b}  return 0;\n}}\n"
    );
    let c = chunks(&cpp, Language::Cpp);
    find(&c, "geo", &cpp);
    find(&c, "Shape::perimeter", &cpp);
}

#[test]
fn a_file_the_grammar_cannot_parse_is_cut_by_lines_and_text_files_by_windows() {
    let garbage = "}}}} ))) def ((( class {{ ]] \n".repeat(80);
    let (c, method) = chunk_file(
        &garbage,
        FileKind::Code(Language::Python),
        &Limits::default(),
    );
    assert_eq!(method, Method::Lines);
    assert!(!c.is_empty());
    let total: usize = c
        .iter()
        .map(|x| (x.end_line - x.start_line + 1) as usize)
        .sum();
    assert_eq!(total, 80, "line windows cover the file");

    let md = (0..100)
        .map(|i| format!("line {i} of the guide\n"))
        .collect::<String>();
    let (c, method) = chunk_file(&md, FileKind::Text("markdown"), &Limits::default());
    assert_eq!(method, Method::Lines);
    assert_eq!(c.len(), 3);
    assert_eq!(
        (c[0].start_line, c[0].end_line, c[2].end_line),
        (1, 40, 100)
    );

    // One line longer than a chunk, with multi-byte characters at the cuts.
    let long = "é".repeat(5000);
    let (c, _) = chunk_file(&long, FileKind::Text("text"), &Limits::default());
    assert!(c.len() >= 6 && c.iter().all(|x| x.text.len() <= 1500));
}

#[test]
fn hostile_input_nesting_and_empty_files() {
    // Brackets nested far deeper than the walk recurses.
    let deep = format!("x = {}1{}\n", "[".repeat(20_000), "]".repeat(20_000));
    let (c, _) = chunk_file(&deep, FileKind::Code(Language::Python), &Limits::default());
    assert!(!c.is_empty());
    let (c, _) = chunk_file("", FileKind::Code(Language::Rust), &Limits::default());
    assert!(c.is_empty());
    let (c, _) = chunk_file(
        "\n\n   \n",
        FileKind::Code(Language::Go),
        &Limits::default(),
    );
    assert!(c.is_empty());
}

#[test]
fn hashes_follow_the_text() {
    let a = chunks("def f(x):\n    return x + 1\n", Language::Python);
    let b = chunks("\n\n\ndef f(x):\n    return x + 1\n", Language::Python);
    assert_eq!(a[0].hash, b[0].hash, "moved, same text: same hash");
    assert_eq!(b[0].start_line, 4);
    let c = chunks("def f(x):\n    return x + 2\n", Language::Python);
    assert_ne!(a[0].hash, c[0].hash);
}
