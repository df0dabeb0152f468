import LazyConnectors
import CLibZip
import Foundation

/// Writes a one-entry zip with libzip. A password encrypts the entry with classic PKWARE ZipCrypto
/// ("ZIP_STANDARD" in upstream's zip4j): weak, but the one every OS's built-in unzip opens, which is
/// why upstream chose it (lern-exhaust-spec §2.11, QUIRK Q36 — kept for compatibility).
enum ZipWriter {
    static func write(entry name: String, from source: String, to zipPath: String, password: String?) throws {
        do { try ConnectorLibraries.require(DP_LIB_ZIP, for: "zip") } catch let e as HostCallError { throw HostError.internal(e.description) }
        var err: Int32 = 0
        guard let archive = zip_open(zipPath, ZIP_CREATE | ZIP_TRUNCATE, &err) else {
            throw HostError.internal("cannot create zip \(zipPath) (libzip error \(err))")
        }
        func fail(_ what: String) -> HostError {
            let message = String(cString: zip_strerror(archive))
            zip_discard(archive)
            return HostError.internal("zip \(zipPath): \(what): \(message)")
        }
        guard let src = zip_source_file(archive, source, 0, -1) else { throw fail("cannot read \(source)") }
        let index = zip_file_add(archive, name, src, zip_flags_t(ZIP_FL_OVERWRITE | ZIP_FL_ENC_UTF_8))
        if index < 0 {
            zip_source_free(src)
            throw fail("cannot add \(name)")
        }
        // Level 6, zlib's and zip4j's (upstream's) normal level; libzip's own default is 9, which took
        // ~3x the CPU on a 100k-learner report for a file 6% smaller.
        guard zip_set_file_compression(archive, zip_uint64_t(index), ZIP_CM_DEFLATE, 6) == 0 else { throw fail("deflate") }
        if let password {
            guard zip_file_set_encryption(archive, zip_uint64_t(index), zip_uint16_t(ZIP_EM_TRAD_PKWARE), password) == 0 else {
                throw fail("ZipCrypto")
            }
        }
        guard zip_close(archive) == 0 else { throw fail("write") }
    }
}
