import MarinaCore
import Testing

/// The review and governance lifecycle of a version, as a pure machine.
@Suite struct VersionStateTests {
    @Test func reviewEndsInADecisionAndOnlyApprovedVersionsInstall() throws {
        #expect(try VersionState.submitted.move(to: .stage1).move(to: .stage2).move(to: .stage3).move(to: .approved) == .approved)
        #expect(try VersionState.stage1.move(to: .approved) == .approved, "private and team listings stop after stage 1")
        #expect(!VersionState.submitted.canMove(to: .approved), "nothing is approved unreviewed")
        #expect(VersionState.rejected.isFinal && VersionState.withdrawn.isFinal)
        #expect(!VersionState.approved.canMove(to: .withdrawn), "a decided version is not withdrawn")
        #expect(VersionState.allCases.filter(\.isInstallable) == [.approved])
        #expect(Set(VersionState.allCases.filter(\.runs)) == [.approved, .deprecated])
    }

    @Test func aYankIsReversibleOnlyBackToApproved() throws {
        #expect(try VersionState.approved.move(to: .yanked).move(to: .approved) == .approved)
        #expect(try VersionState.deprecated.move(to: .yanked) == .yanked)
        #expect(!VersionState.yanked.canMove(to: .deprecated) && !VersionState.yanked.canMove(to: .stage1))
    }
}
