/// Where a published version stands in review and governance (SPEC §2, §6). A version's content
/// never changes; its state does, kept beside it as a history.
///
///     submitted → stage1 → stage2 → stage3 → approved | rejected
///                   └──────────────────────→ approved   (private and team listings: stages 0–1 only)
///     submitted … stage3 → withdrawn                     (by its developer, before a decision)
///     approved ⇄ deprecated;  approved, deprecated → yanked;  yanked → approved (a reversed yank)
///
/// Only `approved` (and `deprecated`, for installs that have it) runs; `rejected` and `withdrawn`
/// are final.
public enum VersionState: String, Lifecycle, Codable {
    case submitted, stage1, stage2, stage3, approved, rejected, withdrawn, deprecated, yanked

    public static let moves: [VersionState: Set<VersionState>] = [
        .submitted: [.stage1, .rejected, .withdrawn],
        .stage1: [.stage2, .approved, .rejected, .withdrawn],
        .stage2: [.stage3, .rejected, .withdrawn],
        .stage3: [.approved, .rejected, .withdrawn],
        .approved: [.deprecated, .yanked],
        .deprecated: [.approved, .yanked],
        .yanked: [.approved],
        .rejected: [],
        .withdrawn: [],
    ]

    /// Whether new installs of the version are allowed.
    public var isInstallable: Bool { self == .approved }
    /// Whether existing installs of the version keep running.
    public var runs: Bool { self == .approved || self == .deprecated }
}
