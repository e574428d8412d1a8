"""Docstring/code pairs from Python sources, CodeSearchNet's way: the query is the first paragraph of a
function's docstring, the code is the function without its docstring. Prints JSON lines
{path, name, query, code, body_lines} for every function that has a docstring; filtering is the
caller's (build-sets.mjs), so that it can count what each filter drops.

    python3 extract_python.py ROOT [ROOT ...]
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


def functions(tree):
    for node in ast.walk(tree):
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            yield node


def pair(source_lines, node):
    doc = ast.get_docstring(node, clean=True)
    if not doc:
        return None
    first = node.decorator_list[0].lineno if node.decorator_list else node.lineno
    start, end = first - 1, node.end_lineno
    ds = node.body[0]
    # the function's lines without the docstring's
    keep = [
        line
        for i, line in enumerate(source_lines[start:end], start=start + 1)
        if not (ds.lineno <= i <= ds.end_lineno)
    ]
    indent = min((len(l) - len(l.lstrip()) for l in keep if l.strip()), default=0)
    code = "\n".join(l[indent:] for l in keep).strip("\n")
    body_lines = sum(1 for l in keep[1:] if l.strip()) if len(node.body) > 1 else 0
    return {"name": node.name, "query": first_paragraph(doc), "code": code, "body_lines": body_lines}


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
                for node in functions(tree):
                    p = pair(lines, node)
                    if p:
                        p["path"] = os.path.relpath(path, root)
                        print(json.dumps(p))


if __name__ == "__main__":
    main(sys.argv[1:])
