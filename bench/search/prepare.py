"""Makes a search benchmark from a tree of Python code: a copy with every function's docstring
removed (what gets indexed) and queries made of those docstrings' first sentences, each with the
file and lines of its function in the copy (what a search must find).

    python3 prepare.py SRC OUT_DIR QUERIES.jsonl [MAX_LINES]

With MAX_LINES, only whole top-level modules and packages of SRC, taken in hash order (not
alphabetically) until that many lines, for a smaller repository.

Files that do not parse, or whose docstrings share lines with code, are copied unchanged and give
no queries. Test directories are left out (their docstrings describe tests, not code to find).
"""
import ast
import hashlib
import json
import os
import re
import shutil
import sys

SKIP_DIRS = {"__pycache__", "test", "tests", "idle_test", "site-packages"}


def sentence(prose):
    """The first sentence of some prose, its whitespace collapsed (all of it if none ends)."""
    prose = re.sub(r"\s+", " ", prose).strip()
    m = re.match(r"(.+?[.!?])(\s|$)", prose)
    return (m.group(1) if m else prose).strip()


def first_sentence(doc):
    return sentence(re.split(r"\n\s*\n", doc.strip())[0])


def without_lines(lines, drop, found):
    """The source without the line numbers in `drop` (from 1), and each (name, start, end, query)
    of `found` with its lines renumbered as in that copy."""
    kept = [l for i, l in enumerate(lines, start=1) if i not in drop]
    dropped_before = []
    n = 0
    for i in range(1, len(lines) + 2):
        dropped_before.append(n)
        if i in drop:
            n += 1
    queries = [(name, s - dropped_before[s - 1], e - dropped_before[e - 1], q) for name, s, e, q in found]
    return "".join(kept), queries


def strip(source):
    """(stripped source, [(name, start, end, query)]) or None when the file cannot be stripped."""
    try:
        tree = ast.parse(source)
    except (SyntaxError, ValueError):
        return None
    lines = source.splitlines(keepends=True)
    drop = set()
    found = []

    def visit(node, scope):
        for child in ast.iter_child_nodes(node):
            if isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
                name = f"{scope}.{child.name}" if scope else child.name
                if isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef)):
                    body = child.body
                    if (
                        body
                        and isinstance(body[0], ast.Expr)
                        and isinstance(body[0].value, ast.Constant)
                        and isinstance(body[0].value.value, str)
                    ):
                        d = body[0]
                        first, last = d.lineno, d.end_lineno
                        own_lines = all(
                            lines[i - 1].strip() != "" for i in range(first, last + 1)
                        )
                        before = lines[first - 1][: d.col_offset]
                        after = lines[last - 1][d.end_col_offset :]
                        if own_lines and before.strip() == "" and after.strip() == "" and len(body) > 1:
                            drop.update(range(first, last + 1))
                            start = child.decorator_list[0].lineno if child.decorator_list else child.lineno
                            found.append((name, start, child.end_lineno, first_sentence(d.value.value)))
                visit(child, name)
            else:
                visit(child, scope)

    visit(tree, "")
    return without_lines(lines, drop, found)


def lines_of(path):
    if os.path.isfile(path):
        with open(path, "rb") as fh:
            return fh.read().count(b"\n")
    total = 0
    for dirpath, dirnames, filenames in os.walk(path):
        dirnames[:] = [d for d in dirnames if d not in SKIP_DIRS]
        total += sum(lines_of(os.path.join(dirpath, f)) for f in filenames if f.endswith(".py"))
    return total


def chosen(src, max_lines):
    """Top-level entries of SRC (modules and packages) in hash order, up to max_lines lines."""
    entries = [e for e in os.listdir(src) if (e.endswith(".py") or os.path.isdir(os.path.join(src, e))) and e not in SKIP_DIRS]
    entries.sort(key=lambda e: hashlib.sha256(e.encode()).hexdigest())
    keep, total = set(), 0
    for e in entries:
        n = lines_of(os.path.join(src, e))
        if n == 0 or total + n > max_lines:
            continue
        keep.add(e)
        total += n
    return keep


def main():
    src, out, queries_path = sys.argv[1], sys.argv[2], sys.argv[3]
    keep = chosen(src, int(sys.argv[4])) if len(sys.argv) > 4 else None
    if os.path.exists(out):
        shutil.rmtree(out)
    count = 0
    with open(queries_path, "w") as qf:
        for dirpath, dirnames, filenames in os.walk(src):
            rel_dir = os.path.relpath(dirpath, src)
            dirnames[:] = sorted(
                d for d in dirnames if d not in SKIP_DIRS and (keep is None or rel_dir != "." or d in keep)
            )
            for f in sorted(filenames):
                if not f.endswith(".py") or (keep is not None and rel_dir == "." and f not in keep):
                    continue
                rel = os.path.normpath(os.path.join(rel_dir, f))
                with open(os.path.join(dirpath, f), encoding="utf-8", errors="surrogateescape") as fh:
                    source = fh.read()
                result = strip(source)
                text, queries = (source, []) if result is None else result
                dest = os.path.join(out, rel)
                os.makedirs(os.path.dirname(dest), exist_ok=True)
                with open(dest, "w", encoding="utf-8", errors="surrogateescape") as fh:
                    fh.write(text)
                for name, s, e, q in queries:
                    if len(q.split()) < 4 or e - s < 2:
                        continue
                    qf.write(json.dumps({"query": q, "path": rel.replace(os.sep, "/"), "symbol": name, "start": s, "end": e}) + "\n")
                    count += 1
    print(f"{count} queries", file=sys.stderr)


if __name__ == "__main__":
    main()
