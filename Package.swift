// swift-tools-version: 6.1
import PackageDescription

/// Settings every Swirl target shares: Swift 6 mode plus the upcoming features that keep
/// imports and existentials explicit.
let swirlSettings: [SwiftSetting] = [
    .enableUpcomingFeature("ExistentialAny"),
    .enableUpcomingFeature("MemberImportVisibility"),
    .enableUpcomingFeature("InternalImportsByDefault"),
]

let package = Package(
    name: "Swirl",
    platforms: [.macOS(.v14)],
    products: [
        .executable(name: "swirl", targets: ["SwirlCLI"])
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
        .package(url: "https://github.com/apple/swift-collections", from: "1.1.0"),
        .package(url: "https://github.com/swiftlang/swift-subprocess", from: "1.0.0"),
        .package(url: "https://github.com/swift-server/async-http-client", from: "1.37.0"),
        .package(url: "https://github.com/apple/swift-nio", from: "2.80.0"),
        .package(url: "https://github.com/apple/swift-crypto", "3.12.0"..<"5.0.0"),
    ],
    targets: [
        // Records the commit a build comes from, for `swirl --version`.
        .plugin(name: "BuildInfoPlugin", capability: .buildTool(), path: "Sources/BuildInfoPlugin"),
        // C libraries: a module map and a one-line header each, nothing else.
        .systemLibrary(
            name: "CYAML",
            pkgConfig: "yaml-0.1",
            providers: [.apt(["libyaml-dev"])]
        ),
        .systemLibrary(
            name: "CLibPQ",
            pkgConfig: "libpq",
            providers: [.apt(["libpq-dev"])]
        ),
        .systemLibrary(
            name: "CSQLite",
            pkgConfig: "sqlite3",
            providers: [.apt(["libsqlite3-dev"])]
        ),

        .target(
            name: "SwirlCore",
            dependencies: [.product(name: "OrderedCollections", package: "swift-collections")],
            swiftSettings: swirlSettings,
            // Number formatting uses libm; Foundation brings it in for most targets, but not all.
            linkerSettings: [.linkedLibrary("m", .when(platforms: [.linux]))]
        ),
        .target(
            name: "SwirlResources",
            resources: [.embedInCode("workflow.schema.json"), .embedInCode("Migrations")],
            swiftSettings: swirlSettings
        ),
        .target(
            name: "SwirlSyntax",
            dependencies: ["SwirlCore", "SwirlResources", "CYAML"],
            swiftSettings: swirlSettings
        ),
        .target(
            name: "SwirlExpressions",
            dependencies: ["SwirlCore"],
            swiftSettings: swirlSettings
        ),
        .target(
            name: "SwirlRuntime",
            dependencies: [
                "SwirlCore", "SwirlSyntax", "SwirlExpressions", "SwirlCompiler",
                .product(name: "Subprocess", package: "swift-subprocess"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "Crypto", package: "swift-crypto"),
            ],
            swiftSettings: swirlSettings
        ),
        .target(
            name: "SwirlPostgres",
            dependencies: ["SwirlCore", "SwirlRuntime", "SwirlResources", "CLibPQ"],
            swiftSettings: swirlSettings
        ),
        .target(
            name: "SwirlSQLite",
            dependencies: ["SwirlCore", "SwirlRuntime", "SwirlResources", "CSQLite"],
            swiftSettings: swirlSettings
        ),
        .target(
            name: "SwirlCompiler",
            dependencies: ["SwirlCore", "SwirlSyntax", "SwirlExpressions"],
            swiftSettings: swirlSettings
        ),
        .executableTarget(
            name: "SwirlCLI",
            dependencies: [
                "SwirlCore",
                "SwirlSyntax",
                "SwirlCompiler",
                "SwirlRuntime",
                "SwirlPostgres",
                "SwirlSQLite",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ],
            swiftSettings: swirlSettings,
            plugins: ["BuildInfoPlugin"]
        ),
        .executableTarget(
            name: "SwirlBenchmarks",
            dependencies: [
                "SwirlCore", "SwirlSyntax", "SwirlCompiler", "SwirlExpressions", "SwirlRuntime", "SwirlPostgres", "SwirlSQLite",
            ],
            path: "Benchmarks/SwirlBenchmarks",
            swiftSettings: swirlSettings
        ),
        .target(
            name: "SwirlTestSupport",
            dependencies: ["SwirlCore", "SwirlRuntime"],
            swiftSettings: swirlSettings
        ),

        .testTarget(
            name: "SwirlCoreTests",
            dependencies: ["SwirlCore", "SwirlTestSupport"],
            swiftSettings: swirlSettings
        ),
        .testTarget(
            name: "SwirlSyntaxTests",
            dependencies: ["SwirlSyntax", "SwirlCore", "SwirlTestSupport"],
            swiftSettings: swirlSettings
        ),
        .testTarget(
            name: "SwirlExpressionsTests",
            dependencies: ["SwirlExpressions", "SwirlCore"],
            swiftSettings: swirlSettings
        ),
        .testTarget(
            name: "SwirlCompilerTests",
            dependencies: ["SwirlCompiler", "SwirlCore", "SwirlSyntax", "SwirlTestSupport"],
            exclude: ["Golden"],
            swiftSettings: swirlSettings
        ),
        .testTarget(
            name: "SwirlRuntimeTests",
            dependencies: [
                "SwirlRuntime", "SwirlCompiler", "SwirlCore", "SwirlSyntax", "SwirlTestSupport",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
            ],
            // The MCP servers the MCP tests start (python3 scripts).
            exclude: ["Peers"],
            swiftSettings: swirlSettings
        ),
        .testTarget(
            name: "WorkflowsTests",
            dependencies: ["SwirlCompiler", "SwirlCore", "SwirlSyntax", "SwirlExpressions", "SwirlRuntime", "SwirlTestSupport"],
            exclude: ["Fixtures", "Conformance"],
            swiftSettings: swirlSettings
        ),
        .testTarget(
            name: "SwirlPostgresTests",
            dependencies: ["SwirlPostgres", "SwirlRuntime", "SwirlResources", "SwirlCore", "SwirlTestSupport"],
            swiftSettings: swirlSettings
        ),
        .testTarget(
            name: "SwirlSQLiteTests",
            dependencies: ["SwirlSQLite", "SwirlRuntime", "SwirlResources", "SwirlCore", "SwirlTestSupport"],
            swiftSettings: swirlSettings
        ),
        .testTarget(
            name: "SwirlCLITests",
            dependencies: [
                "SwirlCLI", "SwirlTestSupport", "SwirlPostgres", "SwirlSQLite", "SwirlRuntime", "SwirlCompiler", "SwirlSyntax",
                "SwirlCore",
            ],
            exclude: ["Fixtures"],
            swiftSettings: swirlSettings
        ),
    ]
)
