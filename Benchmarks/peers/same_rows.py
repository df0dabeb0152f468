#!/usr/bin/env python3
"""Whether two CSV reports hold the same rows, whatever their order and quoting (an empty cell and
"" are both empty): the check that the peers and we compute the same report.
Usage: same_rows.py A.csv B.csv   (exit 0 when the same; prints the first difference otherwise)"""
import csv, sys

def rows(path):
    with open(path, newline="") as f:
        r = csv.reader(f, escapechar="\\")
        header = next(r)
        return header, sorted(tuple(row) for row in r)

(ha, a), (hb, b) = rows(sys.argv[1]), rows(sys.argv[2])
if ha != hb:
    sys.exit(f"headers differ:\n  {ha}\n  {hb}")
if len(a) != len(b):
    sys.exit(f"{len(a)} rows against {len(b)}")
for x, y in zip(a, b):
    if x != y:
        sys.exit("first different row:\n  " + ",".join(x) + "\n  " + ",".join(y))
print(f"same {len(a)} rows")
