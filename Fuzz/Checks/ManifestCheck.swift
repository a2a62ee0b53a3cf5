import Crypto
import MarinaCore

/// What the manifest loader must do with any input, checked on each fuzz input: no crash (the
/// sanitizers see to that), an expansion bounded by `DocumentLimits`, and for every valid manifest
/// a canonical form that hashes as stated and reads back, as JSON and as the YAML `marina manifest
/// convert` prints, to the very same manifest.
///
/// A fuzz input is one selector byte and the document: the selector picks the file name the loader
/// is given (which decides JSON or YAML; none lets the loader sniff). The format (marina/v1,
/// linkworld, OpenSail) comes from the content, as it does for real files.
public enum ManifestCheck {
    /// None, each name a bundle or app directory is searched for, and the name the supervisor
    /// gives a YAML manifest an app serves.
    public static let fileNames: [String?] = [nil] + ManifestFormat.fileNames.map { Optional($0) } + ["manifest.yaml"]

    /// Text (string values and keys, an alias counted at every use) a document may expand to:
    /// twice its byte limit, as `DocumentLimits` bounds it.
    public static let maxTextBytes = 2 * DocumentLimits.default.maxBytes
    /// Canonical JSON a valid manifest may have (what is stored and hashed): four times the limit.
    public static let maxCanonicalBytes = 4 * DocumentLimits.default.maxBytes

    /// Checks one fuzz input (selector byte, then the document).
    public static func run(_ input: [UInt8]) throws(FuzzFinding) {
        guard let selector = input.first else { return }
        try check(Array(input.dropFirst()), fileName: fileNames[Int(selector) % fileNames.count])
    }

    public static func check(_ bytes: [UInt8], fileName: String?) throws(FuzzFinding) {
        // Loaded first: an expansion the loader does not bound then trips the fuzz run's memory
        // limit while the loader works on it, as it would use the server's memory.
        let report = ManifestLoader.load(bytes: bytes, fileName: fileName)
        if let document = try? ManifestLoader.parseDocument(bytes, fileName: fileName) {
            let text = textBytes(document)
            guard text <= maxTextBytes else {
                throw FuzzFinding("a \(bytes.count)-byte document expands to \(text) bytes of text; the bound is \(maxTextBytes)")
            }
        }
        guard report.isValid else {
            guard !report.diagnostics.isEmpty else { throw FuzzFinding("the manifest is refused without a diagnostic") }
            return
        }
        guard let native = report.native, let canonical = report.canonicalJSON, let hash = report.hash, report.format != nil else {
            throw FuzzFinding("a valid report lacks its native form, canonical JSON, hash or format")
        }
        guard canonical.utf8.count <= maxCanonicalBytes else {
            throw FuzzFinding("a \(bytes.count)-byte manifest has \(canonical.utf8.count) bytes of canonical JSON; the bound is \(maxCanonicalBytes)")
        }
        guard canonical == CanonicalJSON.string(native) else { throw FuzzFinding("the canonical JSON is not that of the native form") }
        let digest = "sha256:" + SHA256.hash(data: Array(canonical.utf8)).map { hexByte($0) }.joined()
        guard hash == digest else { throw FuzzFinding("the hash \(hash) is not the SHA-256 of the canonical JSON (\(digest))") }

        // Served manifests are compared by reading their canonical JSON back (`marina conformance`).
        // (Under the limits for what the platform reads back of its own making.)
        let again = ManifestLoader.load(bytes: Array(canonical.utf8), fileName: "manifest.json", limits: .canonicalForm)
        guard again.isValid, again.format == .native, again.canonicalJSON == canonical else {
            throw FuzzFinding("the canonical JSON does not read back as the same marina/v1 manifest: \(summary(again))")
        }
        // `marina manifest convert` prints the native form as YAML.
        let fromYAML = ManifestLoader.load(text: YAMLEmitter.emit(native), fileName: "marina.app.yaml", limits: .canonicalForm)
        guard fromYAML.isValid, fromYAML.canonicalJSON == canonical else {
            throw FuzzFinding("the YAML that manifest convert prints does not read back as the same manifest: \(summary(fromYAML))")
        }
    }

    /// UTF-8 bytes of every string value and key, counted without building anything, so that
    /// measuring a document that shares one long string a hundred thousand times costs nothing.
    static func textBytes(_ value: JSONValue) -> Int {
        switch value {
        case .string(let s): return s.utf8.count
        case .array(let items): return items.reduce(0) { $0 + textBytes($1) }
        case .object(let object): return object.pairs.reduce(0) { $0 + $1.key.utf8.count + textBytes($1.value) }
        case .null, .bool, .number: return 0
        }
    }

    private static func summary(_ report: ManifestReport) -> String {
        report.isValid ? "valid, canonical JSON \(report.canonicalJSON ?? "-")" : report.diagnostics.map(\.description).joined(separator: "; ")
    }

    private static func hexByte(_ byte: UInt8) -> String {
        let digits = Array("0123456789abcdef")
        return String([digits[Int(byte >> 4)], digits[Int(byte & 0xF)]])
    }
}
