#!/usr/bin/env python3
"""A synthetic progress-exhaust world for Benchmarks/exhaust.sh: one batch of N enrolments (seeded),
their user-cache hashes, attempts for a tenth of them, and the recorded API answers.
Usage: gen_exhaust_store.py N DIR"""
import json, os, random, sys
n, out = int(sys.argv[1]), sys.argv[2]
random.seed(42)
os.makedirs(out + "/tables", exist_ok=True)
os.makedirs(out + "/http", exist_ok=True)
course, batch = "do_bench_course", "bench-batch"
t = out + "/tables/"
json.dump({"id": "custodianOrgId", "field": "custodianOrgId", "value": "custodian"}, open(t + "sunbird.system_settings.jsonl", "w"))
json.dump({"courseid": course, "batchid": batch, "name": "Bench batch", "status": 1}, open(t + "sunbird_courses.course_batch.jsonl", "w"))
hierarchy = {"identifier": course, "leafNodesCount": 10, "children": [{"identifier": "do_bench_assess", "contentType": "SelfAssess"}]}
json.dump({"identifier": course, "hierarchy": json.dumps(hierarchy)}, open(t + "dev_hierarchy_store.content_hierarchy.jsonl", "w"))
with open(t + "sunbird_courses.user_enrolments.jsonl", "w") as e, open(out + "/usercache.jsonl", "w") as u, \
        open(t + "sunbird_courses.assessment_aggregator.jsonl", "w") as a:
    for i in range(n):
        uid = f"user-{i:08d}"
        status = {f"do_c{j}": random.choice([0, 1, 2]) for j in range(10)}
        e.write(json.dumps({"userid": uid, "courseid": course, "batchid": batch, "active": True, "contentstatus": status,
                            "enrolleddate": "2021-03-04 05:41:50:382+0000"}) + "\n")
        u.write(json.dumps({"key": "user:" + uid, "fields": {"firstname": f"Learner {i}", "state": random.choice(["Karnataka", "Delhi"]),
                            "district": "district-%d" % random.randrange(30), "rootorgid": "org-1", "orgname": "Org One",
                            "board": "[\"CBSE\"]", "usertype": "student"}}) + "\n")
        if i % 10 == 0:
            a.write(json.dumps({"course_id": course, "batch_id": batch, "user_id": uid, "content_id": "do_bench_assess",
                                "attempt_id": "a1", "grand_total": "7/10", "total_max_score": 10, "total_score": random.randrange(11)}) + "\n")
json.dump({"answers": [
    {"method": "POST", "path": "/api/content/v1/search",
     "body": {"responseCode": "OK", "result": {"content": [{"identifier": course, "name": "Bench course", "channel": "org-1", "status": "Live"}]}}},
    {"method": "POST", "path": "/private/v2/org/preferences/read", "bodyContains": "\"key\":\"dataSecurityPolicy\"",
     "body": {"result": {"response": {"data": {"level": "PASSWORD_PROTECTED_DATASET"}}}}},
    {"method": "POST", "path": "/private/v2/org/preferences/read", "bodyContains": "\"key\":\"userPrivateFields\"",
     "body": {"result": {"response": {"data": {"piiFields": []}}}}}]}, open(out + "/http/answers.json", "w"))
