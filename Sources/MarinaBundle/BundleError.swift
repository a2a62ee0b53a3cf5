/// Why a bundle was refused. The raw values are the API's error codes.
public enum BundleErrorCode: String, Sendable {
    case corrupt = "bundle_corrupt"
    case truncated = "bundle_truncated"
    case unsafePath = "bundle_unsafe_path"
    case unsafeLink = "bundle_unsafe_link"
    case unsupportedEntry = "bundle_unsupported_entry"
    case tooLarge = "bundle_too_large"
    case noManifest = "bundle_no_manifest"
    case io = "bundle_io_error"
}

public struct BundleError: Error, Sendable, CustomStringConvertible {
    public var code: BundleErrorCode
    public var message: String
    public init(_ code: BundleErrorCode, _ message: String) {
        self.code = code
        self.message = message
    }
    public var description: String { "\(message) [\(code.rawValue)]" }
}
