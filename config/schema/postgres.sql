-- Upstream Cassandra tables as PostgreSQL tables: keyspace = schema, primary keys as upstream,
-- maps/lists/UDTs as jsonb, timestamps as timestamptz, text as text. Idempotent: run it any time
-- (`dataproducts load` does). Tables used by the jobs implemented so far; later jobs add theirs here.

CREATE SCHEMA IF NOT EXISTS sunbird;
CREATE SCHEMA IF NOT EXISTS sunbird_courses;

-- lern-jobs-spec §0.5 / §11-12
CREATE TABLE IF NOT EXISTS sunbird.organisation (
    id text PRIMARY KEY,
    channel text, hashtagid text, istenant boolean, orglocation text, orgname text, provider text,
    rootorgid text, slug text, status integer, externalid text, organisationtype text
);

CREATE TABLE IF NOT EXISTS sunbird.location (
    id text PRIMARY KEY,
    code text, name text, parentid text, type text
);

CREATE TABLE IF NOT EXISTS sunbird.system_settings (
    id text PRIMARY KEY,
    field text, value text
);

CREATE TABLE IF NOT EXISTS sunbird."user" (
    id text PRIMARY KEY,
    userid text, rootorgid text, firstname text, lastname text, channel text, isdeleted boolean,
    locationids jsonb, usertype text, usersubtype text, email text, phone text, profileusertype text,
    profileusertypes text, profilelocation text, framework jsonb, updateddate text
);

CREATE TABLE IF NOT EXISTS sunbird.user_organisation (
    userid text, organisationid text, id text, isdeleted boolean,
    PRIMARY KEY (userid, organisationid)
);

CREATE TABLE IF NOT EXISTS sunbird.usr_external_identity (
    userid text, idtype text, provider text, externalid text, originalexternalid text, originalprovider text,
    PRIMARY KEY (userid, idtype, provider)
);

CREATE TABLE IF NOT EXISTS sunbird.user_consent (
    user_id text, consumer_id text, object_id text,
    id text, consumer_type text, object_type text, status text, consent_data text,
    last_updated_on timestamptz,
    PRIMARY KEY (user_id, consumer_id, object_id)
);

CREATE TABLE IF NOT EXISTS sunbird.user_declarations (
    userid text, orgid text, persona text,
    errortype text, status text, userinfo jsonb,
    PRIMARY KEY (userid, orgid, persona)
);

CREATE TABLE IF NOT EXISTS sunbird_courses.course_batch (
    courseid text, batchid text,
    cert_templates jsonb, createdby text, createddate text, createdfor jsonb, description text,
    enddate text, end_date timestamptz, enrollmentenddate text, enrollment_enddate timestamptz,
    enrollmenttype text, mentors jsonb, name text, startdate text, start_date timestamptz,
    status integer, updateddate text,
    PRIMARY KEY (courseid, batchid)
);

-- lern-jobs-spec §0.5 and the exhausts (lern-exhaust-spec)
CREATE TABLE IF NOT EXISTS sunbird_courses.user_enrolments (
    userid text, courseid text, batchid text,
    active boolean, addedby text, certificates jsonb, issued_certificates jsonb, completedon timestamptz,
    completionpercentage integer, contentstatus jsonb, datetime timestamptz, enrolleddate text,
    enrolled_date timestamptz, lastreadcontentid text, lastreadcontentstatus integer, progress integer, status integer,
    PRIMARY KEY (userid, courseid, batchid)
);
-- A batch's enrolments (upstream's report table is partitioned by batch): the collection summary
-- spread over hosts reads one batch per work item.
CREATE INDEX IF NOT EXISTS user_enrolments_batchid ON sunbird_courses.user_enrolments (batchid);

-- collection-reconciliation-job's dry run writes what it would change here (lern-jobs-spec §2).
CREATE TABLE IF NOT EXISTS sunbird_courses.user_enrolments_temp (LIKE sunbird_courses.user_enrolments INCLUDING ALL);

