/// The work the host's queue and fault tests give it: upstream's progress exhaust test config (C-P,
/// lern-exhaust-spec §8.1) with the mocks' URLs and throttles. The job's own rules are tested in
/// Plugins/lern-lms/Tests; here it is only a realistic load.
enum Workloads {
    static let progressRequestId = "37564CF8F134EE7532F125651B51D17F"
    static let progressConfig = """
        {"search":{"type":"none"},"model":"org.sunbird.lms.exhaust.collection.ProgressExhaustJob","modelParams":{"store":"local","mode":"OnDemand","batchFilters":["TPD"],"searchFilter":{},"sparkElasticsearchConnectionHost":"{{ sunbird_es_host | default('localhost') }}","sparkRedisConnectionHost":"localhost","sparkUserDbRedisPort":6341,"sparkUserDbRedisIndex":"0","sparkCassandraConnectionHost":"localhost","fromDate":"","toDate":"","storageContainer":"","csvColumns":["courseid", "collectionName", "batchid", "batchName", "userid", "state", "district", "orgname", "schooludisecode", "schoolname", "board", "block", "cluster", "usertype", "usersubtype", "enrolleddate", "completedon", "certificatestatus", "completionPercentage"],
        "contentSearchUrl":"{{base}}/api/content/v1/search","tenantPreferenceUrl":"{{base}}/private/v2/org/preferences/read",
        "batchesLimitPerChannel":3,"fileSizeLimitPerChannel":100,"batchLimitPerRequest":4},"parallelization":8,"appName":"Progress Exhaust"}
        """
}
