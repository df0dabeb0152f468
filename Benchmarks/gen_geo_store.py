#!/usr/bin/env python3
"""Writes a synthetic `local` store for the geo report: N organisations over 40 tenant slugs, each
school in one of 2000 districts and (mostly) one of 20000 blocks. Seeded, so every run is the same.
Usage: gen_geo_store.py N OUT_DIR"""
import json, os, random, sys

n, out = int(sys.argv[1]), sys.argv[2]
rng = random.Random(42)
os.makedirs(out, exist_ok=True)
with open(os.path.join(out, "sunbird.location.jsonl"), "w") as f:
    for s in range(40):
        f.write(json.dumps({"id": f"s{s}", "name": f"STATE {s}", "type": "state", "parentid": None}) + "\n")
    for d in range(2000):
        f.write(json.dumps({"id": f"d{d}", "name": f"DISTRICT {d:04d}", "type": "district", "parentid": f"s{d % 40}"}) + "\n")
    for b in range(20000):
        f.write(json.dumps({"id": f"b{b}", "name": f"BLOCK {b:05d}", "type": "block", "parentid": f"d{b % 2000}"}) + "\n")
with open(os.path.join(out, "sunbird.organisation.jsonl"), "w") as f:
    for i in range(n):
        s = rng.randrange(40)
        d = rng.randrange(50) * 40 + s
        loc = [{"id": f"s{s}", "type": "state"}, {"id": f"d{d}", "type": "district"}]
        if rng.random() < 0.8:
            loc.append({"id": f"b{rng.randrange(10) * 2000 + d}", "type": "block"})
        f.write(json.dumps({
            "id": f"org{i:08d}", "channel": f"ch{s}", "hashtagid": f"h{i}", "istenant": False,
            "orglocation": json.dumps(loc), "orgname": f"SCHOOL {i}, \"GOVT\"", "provider": "p",
            "rootorgid": f"root{s}", "slug": f"Slug{s}", "status": 1 if rng.random() < 0.95 else 0,
            "externalid": f"ext{i}"}) + "\n")
