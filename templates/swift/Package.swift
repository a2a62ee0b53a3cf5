// swift-tools-version:6.2
import PackageDescription

let package = Package(
    name: "{{slug}}",
    platforms: [.macOS(.v15)],
    dependencies: [
        // Marina's package (your checkout), for its MarinaKit product: the Swift SDK.
        .package(path: "{{marina_home}}"),
    ],
    targets: [
        // What the tools and events do, kept in a library so that the tests can call it.
        .target(name: "Handlers", dependencies: [.product(name: "MarinaKit", package: "{{marina_package}}")]),
        .executableTarget(name: "{{slug}}", dependencies: ["Handlers", .product(name: "MarinaKit", package: "{{marina_package}}")]),
        .testTarget(name: "HandlersTests", dependencies: ["Handlers", .product(name: "MarinaKit", package: "{{marina_package}}")], resources: [.copy("mock.json")]),
    ],
    swiftLanguageModes: [.v6]
)
