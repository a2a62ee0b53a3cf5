/// Writes deterministic tar archives: members in the order given, mtime 0, owner 0:0, modes
/// 0644/0755, pax headers for long paths. The same files always give the same bytes, so the same
/// app directory always gives the same bundle hash.
public enum TarWriter {
    public static func header(path: String, kind: TarEntry.Kind, size: Int, executable: Bool) -> [UInt8] {
        var out: [UInt8] = []
        let needsPax = path.utf8.count > 100 || { if case .symlink(let t) = kind { return t.utf8.count > 100 } else { return false } }()
        if needsPax {
            var records = record("path", path)
            if case .symlink(let t) = kind { records += record("linkpath", t) }
            out += block(name: "././@PaxHeader", type: UInt8(ascii: "x"), size: records.count, mode: 0o644, link: "")
            out += records
            out += [UInt8](repeating: 0, count: (512 - records.count % 512) % 512)
        }
        let name = needsPax ? String(decoding: path.utf8.prefix(100), as: UTF8.self) : path
        switch kind {
        case .file: out += block(name: name, type: UInt8(ascii: "0"), size: size, mode: executable ? 0o755 : 0o644, link: "")
        case .directory: out += block(name: name + "/", type: UInt8(ascii: "5"), size: 0, mode: 0o755, link: "")
        case .symlink(let target): out += block(name: name, type: UInt8(ascii: "2"), size: 0, mode: 0o777, link: needsPax ? "" : target)
        case .hardlink(let target): out += block(name: name, type: UInt8(ascii: "1"), size: 0, mode: 0o644, link: target)
        }
        return out
    }

    public static func padding(forSize size: Int) -> [UInt8] { [UInt8](repeating: 0, count: (512 - size % 512) % 512) }
    public static let end = [UInt8](repeating: 0, count: 1024)

    private static func record(_ key: String, _ value: String) -> [UInt8] {
        let body = " \(key)=\(value)\n"
        var length = body.utf8.count + 1
        while String(length).utf8.count + body.utf8.count != length { length = String(length).utf8.count + body.utf8.count }
        return Array((String(length) + body).utf8)
    }

    private static func block(name: String, type: UInt8, size: Int, mode: Int, link: String) -> [UInt8] {
        var h = [UInt8](repeating: 0, count: 512)
        func put(_ s: String, _ at: Int, _ len: Int) { for (i, b) in s.utf8.prefix(len).enumerated() { h[at + i] = b } }
        func octal(_ v: Int, _ at: Int, _ len: Int) {
            let s = String(v, radix: 8)
            put(String(repeating: "0", count: max(0, len - 1 - s.count)) + s, at, len - 1)
        }
        put(name, 0, 100)
        octal(mode, 100, 8)
        octal(0, 108, 8)
        octal(0, 116, 8)
        octal(size, 124, 12)
        octal(0, 136, 12)
        for i in 148..<156 { h[i] = 0x20 }
        h[156] = type
        put(link, 157, 100)
        put("ustar", 257, 6)
        put("00", 263, 2)
        let sum = h.reduce(0) { $0 + Int($1) }
        let s = String(sum, radix: 8)
        put(String(repeating: "0", count: 6 - s.count) + s, 148, 6)
        h[154] = 0
        h[155] = 0x20
        return h
    }
}
