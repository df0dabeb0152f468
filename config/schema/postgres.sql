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
