#!/usr/bin/env python3
"""Tables for the Lern data-fix jobs at scale, deterministic (seeded), as tab-separated text for
psql's \\copy (the columns are listed in Benchmarks/lern-jobs.sh):
  course_batch.tsv          N batches over N/10 courses; dates around the run clock (2024-01-01), so
                            about 1 in 100 batches changes status (an hourly run's share)
  assessment_aggregator.tsv N attempts: N/4 learners x 2 contents x 2 attempts, one batch
  user_activity_agg.tsv     one activity row per learner
Usage: gen_lern_jobs.py N DIR"""
import os, random, sys

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
