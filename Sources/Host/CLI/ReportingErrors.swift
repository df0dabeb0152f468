import ArgumentParser
import Foundation
import JobParameters

/// Runs `body`, turning host errors into one line on stderr and their exit code.
func reportingErrors<T>(_ body: () throws -> T) throws -> T {
    do { return try body() } catch let e as ExitCode {
        throw e
    } catch {
        let e = error as? HostError ?? .internal("\(error)")
        FileHandle.standardError.write(Data(Secrets.scrub("dataproducts: error: \(e.description)\n").utf8))
        throw ExitCode(e.exitCode)
    }
}
