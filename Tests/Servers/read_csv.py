"""Reads a CSV file with Python's csv module and prints its rows as JSON: an independent reader for
the report dialect tests. `spark`: quotes inside quoted fields escaped with a backslash (Spark's
writer); `rfc4180`: quotes doubled (the csv module's default dialect)."""
import csv
import json
import sys

path, dialect = sys.argv[1], sys.argv[2]
options = {"doublequote": False, "escapechar": "\\"} if dialect == "spark" else {}
with open(path, newline="", encoding="utf-8") as f:
    print(json.dumps(list(csv.reader(f, strict=True, **options))))
