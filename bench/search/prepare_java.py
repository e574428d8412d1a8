"""Makes a search benchmark from a tree of Java code, as prepare.py does for Python: a copy with the
Javadoc of every method and constructor that has a body removed (what gets indexed), and queries
made of those comments' first sentences, each with the file and lines of its method in the copy.

    python3 prepare_java.py SRC OUT_DIR QUERIES.jsonl

Parsed with tree-sitter's Java grammar (PyPI: tree-sitter, tree-sitter-java). A sentence that
documents more than one method (overloads: "Checks if a CharSequence is empty.") names no single
answer and gives no query. Files that do not parse, or whose comments share lines with code, are
copied unchanged and give no queries; package-info.java and module-info.java give none either.
"""
import json
import os
import re
import shutil
import sys
from collections import Counter

import tree_sitter_java
from tree_sitter import Language, Parser

from prepare import sentence, without_lines

PARSER = Parser(Language(tree_sitter_java.language()))
TYPES = {"class_declaration", "interface_declaration", "enum_declaration", "record_declaration"}
METHODS = {"method_declaration", "constructor_declaration"}


def first_sentence(javadoc):
    """The first sentence of a Javadoc comment, as prose: tags unwrapped, HTML dropped."""
    body = re.sub(r"^/\*\*|\*/$", "", javadoc)
    body = "\n".join(re.sub(r"^\s*\*", "", line) for line in body.splitlines())
    # The description ends at the first block tag (@param, @return, ...).
    body = re.split(r"^\s*@\w+", body, flags=re.M)[0]
    # {@code x}, {@link Type#member label}: the label if any, else the member or type.
    body = re.sub(r"\{@(?:link|linkplain)\s+[^}\s]*?#?(\w+)(?:\([^)]*\))?\s+([^}]+)\}", r"\2", body)
    body = re.sub(r"\{@(?:link|linkplain)\s+(?:[^}#\s]*#)?([^}(\s]+)(?:\([^)]*\))?\s*\}", r"\1", body)
    body = re.sub(r"\{@\w+\s*([^}]*)\}", r"\1", body)
    body = re.sub(r"<[^>]+>", " ", body)
    body = body.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&").replace("&nbsp;", " ")
    return sentence(body)


def strip(source):
    """(stripped source, [(name, start, end, query)]) or None when the file cannot be stripped."""
    data = source.encode("utf-8", errors="surrogateescape")
    tree = PARSER.parse(data)
    if tree.root_node.has_error:
        return None
    lines = source.splitlines(keepends=True)
    drop = set()
    found = []

    def text(node):
        return data[node.start_byte : node.end_byte].decode("utf-8", errors="surrogateescape")

    def own_lines(node):
        first, last = node.start_point[0], node.end_point[0]
        before = lines[first][: node.start_point[1]]
        after = lines[last][node.end_point[1] :]
        return before.strip() == "" and after.strip() == ""

    def visit(node, scope):
        previous = None
        for child in node.named_children:
            if child.type in METHODS and child.child_by_field_name("body") is not None:
                doc = previous
                if doc is not None and doc.type == "block_comment" and text(doc).startswith("/**") and own_lines(doc):
                    query = first_sentence(text(doc))
                    if query and not query.startswith("{@inheritDoc"):
                        first, last = doc.start_point[0] + 1, doc.end_point[0] + 1
                        drop.update(range(first, last + 1))
                        name = text(child.child_by_field_name("name"))
                        found.append((f"{scope}.{name}", child.start_point[0] + 1, child.end_point[0] + 1, query))
            if child.type in TYPES:
                name = child.child_by_field_name("name")
                visit(child, f"{scope}.{text(name)}" if scope else text(name))
            elif child.type != "block_comment":
                visit(child, scope)
            previous = child

    visit(tree.root_node, "")
    return without_lines(lines, drop, found)


def main():
    src, out, queries_path = sys.argv[1], sys.argv[2], sys.argv[3]
    if os.path.exists(out):
        shutil.rmtree(out)
    all_queries = []
    for dirpath, dirnames, filenames in os.walk(src):
        dirnames.sort()
        for f in sorted(filenames):
            if not f.endswith(".java"):
                continue
            rel = os.path.normpath(os.path.relpath(os.path.join(dirpath, f), src))
            with open(os.path.join(dirpath, f), encoding="utf-8", errors="surrogateescape") as fh:
                source = fh.read()
            result = None if f in ("package-info.java", "module-info.java") else strip(source)
            text, queries = (source, []) if result is None else result
            dest = os.path.join(out, rel)
            os.makedirs(os.path.dirname(dest), exist_ok=True)
            with open(dest, "w", encoding="utf-8", errors="surrogateescape") as fh:
                fh.write(text)
            for name, s, e, q in queries:
                if len(q.split()) >= 4 and e - s >= 2:
                    all_queries.append({"query": q, "path": rel.replace(os.sep, "/"), "symbol": name, "start": s, "end": e})
    seen = Counter(q["query"].lower() for q in all_queries)
    kept = [q for q in all_queries if seen[q["query"].lower()] == 1]
    with open(queries_path, "w") as qf:
        for q in kept:
            qf.write(json.dumps(q) + "\n")
    print(f"{len(kept)} queries ({len(all_queries) - len(kept)} left out: the same sentence on several methods)", file=sys.stderr)


if __name__ == "__main__":
    main()
