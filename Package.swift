// swift-tools-version:6.2
import PackageDescription

let swiftSettings: [SwiftSetting] = [
    .enableUpcomingFeature("ExistentialAny"),
]

/// The fuzzing build (`scripts/fuzz`, scratch path `.build-fuzz`): with MARINA_FUZZ=1 the code that
/// reads untrusted manifests and bundles (MarinaCore, MarinaBundle) is compiled with libFuzzer's
/// coverage and AddressSanitizer, and the fuzz targets under `Fuzz/` are added. Other modules and
/// the dependencies build as usual; the normal build never sees any of it.
let fuzzing = Context.environment["MARINA_FUZZ"] == "1"
let fuzzInstrumented: [SwiftSetting] = fuzzing ? [.unsafeFlags(["-sanitize=fuzzer,address"])] : []
/// The checks and the targets' `main`: AddressSanitizer only, so that their own branches do not
/// count as coverage.
let fuzzChecked: [SwiftSetting] = fuzzing ? [.unsafeFlags(["-sanitize=address"])] : []

let package = Package(
    name: "marina",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "marina", targets: ["marina"]),
        .executable(name: "marina-sandbox", targets: ["marina-sandbox"]),
        .library(name: "MarinaCore", targets: ["MarinaCore"]),
        .library(name: "MarinaKit", targets: ["MarinaKit"]),
    ],
    dependencies: [
        .package(url: "https://github.com/jpsim/Yams", from: "6.2.2"),
        .package(url: "https://github.com/apple/swift-crypto", from: "4.5.2"),
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
        .package(url: "https://github.com/apple/swift-metrics", from: "2.13.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus", from: "2.4.1"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle", from: "2.13.0"),
        .package(url: "https://github.com/swift-server/async-http-client", from: "1.37.0"),
        .package(url: "https://github.com/apple/swift-nio", from: "2.81.0"),
        .package(url: "https://github.com/hummingbird-project/hummingbird", from: "2.28.1"),
        .package(url: "https://github.com/vapor/sql-kit", from: "3.36.0"),
        .package(url: "https://github.com/vapor/sqlite-kit", from: "4.5.2"),
        .package(url: "https://github.com/vapor/postgres-kit", from: "2.17.0"),
        .package(url: "https://github.com/vapor/sqlite-nio", from: "1.13.2"),
        .package(url: "https://github.com/vapor/async-kit", from: "1.22.0"),
        .package(url: "https://github.com/apple/swift-http-types", from: "1.8.0"),
        .package(url: "https://github.com/x-sheep/swift-property-based", from: "2.0.1"),
    ],
    targets: [
        .target(
            name: "MarinaCore",
            dependencies: [
                .product(name: "Yams", package: "Yams"),
                .product(name: "Crypto", package: "swift-crypto"),
            ],
            swiftSettings: swiftSettings + fuzzInstrumented
        ),
        .systemLibrary(name: "CZlib", path: "Sources/CZlib"),
        .target(
            name: "MarinaBundle",
            dependencies: [
                "CZlib",
                .product(name: "Crypto", package: "swift-crypto"),
            ],
            swiftSettings: swiftSettings + fuzzInstrumented
        ),
        .target(
            name: "MarinaStore",
            dependencies: [
                "MarinaCore",
                .product(name: "SQLKit", package: "sql-kit"),
                .product(name: "SQLiteKit", package: "sqlite-kit"),
                .product(name: "PostgresKit", package: "postgres-kit"),
                .product(name: "SQLiteNIO", package: "sqlite-nio"),
                .product(name: "AsyncKit", package: "async-kit"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Crypto", package: "swift-crypto"),
            ],
            swiftSettings: swiftSettings
        ),
        .target(
            name: "MarinaVault",
            dependencies: [
                "MarinaCore",
                "MarinaStore",
                .product(name: "Crypto", package: "swift-crypto"),
            ],
            swiftSettings: swiftSettings
        ),
        // Foundation-free: all that the `marina-sandbox` helper links (it starts twice per wake).
        .target(
            name: "MarinaSandbox",
            swiftSettings: swiftSettings
        ),
        .executableTarget(
            name: "marina-sandbox",
            dependencies: ["MarinaSandbox"],
            swiftSettings: swiftSettings,
            // The Swift runtime linked in: no shared runtime to load and relocate at each of its
            // two starts per wake (about 2.5 ms each here).
            linkerSettings: [.unsafeFlags(["-static-stdlib"])]
        ),
        // Async work on NIO's threads: `Offload` (blocking work to NIO's thread pool) and
        // `EventLoopTaskExecutor` (a task executor on one event loop).
        .target(
            name: "MarinaEventLoops",
            dependencies: [
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
            ],
            swiftSettings: swiftSettings
        ),
        .target(
            name: "MarinaRuntime",
            dependencies: [
                "MarinaCore",
                "MarinaEventLoops",
                "MarinaSandbox",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            swiftSettings: swiftSettings
        ),
        // The platform's own outbound calls that are not about instances: the SMTP relay that
        // delivers what apps send, the operator's endpoints behind operator-defined tools.
        .target(
            name: "MarinaOutbound",
            dependencies: [
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "NIOCore", package: "swift-nio"),
            ],
            swiftSettings: swiftSettings
        ),
        .target(
            name: "MarinaPlatform",
            dependencies: [
                "MarinaEventLoops",
                "MarinaOutbound",
                "MarinaCore",
                "MarinaStore",
                "MarinaBundle",
                "MarinaRuntime",
                "MarinaVault",
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            swiftSettings: swiftSettings
        ),
        .target(
            name: "MarinaHTTP",
            dependencies: [
                "MarinaCore",
                "MarinaPlatform",
                "MarinaEventLoops",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdCore", package: "hummingbird"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            swiftSettings: swiftSettings
        ),
        // The composition: `Platform.build` makes every service from a setup (serve and the tests
        // call it), `Server` is `marina serve` around it.
        .target(
            name: "MarinaServer",
            dependencies: [
                "MarinaEventLoops",
                "MarinaOutbound",
                "MarinaCore",
                "MarinaBundle",
                "MarinaStore",
                "MarinaVault",
                "MarinaRuntime",
                "MarinaPlatform",
                "MarinaHTTP",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            swiftSettings: swiftSettings
        ),
        .target(
            name: "MarinaKit",
            dependencies: [
                "MarinaCore",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
            ],
            swiftSettings: swiftSettings
        ),
        .executableTarget(
            name: "hello-swift",
            dependencies: ["MarinaKit"],
            path: "examples/hello-swift/Sources/hello-swift",
            swiftSettings: swiftSettings
        ),
        .executableTarget(
            name: "marina",
            dependencies: [
                "MarinaCore",
                "MarinaBundle",
                "MarinaStore",
                "MarinaPlatform",
                "MarinaRuntime",
                "MarinaSandbox",
                "MarinaVault",
                "MarinaServer",
                "MarinaOutbound",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOFoundationCompat", package: "swift-nio"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "Prometheus", package: "swift-prometheus"),
            ],
            swiftSettings: swiftSettings
        ),
        .target(
            name: "MarinaTestSupport",
            dependencies: [
                "MarinaStore",
                "MarinaSandbox",
                "MarinaBundle",
                "MarinaCore",
                .product(name: "PostgresKit", package: "postgres-kit"),
                .product(name: "Logging", package: "swift-log"),
            ],
            path: "Tests/MarinaTestSupport",
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "MarinaCoreTests",
            dependencies: [
                "MarinaCore",
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "PropertyBased", package: "swift-property-based"),
            ],
            swiftSettings: swiftSettings
        ),
        // The properties the fuzz targets check on each input (Fuzz/), shared with the tests that
        // replay the fuzz regression corpus (Tests/FuzzRegressionTests).
        .target(
            name: "FuzzChecks",
            dependencies: ["MarinaCore", "MarinaBundle", .product(name: "Crypto", package: "swift-crypto")],
            path: "Fuzz/Checks",
            swiftSettings: swiftSettings + fuzzChecked
        ),
        .testTarget(
            name: "FuzzRegressionTests",
            dependencies: ["FuzzChecks"],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "MarinaBundleTests",
            dependencies: ["MarinaBundle"],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "MarinaRuntimeTests",
            dependencies: ["MarinaRuntime", "MarinaEventLoops", "MarinaSandbox", "MarinaVault", "MarinaStore", "MarinaCore", "MarinaBundle", "MarinaTestSupport",
                           .product(name: "NIOCore", package: "swift-nio"), .product(name: "NIOPosix", package: "swift-nio"),
                           .product(name: "PropertyBased", package: "swift-property-based")],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "MarinaOutboundTests",
            dependencies: ["MarinaOutbound", "MarinaTestSupport"],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "MarinaStoreTests",
            dependencies: ["MarinaStore", "MarinaCore", "MarinaTestSupport", .product(name: "SQLKit", package: "sql-kit")],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "MarinaHTTPTests",
            dependencies: [
                "MarinaHTTP", "MarinaPlatform", "MarinaStore", "MarinaCore", "MarinaBundle", "MarinaTestSupport", "MarinaRuntime", "MarinaVault", "MarinaServer", "MarinaOutbound",
                .product(name: "Hummingbird", package: "hummingbird"), .product(name: "HummingbirdTesting", package: "hummingbird"),
                .product(name: "Prometheus", package: "swift-prometheus"), .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "NIOCore", package: "swift-nio"), .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "SQLKit", package: "sql-kit"), .product(name: "Crypto", package: "swift-crypto"),
            ],
            swiftSettings: swiftSettings
        ),
        // The platform's services against the memory driver and a temporary database (SQLite, and
        // PostgreSQL when MARINA_TEST_POSTGRES_URL names one), built as serve builds them.
        .testTarget(
            name: "MarinaPlatformTests",
            dependencies: [
                "MarinaServer", "MarinaPlatform", "MarinaRuntime", "MarinaStore", "MarinaCore", "MarinaVault", "MarinaTestSupport",
                .product(name: "SQLKit", package: "sql-kit"),
            ],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "MarinaKitTests",
            dependencies: ["MarinaKit", "MarinaCore", "MarinaTestSupport", .product(name: "Crypto", package: "swift-crypto")],
            exclude: ["Fixtures"],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "MarinaCLITests",
            dependencies: [
                "MarinaSandbox",
                .product(name: "NIOCore", package: "swift-nio"),
                "MarinaTestSupport",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
            ],
            exclude: ["Fixtures"],
            swiftSettings: swiftSettings
        ),
    ],
    swiftLanguageModes: [.v6]
)

if fuzzing {
    /// A fuzz target: an executable whose `main` hands its callback to libFuzzer's driver
    /// (`Fuzz/CLibFuzzer`), linked with libFuzzer and AddressSanitizer (lld: gold cannot link it).
    func fuzzTarget(_ name: String) -> Target {
        .executableTarget(
            name: name,
            dependencies: ["FuzzChecks", "CLibFuzzer"],
            path: "Fuzz/Targets/\(name)",
            swiftSettings: swiftSettings + fuzzChecked,
            linkerSettings: [.unsafeFlags(["-sanitize=fuzzer,address", "-use-ld=lld"])]
        )
    }
    // The fuzzing build is only the fuzz targets and what they need, so that one `swift build`
    // makes both (building products one by one rebuilds the shared modules at each switch).
    let needed: Set<String> = ["MarinaCore", "CZlib", "MarinaBundle", "FuzzChecks"]
    package.targets = package.targets.filter { needed.contains($0.name) } + [
        .systemLibrary(name: "CLibFuzzer", path: "Fuzz/CLibFuzzer"),
        fuzzTarget("fuzz-manifest"),
        fuzzTarget("fuzz-bundle"),
    ]
    package.products = [
        .executable(name: "fuzz-manifest", targets: ["fuzz-manifest"]),
        .executable(name: "fuzz-bundle", targets: ["fuzz-bundle"]),
    ]
}
