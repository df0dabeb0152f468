// swift-tools-version:5.10
// The dataproducts host, its plugin ABI and the Swift SDK for plugin authors.
// Plugins live in Plugins/<block>/ as packages of their own that depend on this one for PluginKit only.
import PackageDescription

let package = Package(
    name: "dataproducts",
    platforms: [.macOS(.v13)],
    products: [
        .executable(name: "dataproducts", targets: ["dataproducts"]),
        // What a Swift plugin links: the SDK (and through it the C header and the row-batch codec).
        .library(name: "PluginKit", targets: ["PluginKit"]),
        // What a block's tests link: its jobs run through the real host binary on the embedded store and
        // PostgreSQL, with the recorded-answer HTTP server, Redis, the Kafka mock cluster (started and stopped here).
        .library(name: "DataproductsTestKit", targets: ["DataproductsTestKit"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
        .package(url: "https://github.com/apple/swift-crypto", from: "4.0.0"),
    ],
    targets: [
        // The C ABI: one header and a module map, nothing else.
        .systemLibrary(name: "PluginAPI", path: "Sources/PluginAPI"),
        // Arrow C Data Interface batches <-> Swift values, used on both sides of the ABI.
        .target(name: "RowBatch", dependencies: ["PluginAPI"]),
        // Job parameters declared once (name, type, default, doc): validated by the SDK and by the host.
        .target(name: "JobParameters", dependencies: ["RowBatch"]),
        // The Swift SDK: a Job protocol, typed rows, errors mapped to status codes, one export call.
        .target(name: "PluginKit", dependencies: ["PluginAPI", "RowBatch", "JobParameters"]),
        // The connector libraries' headers (Debian -dev packages); the host does not link the libraries:
        // LazyConnectors opens each on first use, so a run that never touches one never maps it.
        // PostgreSQL's libpq (libpq-dev), used by the host only; plugins never link it.
        .systemLibrary(name: "CLibPQ", path: "Sources/CLibPQ", providers: [.apt(["libpq-dev"])]),
        // SQLite (Debian: libsqlite3-dev): the embedded default store, queue and user cache.
        .systemLibrary(name: "CSQLite", path: "Sources/CSQLite", pkgConfig: "sqlite3", providers: [.apt(["libsqlite3-dev"])]),
        // hiredis (Debian: libhiredis-dev) for the Redis user cache.
        .systemLibrary(name: "CHiredis", path: "Sources/CHiredis", providers: [.apt(["libhiredis-dev"])]),
        // libcurl (Debian: libcurl4-openssl-dev) behind a non-variadic C function, for HTTP and blob storage.
        .target(name: "CCurlShim", dependencies: ["LazyConnectors"]),
        // libzip (Debian: libzip-dev) for the exhausts' zips, ZipCrypto-encrypted when password protected.
        .systemLibrary(name: "CLibZip", path: "Sources/CLibZip", providers: [.apt(["libzip-dev"])]),
        // librdkafka (Debian: librdkafka-dev) behind a producer that counts every delivery report.
        .target(name: "CKafkaShim", dependencies: ["LazyConnectors"]),
        // Stubs with the real prototypes that dlopen the library behind them on first call.
        .target(name: "LazyConnectors"),
        // Host-only C shims for Linux calls Swift's Glibc module does not import.
        .target(name: "HostSystem"),
        // The host as a library (CLI commands, plugin loading, connectors, queue, writers), so tests
        // and the thin executable below share it.
        .target(
            name: "Host",
            dependencies: [
                "PluginAPI", "RowBatch", "JobParameters", "HostSystem", "CLibPQ", "CSQLite", "CCurlShim", "CHiredis", "CLibZip",
                "LazyConnectors", "CKafkaShim",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Crypto", package: "swift-crypto"),
                // AES-CBC, the AES block function (ECB) and RSA PKCS#1 v1.5 for the exhaust encryption.
                .product(name: "CryptoExtras", package: "swift-crypto"),
            ]
        ),
        // The `dataproducts` binary: main.swift only.
        .executableTarget(name: "dataproducts", dependencies: ["Host"]),
        // The test kit: the host binary in a child process, test servers, benches; XCTest, no Host internals.
        .target(name: "DataproductsTestKit", dependencies: ["RowBatch", "PluginAPI"]),
        .testTarget(name: "HostTests", dependencies: ["Host", "RowBatch", "DataproductsTestKit"]),
        // Tests mirror the libraries: one target per library, one file per concern.
        .testTarget(name: "RowBatchTests", dependencies: ["RowBatch"]),
        .testTarget(name: "JobParametersTests", dependencies: ["JobParameters", "RowBatch"]),
        .testTarget(name: "PluginKitTests", dependencies: ["PluginKit", "JobParameters", "RowBatch", "PluginAPI"]),
    ]
)

// Fuzz targets (Fuzz/<name>/main.swift, each a libFuzzer callback): only in scripts/fuzz.sh's build
// (DATAPRODUCTS_FUZZ=1, its own build path, -sanitize=fuzzer,address), never in the normal one.
if Context.environment["DATAPRODUCTS_FUZZ"] == "1" {
    package.targets.append(.target(name: "CLibFuzzer", path: "Fuzz/CLibFuzzer"))
    for name in ["fuzz-json", "fuzz-template", "fuzz-csv", "fuzz-arrow", "fuzz-request"] {
        package.targets.append(
            .executableTarget(name: name, dependencies: ["Host", "RowBatch", "PluginAPI", "CLibFuzzer"], path: "Fuzz/\(name)"))
    }
}
