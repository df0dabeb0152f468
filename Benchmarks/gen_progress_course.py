#!/usr/bin/env python3
"""A realistic course for the progress-exhaust benchmark (issue 5), deterministic (seeded):
a hierarchy of M leaf contents of which A are assessments (SelfAssess), one batch of N enrolled users
with `contentstatus`, `user_activity_agg` rows, 2 attempts per user and assessment in
`assessment_aggregator`, the Redis user cache (`user:<id>` hashes; email/phone encrypted with the
platform's scheme and an empty sunbird_encryption_key, as DecryptUtil expects), and one job_request row.
Tables are written in the fixture JSON-lines format (`dataproducts load` reads them); the user cache as
RESP commands for `redis-cli --pipe` and (jsonl) as a local user-cache file.
--format=copy writes the three big tables as tab-separated text for psql's \\copy instead (same values;
the small tables stay JSON lines): what the benchmark loads at scale; --format=both writes both.
--consents also writes `sunbird.user_consent` (JSON lines): every learner consented to share with the
batch's org, for the userinfo exhaust.
Usage: gen_progress_course.py N DIR [M=40] [A=10] [--format=jsonl|copy|both] [--consents]"""
import json, os, random, sys, time
from platform_crypto import platform_encrypt

args = [x for x in sys.argv[1:] if not x.startswith("--")]
consents = "--consents" in sys.argv[1:]
fmt = next((x.split("=", 1)[1] for x in sys.argv[1:] if x.startswith("--format=")), "jsonl")
assert fmt in ("jsonl", "copy", "both"), "--format=jsonl|copy|both"
n, out = int(args[0]), args[1]
m = int(args[2]) if len(args) > 2 else 40
a = int(args[3]) if len(args) > 3 else 10
random.seed(20261201)
course, batch, org = "do_scale_course", "scale-batch", "org-scale"
tables = os.path.join(out, "tables")
os.makedirs(tables, exist_ok=True)
leaves = [f"do_leaf_{i:03d}" for i in range(m)]
assessments = leaves[:a]

def write(name, rows):
    with open(os.path.join(tables, name + ".jsonl"), "w") as f:
        for r in rows:
            f.write(json.dumps(r, separators=(",", ":")) + "\n")

children = [{"identifier": l, "contentType": "SelfAssess" if l in assessments else "Resource",
             "mimeType": "application/vnd.ekstep.ecml-archive"} for l in leaves]
hierarchy = {"identifier": course, "contentType": "Course", "leafNodesCount": m,
             "children": [{"identifier": "do_unit_1", "contentType": "CourseUnit", "children": children}]}
write("dev_hierarchy_store.content_hierarchy", [{"identifier": course, "hierarchy": json.dumps(hierarchy)}])
write("sunbird.system_settings", [{"id": "custodianOrgId", "field": "custodianOrgId", "value": "custodian"}])
write("sunbird_courses.course_batch", [{"courseid": course, "batchid": batch, "name": "Scale batch", "status": 1}])

enc_cache = {}
def enc(v):  # the same clear text encrypts the same way: cache it (generation speed only)
    if v not in enc_cache:
        enc_cache[v] = platform_encrypt(v)
    return enc_cache[v]

