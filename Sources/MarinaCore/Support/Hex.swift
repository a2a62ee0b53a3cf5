import Foundation

/// Lowercase hexadecimal and base64url (no padding) text of bytes, written directly: both run on
/// every request (key hashes, token signatures), where formatting byte by byte through Foundation
/// cost several percent of the server's CPU.
public enum Hex {
    private static let digits = Array("0123456789abcdef".utf8)

    public static func string(_ bytes: some Sequence<UInt8>) -> String {
        var out: [UInt8] = []
        out.reserveCapacity(bytes.underestimatedCount * 2)
        for b in bytes {
            out.append(digits[Int(b >> 4)])
            out.append(digits[Int(b & 0x0F)])
        }
        return String(decoding: out, as: UTF8.self)
    }

    /// Digests and byte arrays, read through their contiguous storage: a digest iterated as a
    /// sequence costs a bounds-checked copy per byte, which showed in the audit log's profile.
    public static func string(_ bytes: some ContiguousBytes & Sequence<UInt8>) -> String {
        bytes.withUnsafeBytes { raw in
            String(unsafeUninitializedCapacity: raw.count * 2) { out in
                var i = 0
                for b in raw {
                    out[i] = digits[Int(b >> 4)]
                    out[i + 1] = digits[Int(b & 0x0F)]
                    i += 2
                }
                return i
            }
        }
    }
}

public enum Base64URL {
    private static let alphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_".utf8)
    private static let values: [UInt8] = {
        var table = [UInt8](repeating: 0xFF, count: 256)
        for (i, c) in alphabet.enumerated() { table[Int(c)] = UInt8(i) }
        return table
    }()

    public static func encode(_ bytes: some Collection<UInt8>) -> String {
        let input = Array(bytes)
        let count = (input.count * 4 + 2) / 3
        return String(unsafeUninitializedCapacity: count) { out in
            input.withUnsafeBufferPointer { input in
                alphabet.withUnsafeBufferPointer { alphabet in
                    var i = 0, o = 0
                    func put(_ n: Int, _ shift: Int) {
                        out[o] = alphabet[n >> shift & 63]
                        o += 1
                    }
                    while i + 2 < input.count {
                        let n = Int(input[i]) << 16 | Int(input[i + 1]) << 8 | Int(input[i + 2])
                        put(n, 18); put(n, 12); put(n, 6); put(n, 0)
                        i += 3
                    }
                    if input.count - i == 1 {
                        let n = Int(input[i]) << 16
                        put(n, 18); put(n, 12)
                    } else if input.count - i == 2 {
                        let n = Int(input[i]) << 16 | Int(input[i + 1]) << 8
                        put(n, 18); put(n, 12); put(n, 6)
                    }
                    return o
                }
            }
        }
    }

    /// Decodes unpadded base64url (padding is tolerated); nil for anything else.
    public static func decode(_ text: String) -> [UInt8]? {
        var chars = Array(text.utf8)
        while chars.last == UInt8(ascii: "=") { chars.removeLast() }
        guard chars.count % 4 != 1 else { return nil }
        var out: [UInt8] = []
        out.reserveCapacity(chars.count * 3 / 4)
        var buffer = 0, bits = 0
        for c in chars {
            let v = values[Int(c)]
            guard v != 0xFF else { return nil }
            buffer = buffer << 6 | Int(v)
            bits += 6
            if bits >= 8 {
                bits -= 8
                out.append(UInt8(buffer >> bits & 0xFF))
            }
        }
        return out
    }
}
