import Testing

@testable import MarinaBundle

@Suite("Ignore rules")
struct IgnoreRulesTests {
    @Test("no rules: only .git/ and .marina/ are left out, at any depth")
    func defaults() {
        let rules = IgnoreRules()
        #expect(rules.isIgnored(".git", isDirectory: true))
        #expect(rules.isIgnored(".marina", isDirectory: true))
        #expect(rules.isIgnored("vendor/lib/.git", isDirectory: true))
        #expect(!rules.isIgnored(".gitignore", isDirectory: false))
        #expect(!rules.isIgnored(".github", isDirectory: true))
        #expect(!rules.isIgnored("src/main.swift", isDirectory: false))
        // A file called .git (a submodule's gitdir pointer) is not a directory.
        #expect(!rules.isIgnored(".git", isDirectory: false))
    }

    @Test("comments and blank lines are not patterns")
    func comments() {
        let rules = IgnoreRules("# build output\n\n   \n#*.swift\n\\#literal\n")
        #expect(!rules.isIgnored("# build output", isDirectory: false))
        #expect(!rules.isIgnored("main.swift", isDirectory: false))
        #expect(rules.isIgnored("#literal", isDirectory: false), "a leading backslash escapes #")
    }

    @Test("*.log matches at any depth, and ! re-includes")
    func negation() {
        let rules = IgnoreRules("*.log\n!keep.log\n")
        #expect(rules.isIgnored("debug.log", isDirectory: false))
        #expect(rules.isIgnored("logs/deep/x.log", isDirectory: false))
        #expect(!rules.isIgnored("keep.log", isDirectory: false))
        #expect(!rules.isIgnored("sub/keep.log", isDirectory: false))
        #expect(!rules.isIgnored("log.txt", isDirectory: false))
        #expect(!rules.isIgnored("x.logs", isDirectory: false))
    }

    @Test("the last matching rule wins")
    func order() {
        #expect(rules("!a.txt\n*.txt").isIgnored("a.txt", isDirectory: false))
        #expect(!rules("*.txt\n!a.txt").isIgnored("a.txt", isDirectory: false))
        #expect(rules("*.txt\n!a.txt\na.*").isIgnored("a.txt", isDirectory: false))
    }

    @Test("dir/ matches directories only")
    func directoryOnly() {
        let rules = IgnoreRules("build/\n")
        #expect(rules.isIgnored("build", isDirectory: true))
        #expect(rules.isIgnored("sub/build", isDirectory: true))
        #expect(!rules.isIgnored("build", isDirectory: false))
        #expect(!rules.isIgnored("builds", isDirectory: true))
    }

    @Test("/anchored matches at the root only; an inner / anchors too")
    func anchored() {
        let rules = IgnoreRules("/secret.txt\ndocs/*.md\n")
        #expect(rules.isIgnored("secret.txt", isDirectory: false))
        #expect(!rules.isIgnored("sub/secret.txt", isDirectory: false))
        #expect(rules.isIgnored("docs/readme.md", isDirectory: false))
        #expect(!rules.isIgnored("sub/docs/readme.md", isDirectory: false))
        #expect(!rules.isIgnored("docs/deep/readme.md", isDirectory: false), "* does not cross /")
    }

    @Test("** matches across directories")
    func doubleStar() {
        let rules = IgnoreRules("**/cache\nlogs/**\na/**/z.txt\n")
        #expect(rules.isIgnored("cache", isDirectory: true))
        #expect(rules.isIgnored("x/y/cache", isDirectory: true))
        #expect(rules.isIgnored("x/cache", isDirectory: false))
        #expect(!rules.isIgnored("x/cached", isDirectory: true))
        #expect(rules.isIgnored("logs/today.txt", isDirectory: false))
        #expect(rules.isIgnored("logs/2024/01/today.txt", isDirectory: false))
        #expect(rules.isIgnored("a/z.txt", isDirectory: false))
        #expect(rules.isIgnored("a/b/c/z.txt", isDirectory: false))
        #expect(!rules.isIgnored("b/a/z.txt", isDirectory: false))
    }

    @Test("? matches one character, * any run within a segment")
    func wildcards() {
        let rules = IgnoreRules("file?.txt\n*.tmp.*\n")
        #expect(rules.isIgnored("file1.txt", isDirectory: false))
        #expect(!rules.isIgnored("file10.txt", isDirectory: false))
        #expect(!rules.isIgnored("file.txt", isDirectory: false))
        #expect(rules.isIgnored("a.tmp.b", isDirectory: false))
        #expect(rules.isIgnored(".tmp.", isDirectory: false))
        #expect(IgnoreRules("a*").isIgnored("a", isDirectory: false), "* matches nothing too")
        #expect(!IgnoreRules("a?").isIgnored("a", isDirectory: false), "? needs one character")
    }

    @Test("Windows line endings and surrounding spaces are tolerated")
    func lineEndings() {
        let rules = IgnoreRules("*.log\r\n  build/  \r\n")
        #expect(rules.isIgnored("a.log", isDirectory: false))
        #expect(rules.isIgnored("build", isDirectory: true))
    }

    @Test(".git/ and .marina/ cannot be re-included with !")
    func alwaysIgnoredWins() {
        let rules = IgnoreRules("!.git/\n!.marina\n!.git\n")
        #expect(rules.isIgnored(".git", isDirectory: true))
        #expect(rules.isIgnored(".marina", isDirectory: true))
    }

    private func rules(_ text: String) -> IgnoreRules { IgnoreRules(text) }
}