# The rows are made once and written in the chosen format by string templates (json.dumps per row
# made 1M learners take minutes). Both formats carry the same values: `copy` is what psql's \copy
# reads (tab-separated, \N for null), for loading millions of rows at COPY speed.
states = ["Karnataka", "Delhi", "Andhra Pradesh", "Tamil Nadu", "Maharashtra"]
copy, jsonl = fmt in ("copy", "both"), fmt in ("jsonl", "both")
T = lambda name, ext: open(os.path.join(tables, name + ext), "w", buffering=1 << 20)
names = ("sunbird_courses.user_enrolments", "sunbird_courses.user_activity_agg", "sunbird_courses.assessment_aggregator")
ce, cg, cs = (T(x, ".tsv") for x in names) if copy else (None, None, None)
je, jg, js = (T(x, ".jsonl") for x in names) if jsonl else (None, None, None)
u = open(os.path.join(out, "usercache.jsonl"), "w", buffering=1 << 20) if jsonl else None
resp = open(os.path.join(out, "usercache.resp"), "w", buffering=1 << 20)
q = lambda x: '"' + x + '"'  # every generated text is plain (no quotes, backslashes or tabs)
leaf_keys = [q(l) + ":" for l in leaves]
enrolled, enrolled2 = "2021-03-04 05:41:50:382+0000", "2021-03-05 05:41:50"
base = 1622505600  # 2021-06-01T00:00:00Z; attempt k of user i was at base + i s + k ms
for i in range(n):
    uid = f"user-{i:08d}"
    done = random.randrange(m + 1)
    status = "{" + ",".join(leaf_keys[k] + ("2" if k < done else str(random.choice([0, 1]))) for k in range(m)) + "}"
    complete = done == m
    cert = '[{"name":"Completion","id":"cert-' + uid + '"}]'
    if copy:
        ce.write(f"{uid}\t{course}\t{batch}\tt\t{status}\t{enrolled}\t{enrolled2}\t"
                + ("2021-06-01 10:00:00\t" + cert if complete else "\\N\t\\N") + "\n")
    if jsonl:
        je.write(f'{{"userid":"{uid}","courseid":"{course}","batchid":"{batch}","active":true,"contentstatus":{status},'
                f'"enrolleddate":"{enrolled}","enrolled_date":"{enrolled2}"'
                + (f',"completedon":"2021-06-01 10:00:00","issued_certificates":{cert}' if complete else "") + "}\n")
    when = time.strftime("%Y-%m-%d %H:%M:%S", time.gmtime(base + i))
    agg = []
    for c in assessments:
        best = 0
        for attempt in (1, 2):
            score = random.randrange(11)
            best = max(best, score)
            if copy:
                cs.write(f"{uid}\t{course}\t{batch}\t{c}\t{uid}-{c}-{attempt}\t{score}/10\t10\t{score}\t{when}.00{attempt}+00\n")
            if jsonl:
                js.write(f'{{"course_id":"{course}","batch_id":"{batch}","user_id":"{uid}","content_id":"{c}",'
                        f'"attempt_id":"{uid}-{c}-{attempt}","grand_total":"{score}/10","total_max_score":10,'
                        f'"total_score":{score},"last_attempted_on":{(base + i) * 1000 + attempt}}}\n')
        agg.append(f'"score:{c}":{best},"max_score:{c}":10')
    aggregates = '{"completedCount":' + str(done) + ("," if agg else "") + ",".join(agg) + "}"
    if copy:
        cg.write(f"Course\t{course}\t{uid}\tcb:{batch}\t{aggregates}\t{{\"completedCount\":{done}}}\n")
    if jsonl:
        jg.write(f'{{"activity_type":"Course","activity_id":"{course}","user_id":"{uid}","context_id":"cb:{batch}",'
                f'"aggregates":{aggregates},"agg":{{"completedCount":{done}}}}}\n')
    fields = {"firstname": f"Learner{i}", "lastname": "Scale", "state": random.choice(states),
              "district": f"District {random.randrange(40)}", "block": f"Block {random.randrange(200)}",
              "cluster": f"Cluster {random.randrange(800)}", "orgname": "Scale School Org", "rootorgid": org,
              "schooludisecode": str(29000000 + random.randrange(5000)), "schoolname": f"School {random.randrange(5000)}",
              "board": '["CBSE"]', "usertype": "student", "usersubtype": "",
              "email": enc(f"learner{i % 1000}@example.org"), "phone": enc(str(9000000000 + i % 1000))}
    if u:
        u.write(json.dumps({"key": "user:" + uid, "fields": fields}, separators=(",", ":")) + "\n")
    cmd = ["HSET", "user:" + uid] + [x for kv in fields.items() for x in kv]
    resp.write("*%d\r\n" % len(cmd) + "".join("$%d\r\n%s\r\n" % (len(x.encode()), x) for x in cmd))
for f in (ce, cg, cs, je, jg, js, u, resp):
    if f: f.close()
if consents:
    with open(os.path.join(tables, "sunbird.user_consent.jsonl"), "w", buffering=1 << 20) as c:
        for i in range(n):
            c.write(f'{{"user_id":"user-{i:08d}","consumer_id":"{org}","object_id":"{course}","object_type":"Collection",'
                    f'"status":"ACTIVE","last_updated_on":"2021-06-01 00:00:00"}}\n')
search = {"responseCode": "OK", "result": {"content": [
    {"identifier": course, "name": "Scale course", "channel": org, "status": "Live", "userConsent": "Yes"}]}}
# With consents, the org declares the userinfo report's columns private (what userinfo requires).
pii = ["courseid", "collectionName", "batchid", "batchName", "userid", "state", "district", "orgname", "schooludisecode",
       "schoolname", "block", "cluster", "usertype", "usersubtype", "email", "phone", "username"] if consents else []
os.makedirs(os.path.join(out, "http"), exist_ok=True)
json.dump({"answers": [
    {"method": "POST", "path": "/api/content/v1/search", "body": search},
    {"method": "POST", "path": "/private/v2/org/preferences/read", "bodyContains": "\"key\":\"dataSecurityPolicy\"",
     "body": {"result": {"response": {"data": {"level": "PASSWORD_PROTECTED_DATASET"}}}}},
    {"method": "POST", "path": "/private/v2/org/preferences/read", "bodyContains": "\"key\":\"userPrivateFields\"",
     "body": {"result": {"response": {"data": {"piiFields": pii}}}}}]}, open(os.path.join(out, "http", "answers.json"), "w"))
with open(os.path.join(out, "job_request.sql"), "w") as f:
    f.write("INSERT INTO job_request (tag, request_id, job_id, status, request_data, requested_by, requested_channel, "
            "dt_job_submitted, download_urls, execution_time, err_message, iteration, encryption_key) VALUES "
            f"('{course}_{batch}:{org}', 'SCALE-{n}', 'progress-exhaust', 'SUBMITTED', '{{\"batchId\": \"{batch}\"}}', "
            f"'admin', '{org}', now(), '{{}}', 0, '', 0, 'bench-password');\n")
