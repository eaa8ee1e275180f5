"""Checks that two episodes.jsonl files hold the same episodes with equal records, timings excluded.

Usage: same_records.py A/episodes.jsonl B/episodes.jsonl
Prints the number of records compared; exits 1 listing the first differences, duplicates or
episodes present in only one file.
"""
import json
import sys


def load(path):
    records, dups = {}, []
    with open(path) as f:
        for line in f:
            if not line.endswith("\n"):
                continue  # torn last line
            r = json.loads(line)
            r.pop("timing_s", None)
            key = (r["policy"], r["task"], r["split"], r["episode"])
            if key in records:
                dups.append(key)
            records[key] = r
    return records, dups


a, dups_a = load(sys.argv[1])
b, dups_b = load(sys.argv[2])
problems = [f"duplicated in {sys.argv[1]}: {k}" for k in dups_a] + [f"duplicated in {sys.argv[2]}: {k}" for k in dups_b]
problems += [f"only in {sys.argv[1]}: {k}" for k in sorted(a.keys() - b.keys())]
problems += [f"only in {sys.argv[2]}: {k}" for k in sorted(b.keys() - a.keys())]
for k in sorted(a.keys() & b.keys()):
    if a[k] != b[k]:
        fields = sorted(f for f in a[k].keys() | b[k].keys() if a[k].get(f) != b[k].get(f))
        problems.append(f"differs: {k}: fields {fields}")
print(f"{len(a)} and {len(b)} records, {len(problems)} problems")
for p in problems[:20]:
    print("  " + p)
sys.exit(1 if problems else 0)
