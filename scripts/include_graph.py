#!/usr/bin/env python3
"""The folder-level include graph of wambench, checked against its layers.

Every `#include "<folder>/..."` in a source folder is an edge folder -> <folder>. The layers below say which
folders each folder may include; an edge outside them (a lower folder including a higher one, or two
siblings including each other) is a layering error.

    python3 scripts/include_graph.py            # check; exit 1 listing every offending include
    python3 scripts/include_graph.py --dot F    # also write the graph (edge labels = number of includes) as DOT
    dot -Tsvg F -o docs/includes.svg            # the picture in README's Architecture section (graphviz)

Plain Python 3 (standard library only).
"""
import argparse
import collections
import os
import re
import sys

# Folder -> folders it may include (besides itself), lowest layer first. bench/ and tests/ may include
# anything and are not checked.
ALLOWED = {
    "build_info": set(),
    "sim": set(),
    "io": set(),
    "tasks": {"sim"},
    "serving": {"sim"},
    "policies": {"sim", "io", "serving", "build_info"},
    "eval": {"sim", "io", "tasks", "policies", "serving", "build_info"},
    "bridge": {"sim", "io", "tasks", "policies", "eval", "serving", "build_info"},
    "viewer": {"sim", "io", "tasks", "policies", "eval", "build_info"},
    "python": {"sim", "io", "tasks", "policies", "eval", "serving", "build_info"},
    "cli": {"sim", "io", "tasks", "policies", "eval", "serving", "bridge", "viewer", "build_info"},
}
# Layer of each folder in the picture (same rank = same row).
RANK = {"build_info": 0, "sim": 0, "io": 0, "tasks": 1, "serving": 1, "policies": 2, "eval": 3,
        "bridge": 4, "viewer": 4, "python": 5, "cli": 5}
INCLUDE = re.compile(r'^\s*#\s*include\s+"([A-Za-z0-9_]+)/')
SOURCE_EXT = (".h", ".hpp", ".cc", ".cpp", ".c")


def edges(root):
    """{(from_folder, to_folder): [file:line, ...]} for every include between source folders."""
    found = collections.defaultdict(list)
    for folder in ALLOWED:
        top = os.path.join(root, folder)
        for dirpath, _, files in os.walk(top):
            for name in sorted(files):
                if not name.endswith(SOURCE_EXT):
                    continue
                path = os.path.join(dirpath, name)
                with open(path, encoding="utf-8", errors="replace") as f:
                    for lineno, line in enumerate(f, 1):
                        m = INCLUDE.match(line)
                        if m and m.group(1) in ALLOWED and m.group(1) != folder:
                            found[(folder, m.group(1))].append(f"{os.path.relpath(path, root)}:{lineno}")
    return found


def write_dot(found, path):
    with open(path, "w") as out:
        out.write("// Folder-level includes of wambench (scripts/include_graph.py); arrows point to what is included.\n")
        out.write('digraph includes {\n  rankdir=TB; node [shape=box, style="rounded,filled", fillcolor="#eef3fb", '
                  'fontname="Helvetica"]; edge [color="#667799", fontname="Helvetica", fontsize=9];\n')
        for rank in sorted(set(RANK.values())):
            names = " ".join(f'"{f}"' for f in ALLOWED if RANK[f] == rank)
            out.write(f"  {{ rank=same; {names} }}\n")
        for (a, b), where in sorted(found.items()):
            bad = b not in ALLOWED[a]
            style = ', color="#cc2222", fontcolor="#cc2222", penwidth=2' if bad else ""
            out.write(f'  "{a}" -> "{b}" [label="{len(where)}"{style}];\n')
        out.write("}\n")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--root", default=os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."),
                        help="repository root (default: this script's parent folder)")
    parser.add_argument("--dot", help="write the graph as DOT to this file")
    args = parser.parse_args()
    root = os.path.abspath(args.root)
    missing = [f for f in ("sim", "tasks", "policies", "eval", "cli") if not os.path.isdir(os.path.join(root, f))]
    if missing:
        print(f"include_graph: {root} is not a wambench checkout (no {', '.join(missing)}/)", file=sys.stderr)
        return 2
    found = edges(root)
    if args.dot:
        write_dot(found, args.dot)
    violations = [(a, b, w) for (a, b), w in sorted(found.items()) if b not in ALLOWED[a]]
    for a, b, where in violations:
        print(f"layering: {a}/ must not include {b}/ ({a}/ may include: {', '.join(sorted(ALLOWED[a])) or 'nothing'}):")
        for w in where:
            print(f"  {w}")
    print(f"include_graph: {sum(len(w) for w in found.values())} includes across folders, "
          f"{len(found)} folder edges, {len(violations)} not allowed")
    return 1 if violations else 0


if __name__ == "__main__":
    sys.exit(main())
