import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// One request over a Unix socket, and everything answered until the other side closes.
public enum UnixSocketExchange {
    /// On a thread of its own: the code under test may need Swift concurrency to answer (the
    /// egress proxy records each decision so), which a test blocking the cooperative pool's few
    /// threads in `read` would starve.
    public static func send(_ request: String, to path: String) async -> String {
        await withCheckedContinuation { continuation in
            Thread { continuation.resume(returning: sendBlocking(request, to: path)) }.start()
        }
    }

    static func sendBlocking(_ request: String, to path: String) -> String {
        let fd = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue), 0)
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        withUnsafeMutableBytes(of: &address.sun_path) { raw in for (i, b) in path.utf8.enumerated() { raw[i] = b } }
        _ = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_un>.size)) }
        }
        let bytes = Array(request.utf8)
        _ = bytes.withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
        var out = [UInt8]()
        var buffer = [UInt8](repeating: 0, count: 4096)
        while true {
            let n = buffer.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
            if n <= 0 { break }
            out += buffer[0..<n]
        }
        close(fd)
        return String(decoding: out, as: UTF8.self)
    }
}
