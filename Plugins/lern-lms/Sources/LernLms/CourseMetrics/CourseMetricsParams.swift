import PluginKit

/// The parameters both course metrics reports read (lern-jobs-spec §8/9).
enum CourseMetricsParams {
    static let reportConfig = Param<JSONValue>(
        required: "reportConfig", doc: "id, labels, output, mergeConfig (and the Druid metric of course-consumption-report)")
    static let esConfig = Param<JSONValue>(required: "esConfig", doc: "the course search request, sent as it is")
    static let contentSearchUrl = Param<String>(
        "contentSearchUrl", default: "http://localhost:9080/api/content/v1/search", doc: "composite search API (upstream service.search.url + path)")
    static let filePath = Param<String>("filePath", default: "druid-reports/", doc: "folder of the report files")
    static let folderPrefix = Param<[String]>("folderPrefix", default: ["slug", "reportName"], doc: "columns that split the files into folders")
    static let courseKeyspace = Param<String>("courseKeyspace", default: "sunbird_courses", doc: "keyspace of course_batch")
    static let keyspace = Param<String>("sunbirdKeyspace", default: "sunbird", doc: "keyspace of organisation")
    static let all: [any ParameterDeclaring] = [reportConfig, esConfig, contentSearchUrl, filePath, folderPrefix, courseKeyspace, keyspace]

    static func batches(_ job: JobContext) throws -> [CourseBatch] {
        let p = job.params
        return try CourseBatches.load(
            job, searchURL: p[contentSearchUrl], request: p[esConfig], courseKeyspace: p[courseKeyspace], keyspace: p[keyspace])
    }

    static func writer(_ job: JobContext) throws -> CourseReportWriter {
        CourseReportWriter(config: try ReportConfig(job.params[reportConfig]), filePath: job.params[filePath], folderPrefix: job.params[folderPrefix])
    }
}
