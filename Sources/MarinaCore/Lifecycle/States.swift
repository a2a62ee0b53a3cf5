/// Where an install of an app in a tenant stands.
///
///     installing ──► active ──► uninstalling ──► uninstalled
///         │            ▲ (upgrade,       ▲
///         ▼            │  settings)     │
///       failed ────────┴────────────────┘ (failed → uninstalling only)
///
/// `installing` waits for the app's `install` event (when it declares one); `failed` is an
/// install whose event exhausted its retries or that a crash interrupted; `uninstalled` keeps
/// the row (and, for the retention period, the data) and is final: installing again makes a new
/// install.
public enum InstallState: String, Lifecycle, Codable {
    case installing, active, failed, uninstalling, uninstalled

    public static let moves: [InstallState: Set<InstallState>] = [
        .installing: [.active, .failed, .uninstalling],
        .active: [.active, .uninstalling],
        .failed: [.uninstalling],
        .uninstalling: [.uninstalling, .uninstalled],
        .uninstalled: [],
    ]

    /// Whether app tokens of the install are honoured (an app may call the platform while its
    /// `install` event is being handled).
    public var acceptsAppCalls: Bool { self == .active || self == .installing }
}

/// Where the delivery of one event stands: `pending` until delivered, retried with backoff, and
/// `failed` once its attempts are exhausted.
public enum EventDeliveryState: String, Lifecycle, Codable {
    case pending, delivered, failed

    public static let moves: [EventDeliveryState: Set<EventDeliveryState>] = [
        .pending: [.pending, .delivered, .failed],
        .delivered: [],
        .failed: [],
    ]
}

/// Where a running instance of an (install's tenant, app, version) stands in the supervisor.
///
/// `sleeping` (no process) → `starting` on a call → `ready` once `/health` answers and
/// `/manifest` matches; a start that fails goes to `failed` (retried after a wait) or, when
/// nothing was started (a secret missing), back to `sleeping`; a ready instance goes to
/// `sleeping` when idle or stopped, to `crashed` when it exits unasked (restarted after a
/// backoff) and to `failed` when it keeps crashing; a call that finds a `ready` instance's process
/// already gone (killed, before its exit was seen) starts it again at once.
public enum InstanceState: String, Lifecycle, Codable {
    case sleeping, starting, ready, crashed, failed

    public static let moves: [InstanceState: Set<InstanceState>] = [
        .sleeping: [.starting, .sleeping],
        .starting: [.ready, .sleeping, .failed],
        .ready: [.sleeping, .crashed, .failed, .starting],
        .crashed: [.starting, .sleeping, .failed],
        .failed: [.starting, .sleeping],
    ]
}