-- The report copy of the enrolments (cassandra-migration's target; upstream's report cluster).
CREATE TABLE IF NOT EXISTS sunbird_courses.report_user_enrolments (
    userid text, courseid text, batchid text,
    active boolean, addedby text, certificates jsonb, issued_certificates jsonb, completedon timestamptz,
    completionpercentage integer, contentstatus jsonb, datetime timestamptz, enrolleddate text,
    enrolled_date timestamptz, lastreadcontentid text, lastreadcontentstatus integer, progress integer, status integer,
    PRIMARY KEY (batchid, courseid, userid)
);

-- question is a list of the `question` UDT (id, assess_ts, max_score, score, type, title, resvalues,
-- params, description, duration): jsonb.
CREATE TABLE IF NOT EXISTS sunbird_courses.assessment_aggregator (
    user_id text, course_id text, batch_id text, content_id text, attempt_id text,
    created_on timestamptz, grand_total text, last_attempted_on timestamptz, question jsonb,
    total_max_score double precision, total_score double precision, updated_on timestamptz,
    PRIMARY KEY (user_id, course_id, batch_id, content_id, attempt_id)
);

CREATE TABLE IF NOT EXISTS sunbird_courses.user_activity_agg (
    activity_type text, activity_id text, user_id text, context_id text,
    agg jsonb, aggregates jsonb, agg_last_updated jsonb, agg_details jsonb,
    PRIMARY KEY (activity_type, activity_id, user_id, context_id)
);
-- Progress V2 reads a batch's rows in user order (merged with its learners): this index serves that
-- scan in order, without a sort of the batch (bytes order, as every store orders text).
CREATE INDEX IF NOT EXISTS user_activity_agg_by_batch ON sunbird_courses.user_activity_agg (activity_id, context_id, user_id COLLATE "C");

CREATE TABLE IF NOT EXISTS sunbird_courses.user_content_consumption (
    userid text, courseid text, batchid text, contentid text,
    status integer, lastcompletedtime text, last_completed_time timestamptz, progress integer,
    PRIMARY KEY (userid, courseid, batchid, contentid)
);

CREATE TABLE IF NOT EXISTS sunbird.cert_registry (
    id text PRIMARY KEY,
    accesscode text, createdat timestamptz, createdby text, data text, isrevoked boolean, jsonurl text,
    pdfurl text, reason text, recipient text, related text, updatedat timestamptz, updatedby text
);

-- <env>_hierarchy_store; the test environment's keyspace is dev_hierarchy_store.
CREATE SCHEMA IF NOT EXISTS dev_hierarchy_store;
CREATE TABLE IF NOT EXISTS dev_hierarchy_store.content_hierarchy (
    identifier text PRIMARY KEY,
    hierarchy text, relational_metadata text
);

-- ML program enrolments (primary key assumed (program_id, user_id): one enrolment per user).
CREATE SCHEMA IF NOT EXISTS sunbird_programs;
CREATE TABLE IF NOT EXISTS sunbird_programs.program_enrollment (
    program_id text, user_id text,
    "program_externalId" text, program_name text, pii_consent_required boolean, user_locations jsonb,
    organisation_id text, organisation_name text, user_sub_type text, user_type text,
    created_at timestamptz, updated_at timestamptz,
    PRIMARY KEY (program_id, user_id)
);

-- The assessment archival's bookkeeping (upstream postgres.table.archival_request, test
-- archival_metadata; lern-exhaust-spec §7.4), one row per archived (batch, year, week).
CREATE TABLE IF NOT EXISTS sunbird_courses.archival_metadata (
    request_id text PRIMARY KEY,
    batch_id text, collection_id text, resource_type text, job_id text, archival_date timestamp, completion_date timestamp,
    archival_status text, deletion_status text, blob_url text[], iteration integer, request_data json, err_message text
);

-- framework-spec A4.6: druid_reports batch mode (upstream <keyspace_prefix>report_config; config = the
-- report's modelParams as JSON text, {"reportConfig": {...}, "key": ..., ...})
CREATE TABLE IF NOT EXISTS public.report_config (
    report_id text PRIMARY KEY,
    report_schedule text, config text, status text, batch_number integer
);
