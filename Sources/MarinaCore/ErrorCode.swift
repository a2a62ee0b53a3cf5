/// The stable codes of Marina's refusals and failures — the `code` of every
/// `{"error": {"code", "message"}}` the API answers — as one typed set: a refusal names one of the
/// constants below, never a string made up at its call site. Three families come from elsewhere and
/// keep their own enums: the runtime's (`instance_start_failed`, …), the bundle checks'
/// (`bundle_unsafe_path`, …) and the manifest and document checks' (`document_too_large`, …);
/// `init(family:)` takes them in. docs/errors.md lists every constant (a test keeps it so).
public struct ErrorCode: Hashable, Sendable, CustomStringConvertible {
    public let rawValue: String

    private init(_ rawValue: String) { self.rawValue = rawValue }

    /// A code of another family's enum (the runtime's, the document checks').
    public init<Family: RawRepresentable<String>>(family code: Family) { rawValue = code.rawValue }

    public var description: String { rawValue }

    public static let alreadyInstalled = ErrorCode("already_installed")
    public static let appError = ErrorCode("app_error")
    public static let appMismatch = ErrorCode("app_mismatch")
    public static let appUnreachable = ErrorCode("app_unreachable")
    public static let bundleCorrupt = ErrorCode("bundle_corrupt")
    public static let bundleStoreFailed = ErrorCode("bundle_store_failed")
    public static let bundleTooLarge = ErrorCode("bundle_too_large")
    public static let bundleTruncated = ErrorCode("bundle_truncated")
    public static let bundleUnpackFailed = ErrorCode("bundle_unpack_failed")
    public static let consentRequired = ErrorCode("consent_required")
    public static let forbidden = ErrorCode("forbidden")
    public static let installFailed = ErrorCode("install_failed")
    public static let installPending = ErrorCode("install_pending")
    public static let `internal` = ErrorCode("internal")
    public static let invalidApiKey = ErrorCode("invalid_api_key")
    public static let invalidApp = ErrorCode("invalid_app")
    public static let invalidArgs = ErrorCode("invalid_args")
    public static let invalidChannel = ErrorCode("invalid_channel")
    public static let invalidDescription = ErrorCode("invalid_description")
    public static let invalidGrant = ErrorCode("invalid_grant")
    public static let invalidQuery = ErrorCode("invalid_query")
    public static let invalidRequest = ErrorCode("invalid_request")
    public static let invalidSchema = ErrorCode("invalid_schema")
    public static let invalidSecretKey = ErrorCode("invalid_secret_key")
    public static let invalidSetting = ErrorCode("invalid_setting")
    public static let invalidTenant = ErrorCode("invalid_tenant")
    public static let invalidToken = ErrorCode("invalid_token")
    public static let invalidTransition = ErrorCode("invalid_transition")
    public static let invalidVersion = ErrorCode("invalid_version")
    public static let keyRevoked = ErrorCode("key_revoked")
    public static let manifestInvalid = ErrorCode("manifest_invalid")
    public static let manifestMismatch = ErrorCode("manifest_mismatch")
    public static let masterKeyFromEnvironment = ErrorCode("master_key_from_environment")
    public static let methodNotAllowed = ErrorCode("method_not_allowed")
    public static let noCurrentVersion = ErrorCode("no_current_version")
    public static let noStartCommand = ErrorCode("no_start_command")
    public static let noVault = ErrorCode("no_vault")
    public static let notAppOwner = ErrorCode("not_app_owner")
    public static let notFound = ErrorCode("not_found")
    public static let notInstalled = ErrorCode("not_installed")
    public static let notReady = ErrorCode("not_ready")
    public static let outputInvalid = ErrorCode("output_invalid")
    public static let payloadTooLarge = ErrorCode("payload_too_large")
    public static let platformError = ErrorCode("platform_error")
    public static let platformEvent = ErrorCode("platform_event")
    public static let publishConflict = ErrorCode("publish_conflict")
    public static let rateLimited = ErrorCode("rate_limited")
    public static let rollbackBelowMinimum = ErrorCode("rollback_below_minimum")
    public static let runtimeUnavailable = ErrorCode("runtime_unavailable")
    public static let secretMissing = ErrorCode("secret_missing")
    public static let secretNotFound = ErrorCode("secret_not_found")
    public static let secretTooLarge = ErrorCode("secret_too_large")
    public static let secretUnreadable = ErrorCode("secret_unreadable")
    public static let tenantExists = ErrorCode("tenant_exists")
    public static let toolTimeout = ErrorCode("tool_timeout")
    public static let unauthorized = ErrorCode("unauthorized")
    public static let unknownEvent = ErrorCode("unknown_event")
    public static let unknownTool = ErrorCode("unknown_tool")
    public static let unsupportedMediaType = ErrorCode("unsupported_media_type")
    public static let versionNotFound = ErrorCode("version_not_found")
    public static let versionNotIncreasing = ErrorCode("version_not_increasing")

    /// The platform's own codes (without the families), for documentation checks.
    public static let all: [ErrorCode] = [
        .alreadyInstalled,
        .appError,
        .appMismatch,
        .appUnreachable,
        .bundleCorrupt,
        .bundleStoreFailed,
        .bundleTooLarge,
        .bundleTruncated,
        .bundleUnpackFailed,
        .consentRequired,
        .forbidden,
        .installFailed,
        .installPending,
        .`internal`,
        .invalidApiKey,
        .invalidApp,
        .invalidArgs,
        .invalidChannel,
        .invalidDescription,
        .invalidGrant,
        .invalidQuery,
        .invalidRequest,
        .invalidSchema,
        .invalidSecretKey,
        .invalidSetting,
        .invalidTenant,
        .invalidToken,
        .invalidTransition,
        .invalidVersion,
        .keyRevoked,
        .manifestInvalid,
        .manifestMismatch,
        .masterKeyFromEnvironment,
        .methodNotAllowed,
        .noCurrentVersion,
        .noStartCommand,
        .noVault,
        .notAppOwner,
        .notFound,
        .notInstalled,
        .notReady,
        .outputInvalid,
        .payloadTooLarge,
        .platformError,
        .platformEvent,
        .publishConflict,
        .rateLimited,
        .rollbackBelowMinimum,
        .runtimeUnavailable,
        .secretMissing,
        .secretNotFound,
        .secretTooLarge,
        .secretUnreadable,
        .tenantExists,
        .toolTimeout,
        .unauthorized,
        .unknownEvent,
        .unknownTool,
        .unsupportedMediaType,
        .versionNotFound,
        .versionNotIncreasing,
    ]
}
