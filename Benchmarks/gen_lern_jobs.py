#!/usr/bin/env python3
"""Tables for the Lern data-fix jobs at scale, deterministic (seeded), as tab-separated text for
psql's \\copy (the columns are listed in Benchmarks/lern-jobs.sh):
  course_batch.tsv          N batches over N/10 courses; dates around the run clock (2024-01-01), so
                            about 1 in 100 batches changes status (an hourly run's share)
  assessment_aggregator.tsv N attempts: N/4 learners x 2 contents x 2 attempts, one batch
  user_activity_agg.tsv     one activity row per learner
  cert_templates.tsv        (batch, course, cert_templates) for the first 1000 batches (an UPDATE)
  cert_registry.tsv         N certificates over those 1000 batches
  content_hierarchy.tsv     the 100 courses of those batches, five leaves each
  user_enrolments.tsv       N enrolments over those batches: maps with a stray key in 1 of 5,
                            half completed, 1 in 10 without an enrolment date
  user_content_consumption.tsv  one completed content per enrolment
Usage: gen_lern_jobs.py N DIR"""
import json, os, random, sys

n, out = int(sys.argv[1]), sys.argv[2]
random.seed(20261202)
os.makedirs(out, exist_ok=True)
W = lambda name: open(os.path.join(out, name), "w", buffering=1 << 20)
with W("course_batch.tsv") as f:
    for i in range(n):
        course = f"do_course_{i // 10:07d}"
        start_y, end_y = random.choice([(2020, 2022), (2021, 2030), (2023, 2031), (2025, 2032)])
        status = 2 if end_y < 2024 else (1 if start_y < 2024 else 0)
        if random.random() < 0.01:
            status = (status + 1) % 3  # out of date: the run moves it
        f.write(f"{course}\tbatch_{i:08d}\tBatch {i}\t{start_y}-03-01\t{start_y}-03-01 00:00:00+00\t{end_y}-02-28\t"
                f"{end_y}-02-28 18:29:59+00\topen\t[\"org-1\"]\t{status}\n")
users = n // 4
with W("assessment_aggregator.tsv") as a, W("user_activity_agg.tsv") as g:
    for u in range(users):
        uid = f"user-{u:08d}"
        for c in ("do_content_a", "do_content_b"):
            for k in (1, 2):
                score = random.randint(0, 10)
                a.write(f"do_scale_course\tscale-batch\t{uid}\t{c}\tattempt-{k}\t{score}\t10\t{score}/10\t2021-06-01 00:00:0{k}+00\n")
        g.write(f"Course\tdo_scale_course\t{uid}\tcb:scale-batch\t{{\"completedCount\": 1}}\t{{\"completedCount\": 1}}\t"
                f"{{\"completedCount\": 1622505600000}}\t\\N\n")

template = lambda b: ('{"tmpl_%s": {"name": "Merit certificate", "identifier": "tmpl_%s", "issuer": "{\\"name\\":\\"Board\\"}", '
                      '"signatoryList": "[{\\"name\\":\\"CEO\\"}]", "url": "CLOUD_BASE_PATH/content/%s/certificate.svg"}}' % (b, b, b))
esc = lambda j: j.replace("\\", "\\\\")  # COPY text format: a backslash is written twice
with W("cert_templates.tsv") as t:
    for i in range(1000):
        t.write(f"do_course_{i // 10:07d}\tbatch_{i:08d}\t{esc(template(i))}\n")
with W("cert_registry.tsv") as r:
    for i in range(n):
        b = i % 1000
        data = ('{"issuedOn":"2021-12-14T00:00:00Z","badge":{"name":"Course %d","criteria":{"narrative":"Merit certificate"}}}' % (b // 10))
        related = '{"batchId":"batch_%08d","courseId":"do_course_%07d","type":"Merit certificate"}' % (b, b // 10)
        recipient = '{"name":"Learner %d","id":"user-%08d"}' % (i, i)
        r.write(f"cert-{i:09d}\t2021-12-17 11:26:47+00\t{esc(data)}\tf\t{esc(recipient)}\t{esc(related)}\n")
with W("content_hierarchy.tsv") as h:
    for c in range(100):
        leaves = [f"do_leaf_{c}_{k}" for k in range(5)]
        h.write(f"do_course_{c:07d}\t" + '{"identifier":"do_course_%07d","leafNodes":[%s],"leafNodesCount":5}' % (c, ",".join(f'"{l}"' for l in leaves)) + "\n")
with W("user_enrolments.tsv") as e, W("user_content_consumption.tsv") as cc:
    for i in range(n):
        b = i % 1000
        c = b // 10
        uid = f"user-{i:08d}"
        leaves = {f"do_leaf_{c}_{k}": 2 for k in range(5)}
        if i % 5 == 0:
            leaves["do_stray"] = 1
        done = "\\N" if i % 2 == 0 else "2021-05-01 00:00:00+00"
        enrolled = "\\N" if i % 10 == 0 else "2021-01-01 00:00:00+00"
        e.write(f"{uid}\tdo_course_{c:07d}\tbatch_{b:08d}\t{json.dumps(leaves)}\t{done}\t{enrolled}\t2\n")
        cc.write(f"{uid}\tdo_course_{c:07d}\tbatch_{b:08d}\tdo_leaf_{c}_0\t2\t2021-04-0{1 + i % 9} 10:00:00:000\n")
