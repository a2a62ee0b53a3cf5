"use strict";
Object.defineProperty(exports, "__esModule", { value: true });
exports.SemanticVersion = void 0;
/** A version per Semantic Versioning 2.0.0; ordering is semver precedence (build ignored). */
class SemanticVersion {
    major;
    minor;
    patch;
    prerelease;
    build;
    constructor(major, minor, patch, prerelease, build) {
        this.major = major;
        this.minor = minor;
        this.patch = patch;
        this.prerelease = prerelease;
        this.build = build;
    }
    static parse(text) {
        if (new TextEncoder().encode(text).length > 256)
            return null;
        let rest = text;
        let build = [];
        const plus = rest.indexOf('+');
        if (plus >= 0) {
            build = rest.slice(plus + 1).split('.');
            if (!build.every((id) => id !== '' && isIdentifier(id)))
                return null;
            rest = rest.slice(0, plus);
        }
        let prerelease = [];
        const dash = rest.indexOf('-');
        if (dash >= 0) {
            prerelease = rest.slice(dash + 1).split('.');
            if (!prerelease.every((id) => id !== '' && isIdentifier(id) && !(id.length > 1 && id[0] === '0' && /^[0-9]+$/.test(id))))
                return null;
            rest = rest.slice(0, dash);
        }
        const core = rest.split('.');
        if (core.length !== 3)
            return null;
        const numbers = [];
        for (const part of core) {
            if (part === '' || !/^[0-9]+$/.test(part) || (part.length > 1 && part[0] === '0'))
                return null;
            const n = BigInt(part);
            if (n > 18446744073709551615n)
                return null; // UInt64
            numbers.push(n);
        }
        return new SemanticVersion(numbers[0], numbers[1], numbers[2], prerelease, build);
    }
    toString() {
        return (`${this.major}.${this.minor}.${this.patch}` +
            (this.prerelease.length ? '-' + this.prerelease.join('.') : '') +
            (this.build.length ? '+' + this.build.join('.') : ''));
    }
    /** Negative when `a` has lower precedence than `b`, 0 when equal, positive otherwise. */
    static compare(a, b) {
        for (const k of ['major', 'minor', 'patch']) {
            if (a[k] !== b[k])
                return a[k] < b[k] ? -1 : 1;
        }
        if (a.prerelease.length === 0 && b.prerelease.length === 0)
            return 0;
        if (a.prerelease.length === 0)
            return 1;
        if (b.prerelease.length === 0)
            return -1;
        const n = Math.min(a.prerelease.length, b.prerelease.length);
        for (let i = 0; i < n; i++) {
            const x = a.prerelease[i];
            const y = b.prerelease[i];
            if (x === y)
                continue;
            const nx = asUInt64(x);
            const ny = asUInt64(y);
            if (nx !== null && ny !== null)
                return nx < ny ? -1 : nx > ny ? 1 : 0;
            if (nx !== null)
                return -1;
            if (ny !== null)
                return 1;
            return compareUTF8(x, y);
        }
        return a.prerelease.length - b.prerelease.length;
    }
    static lessThan(a, b) {
        return SemanticVersion.compare(a, b) < 0;
    }
}
exports.SemanticVersion = SemanticVersion;
function isIdentifier(id) {
    return /^[0-9A-Za-z-]+$/.test(id);
}
/** Swift's `UInt64(String)`: ASCII digits (an optional leading `+`), in range. */
function asUInt64(s) {
    if (!/^\+?[0-9]+$/.test(s))
        return null;
    const n = BigInt(s.replace(/^\+/, ''));
    return n <= 18446744073709551615n ? n : null;
}
/** Swift's `String <`: identifiers are ASCII here, so code unit order is the same. */
function compareUTF8(a, b) {
    return a < b ? -1 : a > b ? 1 : 0;
}
