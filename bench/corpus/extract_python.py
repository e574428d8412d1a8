"""Every function and method in Python sources, found with Python's own parser (ast). The one Python
extractor of the repository: bench/corpus/index.cjs runs it over this interpreter's standard library
and caches its output for the tests, the benchmarks and the demo (and the quality benchmark's
docstring/code pairs, CodeSearchNet's way, are its documented functions).

    python3 extract_python.py ROOT [ROOT ...]

Prints one JSON line per function:
    path        the file, relative to ROOT
    line        the line of its first decorator, or of `def` when it has none (1-based)
    name        its name
    qualname    as __qualname__ would be: Class.method, outer.<locals>.inner
    text        its source as written (decorators, signature, docstring, body), dedented
    def_line    the line that starts with `def` / `async def`, stripped
    doc         the first paragraph of its docstring, lines joined by a space; null without one
    code        text without the docstring's lines (text itself without a docstring)
    body_lines  non-blank lines after the first, the docstring's not counted; 0 when the docstring
                is the whole body

The order is fixed: directories and files sorted by name (site-packages and __pycache__ skipped),
functions in ast.walk order within a file. Files that do not parse or decode are skipped.
"""
import ast
import json
import os
import sys


def first_paragraph(doc):
    lines = []
    for line in doc.strip().splitlines():
        if not line.strip():
            if lines:
                break
            continue
        lines.append(line.strip())
    return " ".join(lines)


def qualnames(tree):
    """__qualname__ of every function node, by id."""
    names = {}

    def visit(node, prefix):
        for child in ast.iter_child_nodes(node):
            if isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef)):
                names[id(child)] = prefix + child.name
                visit(child, prefix + child.name + ".<locals>.")
            elif isinstance(child, ast.ClassDef):
                visit(child, prefix + child.name + ".")
            else:
                visit(child, prefix)

    visit(tree, "")
    return names


def dedent(lines):
    indent = min((len(l) - len(l.lstrip()) for l in lines if l.strip()), default=0)
    return "\n".join(l[indent:] for l in lines).strip("\n")


def record(source_lines, node, qualname):
    first = node.decorator_list[0].lineno if node.decorator_list else node.lineno
    start, end = first - 1, node.end_lineno
    lines = source_lines[start:end]
    raw = ast.get_docstring(node, clean=True)
    if raw:
        ds = node.body[0]
        # the function's lines without the docstring's
        keep = [line for i, line in enumerate(lines, start=first) if not (ds.lineno <= i <= ds.end_lineno)]
        body_lines = sum(1 for l in keep[1:] if l.strip()) if len(node.body) > 1 else 0
    else:
        keep = lines
        body_lines = sum(1 for l in keep[1:] if l.strip())
    text = dedent(lines)
    return {
        "name": node.name,
        "qualname": qualname,
        "line": first,
        "text": text,
        "def_line": source_lines[node.lineno - 1].strip(),
        "doc": first_paragraph(raw) if raw else None,
        "code": dedent(keep) if raw else text,
        "body_lines": body_lines,
    }


def main(roots):
    for root in roots:
        for dirpath, dirnames, filenames in os.walk(root):
            dirnames[:] = sorted(d for d in dirnames if d not in ("site-packages", "__pycache__"))
            for name in sorted(filenames):
                if not name.endswith(".py"):
                    continue
                path = os.path.join(dirpath, name)
                try:
                    with open(path, encoding="utf-8") as f:
                        text = f.read()
                    tree = ast.parse(text)
                except (SyntaxError, UnicodeDecodeError, ValueError):
                    continue
                lines = text.splitlines()
                names = qualnames(tree)
                for node in ast.walk(tree):
                    if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
                        r = record(lines, node, names[id(node)])
                        r["path"] = os.path.relpath(path, root)
                        print(json.dumps(r))


if __name__ == "__main__":
    main(sys.argv[1:])
