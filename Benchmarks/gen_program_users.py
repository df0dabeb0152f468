#!/usr/bin/env python3
"""A program of N enrolled users for the program-user exhaust at scale, deterministic (seeded):
`sunbird_programs.program_enrollment` (half the enrolments ask for PII consent), `sunbird.user_consent`
(4 in 5 of those gave it), the user cache (names; email and phone encrypted with the platform scheme)
as a local user-cache file and as RESP commands, and the HTTP answers the request reads.
Enrolments are written in a shuffled user order, as a table filled over time would be.
Usage: gen_program_users.py N DIR"""
import json, os, random, sys
from platform_crypto import platform_encrypt

n, out = int(sys.argv[1]), sys.argv[2]
random.seed(20261202)
program = "602512d8e6aefa27d9629bc3"
tables = os.path.join(out, "tables")
os.makedirs(tables, exist_ok=True)
os.makedirs(os.path.join(out, "http"), exist_ok=True)
T = lambda name: open(os.path.join(tables, name + ".jsonl"), "w", buffering=1 << 20)
line = lambda f, row: f.write(json.dumps(row, separators=(",", ":")) + "\n")
districts = [f"District {i:02d}" for i in range(30)]
email, phone = platform_encrypt("learner@example.org"), platform_encrypt("9999999999")

order = list(range(n))
random.shuffle(order)
with T("sunbird_programs.program_enrollment") as pe, T("sunbird.user_consent") as uc, \
        open(os.path.join(out, "usercache.jsonl"), "w", buffering=1 << 20) as cache, \
        open(os.path.join(out, "usercache.resp"), "w", buffering=1 << 20) as resp:
    for i in order:
        uid = f"user-{i:08d}"
        d = random.randrange(len(districts))
        pii = i % 2 == 0
        line(pe, {"program_id": program, "user_id": uid, "program_name": "Scale program", "program_externalId": "PGM-SCALE",
                  "user_locations": {"state_name": "Karnataka", "district_name": districts[d], "block_name": f"Block {random.randrange(20)}",
                                     "cluster_name": f"Cluster {random.randrange(50)}", "school_code": f"{random.randrange(10**10):010d}",
                                     "school_name": f"School {random.randrange(1000)}"},
                  "user_type": "teacher", "user_sub_type": "hm", "organisation_name": "Scale org", "pii_consent_required": pii})
        if pii:
            status = "ACTIVE" if i % 10 != 0 else "REVOKED"
            line(uc, {"user_id": uid, "consumer_id": "ORG_001", "object_id": program, "object_type": "Program",
                      "status": status, "last_updated_on": "2023-01-25 05:58:18.666"})
        fields = {"firstname": f"First{i}", "lastname": f"Last{i}", "email": email, "phone": phone}
        line(cache, {"key": "user:" + uid, "fields": fields})
        args = ["HSET", "user:" + uid] + [x for kv in fields.items() for x in kv]
        resp.write("*%d\r\n" % len(args) + "".join("$%d\r\n%s\r\n" % (len(x.encode()), x) for x in args))

answers = [{"method": "POST", "path": "/private/v2/org/preferences/read",
            "body": {"result": {"response": {"data": {"level": "PASSWORD_PROTECTED_DATASET"}}}}}]
with open(os.path.join(out, "http", "answers.json"), "w") as f:
    json.dump({"answers": answers}, f)
filters = [{"table_name": "program_enrollment", "table_filters": [{"name": "program_id", "operator": "=", "value": program}]},
           {"table_name": "user_consent", "table_filters": [{"name": "object_id", "operator": "=", "value": program}]}]
with open(os.path.join(out, "request_data.json"), "w") as f:
    json.dump({"type": "program-user-exhaust", "params": {"filters": filters}, "title": "User Detail Report"}, f)
