#!/usr/bin/env python3
"""The progress exhaust V2 report (lern-exhaust-spec §3.1, §3.3) as the SQL a data engineer would
write today, run by DuckDB straight on the JSON-lines tables and the user-cache file that
gen_progress_course.py writes: the peer our embedded store is measured against. Writes one CSV.
Rows in no particular order (the spec leaves it open; sorting cost DuckDB as much as the rest). Only the report (no queue, API calls or zip); the hierarchy's supported contents and the batch /
course names are read in Python first, as a script around the SQL would.
Usage: progress_v2_duckdb.py DIR OUT.csv [course] [batch] [collection-name]"""
import json, os, sys
import duckdb

d, out = sys.argv[1], sys.argv[2]
course = sys.argv[3] if len(sys.argv) > 3 else "do_scale_course"
batch = sys.argv[4] if len(sys.argv) > 4 else "scale-batch"
collection_name = sys.argv[5] if len(sys.argv) > 5 else "Scale course"
t = lambda name: os.path.join(d, "tables", name + ".jsonl")

with open(t("dev_hierarchy_store.content_hierarchy")) as f:
    root = next(json.loads(json.loads(line)["hierarchy"]) for line in f if json.loads(line)["identifier"] == course)
supported, stack = [], [root]
while stack:  # §3.1: the root and its descendants whose contentType is SelfAssess, in walk order
    node = stack.pop(0)
    if node.get("contentType") == "SelfAssess" and node["identifier"] not in supported:
        supported.append(node["identifier"])
    stack[0:0] = node.get("children", [])
leaves = int(root.get("leafNodesCount", 0))
with open(t("sunbird_courses.course_batch")) as f:
    batch_name = next(r["name"] for r in map(json.loads, f) if r["batchid"] == batch)

q = lambda s: "'" + s.replace("'", "''") + "'"
score_cols = sorted(supported, key=lambda i: i + " - Score")
# Each supported content's score and max score, straight out of the aggregates document.
extract = ", ".join(
    f"json_extract(aggregates, '$.\"score:{i}\"')::DOUBLE AS \"s:{i}\", json_extract(aggregates, '$.\"max_score:{i}\"')::DOUBLE AS \"m:{i}\""
    for i in supported)
per_content = ",\n".join(
    f"""    coalesce(CASE WHEN has_score AND "s:{i}" IS NOT NULL THEN (CASE WHEN coalesce("m:{i}", 0) > 0
              THEN ceil("s:{i}" * 100 / "m:{i}")::BIGINT || '%' ELSE '' END) END, '') AS "{i} - Score" """ for i in score_cols)
con = duckdb.connect()
con.execute(f"""
COPY (
WITH learners AS (
    SELECT userid, contentstatus, issued_certificates, completedon,
           coalesce(nullif(enrolled_date, ''), enrolleddate) AS enrolled
    FROM read_json({q(t('sunbird_courses.user_enrolments'))}, format = 'newline_delimited', columns = {{
        userid: 'VARCHAR', courseid: 'VARCHAR', batchid: 'VARCHAR', active: 'BOOLEAN', contentstatus: 'JSON',
        enrolleddate: 'VARCHAR', enrolled_date: 'VARCHAR', completedon: 'VARCHAR', issued_certificates: 'JSON'}})
    WHERE batchid = {q(batch)} AND courseid = {q(course)} AND active
      AND coalesce(nullif(enrolled_date, ''), enrolleddate) <> ''
), users AS (
    SELECT substr(key, 6) AS userid, fields.*
    FROM read_json({q(os.path.join(d, 'usercache.jsonl'))}, format = 'newline_delimited', columns = {{
        key: 'VARCHAR', fields: 'STRUCT(state VARCHAR, district VARCHAR, block VARCHAR, cluster VARCHAR, orgname VARCHAR,
            rootorgid VARCHAR, schooludisecode VARCHAR, schoolname VARCHAR, board VARCHAR, usertype VARCHAR, usersubtype VARCHAR)'}})
), activity AS (
    SELECT user_id, {extract}
    FROM read_json({q(t('sunbird_courses.user_activity_agg'))}, format = 'newline_delimited', columns = {{
        activity_id: 'VARCHAR', user_id: 'VARCHAR', context_id: 'VARCHAR', aggregates: 'JSON'}})
    WHERE context_id = {q('cb:' + batch)} AND activity_id = {q(course)}
), scored AS (
    SELECT *, ({' + '.join(f'coalesce("s:{i}", 0)' for i in supported)}) AS s, ({' + '.join(f'coalesce("m:{i}", 0)' for i in supported)}) AS m,
           ({' OR '.join(f'"s:{i}" IS NOT NULL' for i in supported)}) AND ({' + '.join(f'coalesce("m:{i}", 0)' for i in supported)}) > 0 AS has_score
    FROM activity
)
SELECT {q(course)} AS "Collection Id", {q(collection_name)} AS "Collection Name", {q('BatchId_' + batch)} AS "Batch Id",
       {q(batch_name)} AS "Batch Name", l.userid AS "User UUID",
       coalesce(u.state, '') AS "State", coalesce(u.district, '') AS "District", coalesce(u.orgname, '') AS "Org Name",
       coalesce(u.schooludisecode, '') AS "School Id", coalesce(u.schoolname, '') AS "School Name",
       coalesce(u.block, '') AS "Block Name", coalesce(u.cluster, '') AS "Cluster Name",
       coalesce(u.usertype, '') AS "User Type", coalesce(u.usersubtype, '') AS "User Sub Type",
       coalesce(json_extract_string(u.board, '$[0]'), u.board, '') AS "Declared Board",
       strftime(CAST(left(l.enrolled, 10) AS DATE), '%d/%m/%Y') AS "Enrolment Date",
       coalesce(strftime(CAST(left(l.completedon, 10) AS DATE), '%d/%m/%Y'), '') AS "Completion Date",
       CASE WHEN json_array_length(l.issued_certificates) > 0 THEN 'Issued' ELSE '' END AS "Certificate Status",
       CASE WHEN l.completedon IS NOT NULL AND l.completedon <> '' THEN 100
            WHEN len(list_filter(json_extract_string(l.contentstatus, '$.*'), lambda v: v = '2')) >= {leaves} THEN 100
            ELSE round(CAST(len(list_filter(json_extract_string(l.contentstatus, '$.*'), lambda v: v = '2')) AS FLOAT) / CAST({max(leaves, 1)} AS FLOAT) * CAST(100 AS FLOAT))::BIGINT
       END AS "Progress",
       coalesce(CASE WHEN has_score THEN ceil(s / m * 100)::BIGINT || '%' END, '') AS "Total Score",
{per_content}
FROM learners l JOIN users u USING (userid) LEFT JOIN scored a ON a.user_id = l.userid

) TO {q(out)} (HEADER, DELIMITER ',')
""")
