#!/usr/bin/env python3
"""Synthetic tables for the user cache indexer benchmark: N users, each linked to its root org and a
school, with profile locations and user types; plus, as RESP, the HSETs the indexer writes for them
(what `redis-cli --pipe` is timed on). Usage: gen_user_cache.py N TABLES_DIR RESP_FILE"""
import json, os, sys

n, out, resp_path = int(sys.argv[1]), sys.argv[2], sys.argv[3]
os.makedirs(out, exist_ok=True)
roots, schools, states, districts = 50, 100_000, 30, 700
framework = {"board": ["CBSE"], "id": ["NCF"], "medium": ["English"], "gradeLevel": ["Class 5"], "subject": ["Math"]}
types = [{"type": "teacher", "subType": "hm"}]
dump = lambda v: json.dumps(v, separators=(",", ":"))

with open(f"{out}/sunbird.location.jsonl", "w") as f:
    for s in range(states): f.write(dump({"id": f"s{s}", "name": f"State {s}", "type": "state"}) + "\n")
    for d in range(districts): f.write(dump({"id": f"d{d}", "name": f"District {d}", "type": "district"}) + "\n")
with open(f"{out}/sunbird.organisation.jsonl", "w") as f:
    for r in range(roots): f.write(dump({"id": f"root-{r}", "orgname": f"Root {r}", "organisationtype": "5"}) + "\n")
    for s in range(schools): f.write(dump({"id": f"sch-{s}", "orgname": f"School {s}", "organisationtype": "2", "externalid": f"UDISE{s}"}) + "\n")
with open(f"{out}/sunbird.system_settings.jsonl", "w") as f:
    f.write(dump({"id": "custodianOrgId", "field": "custodianOrgId", "value": "root-0"}) + "\n")

def resp(args):
    parts = [f"*{len(args)}\r\n".encode()]
    for a in args:
        b = a.encode()
        parts.append(b"$%d\r\n%s\r\n" % (len(b), b))
    return b"".join(parts)

with open(f"{out}/sunbird.user.jsonl", "w") as users, open(f"{out}/sunbird.user_organisation.jsonl", "w") as links, \
        open(resp_path, "wb") as pipe:
    for i in range(n):
        uid, root, school, s, d = f"u{i:07d}", f"root-{i % roots}", f"sch-{i % schools}", i % states, i % districts
        location = [{"type": "state", "id": f"s{s}"}, {"type": "district", "id": f"d{d}"}]
        users.write(dump({"id": uid, "userid": uid, "firstname": f"First {i}", "lastname": f"Last {i}", "email": f"enc-email-{i}",
                          "phone": f"enc-phone-{i}", "rootorgid": root, "framework": framework, "profilelocation": dump(location),
                          "profileusertypes": dump(types), "updateddate": "2024-01-05 10:00:00:000+0000"}) + "\n")
        links.write(dump({"userid": uid, "organisationid": root, "isdeleted": False}) + "\n")
        links.write(dump({"userid": uid, "organisationid": school, "isdeleted": False}) + "\n")
        fields = [("firstname", f"First {i}"), ("lastname", f"Last {i}"), ("email", f"enc-email-{i}"), ("phone", f"enc-phone-{i}"),
                  ("rootorgid", root), ("medium", '["English"]'), ("subject", '["Math"]'), ("grade", '["Class 5"]'), ("board", "CBSE"),
                  ("framework", "NCF"), ("usersignintype", "Self-Signed-In" if root == "root-0" else "Validated"),
                  ("orgname", f"Root {i % roots}"), ("state", f"State {s}"), ("district", f"District {d}"), ("usertype", "teacher"),
                  ("usersubtype", "hm"), ("profileusertypes", dump(types)), ("schoolname", f"School {i % schools}"),
                  ("schooludisecode", f"UDISE{i % schools}")]
        pipe.write(resp(["HSET", f"user:{uid}"] + [x for kv in fields for x in kv]))
