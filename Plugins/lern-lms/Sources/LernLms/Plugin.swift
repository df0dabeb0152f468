import PluginKit

/// The plugin's one export: its descriptor, listing the jobs it provides.
@_cdecl("dp_plugin_entry")
public func dpPluginEntry() -> UnsafeRawPointer {
    PluginExport.descriptor(
        name: "lern-lms", version: "1.0.0", owner: "Sunbird Lern team",
        block: "lern-lms",
        jobs: [
            ProgressExhaust.self, ProgressExhaustV2.self, ResponseExhaust.self, ResponseExhaustV2.self, UserInfoExhaust.self, AssessmentArchival.self,
            CourseBatchStatusUpdater.self, ScoreMetricMigration.self, OldCertificateMigration.self, AssessmentScoreCorrection.self,
            CassandraMigrator.self, CollectionReconciliation.self, CollectionSummary.self, CourseConsumption.self, CourseEnrollment.self,
            AssessmentCorrection.self,
        ])
}
