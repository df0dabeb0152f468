#!/usr/bin/env python3
"""Synthetic data for the collection summary benchmark: B course batches over C courses, N active
enrolments spread evenly over the batches (a learner per enrolment, a tenth completed, a twentieth
certified), each learner's user-cache hash (state of 30, district of 700) as RESP for redis-cli --pipe,
and the content search's recorded answer for the C courses.
Usage: gen_collection_summary.py N B OUT_DIR  ->  course_batch.tsv, user_enrolments.tsv, users.resp, answers.json"""
import json, os, sys

n, b, out = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3]
c = max(1, b // 10)
os.makedirs(out, exist_ok=True)
with open(f"{out}/course_batch.tsv", "w") as f:
    for i in range(b):
        f.write(f"c{i % c}\tb{i:05d}\tBatch {i}\t2020-01-01\t2030-01-01\t1\n")
with open(f"{out}/user_enrolments.tsv", "w") as f, open(f"{out}/users.resp", "wb") as r:
    for u in range(n):
        i = u % b
        completed = "2020-02-01 00:00:00+00" if u % 10 == 0 else "\\N"
        certs = '[{"name":"cert"}]' if u % 20 == 0 else "\\N"
        f.write(f"u{u}\tc{i % c}\tb{i:05d}\tt\t{completed}\t2020-01-0{1 + u % 9} 00:00:00+00\t{certs}\n")
        args = ["HSET", f"user:u{u}", "state", f"State {u % 30}", "district", f"District {u % 700}", "usertype", "teacher",
                "orgname", f"Org {u % 50}"]
        r.write(f"*{len(args)}\r\n".encode() + b"".join(b"$%d\r\n%s\r\n" % (len(a.encode()), a.encode()) for a in args))
content = [{"identifier": f"c{k}", "name": f"Course {k}", "channel": "ch", "status": "Live"} for k in range(c)]
json.dump({"answers": [{"method": "POST", "path": "/api/content/v1/search",
                        "body": {"responseCode": "OK", "result": {"count": c, "content": content}}}]}, open(f"{out}/answers.json", "w"))
