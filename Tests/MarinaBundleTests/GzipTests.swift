import Foundation
import Testing

@testable import MarinaBundle

@Suite("Gzip")
struct GzipTests {
    @Test("compress then decompress gives the input back", arguments: [0, 1, 511, 70_000, 300_000])
    func roundTrip(size: Int) throws {
        let input = pseudoRandomBytes(size, seed: UInt64(size) + 1)
        let compressed = try gzip(input)
        #expect(compressed.starts(with: [0x1F, 0x8B]), "a gzip member starts with the magic 1f 8b")
        #expect(try gunzip(compressed) == input)
    }

    @Test("compressing in pieces and decompressing in any chunking agree")
    func chunking() throws {
        let input = (0..<200_000).map { UInt8(truncatingIfNeeded: $0 &* 7 &+ $0 >> 9) }
        let compressor = try GzipCompressor()
        var compressed: [UInt8] = []
        for start in stride(from: 0, to: input.count, by: 33_333) {
            compressed += compressor.feed(Array(input[start..<min(input.count, start + 33_333)]))
        }
        compressed += compressor.feed([], finish: true)
        #expect(try gunzip(compressed) == input)

        for chunk in [1, 7, 512, 65_536] {
            let decompressor = try GzipDecompressor(maxOutput: 1 << 30)
            var output: [UInt8] = []
            for start in stride(from: 0, to: compressed.count, by: chunk) {
                output += try decompressor.feed(Array(compressed[start..<min(compressed.count, start + chunk)]))
            }
            #expect(decompressor.finished, "chunk \(chunk)")
            #expect(decompressor.produced == input.count, "chunk \(chunk)")
            #expect(output == input, "chunk \(chunk)")
        }
    }

    @Test("our output is ordinary gzip: the system gunzip reads it")
    func systemGunzipReadsOurOutput() throws {
        let dir = try TempDir()
        defer { dir.cleanUp() }
        let input = Array("hello, marina\n".utf8) + pseudoRandomBytes(10_000)
        try dir.write("x.gz", try gzip(input))
        let result = try run("/usr/bin/gzip", ["-d", dir.path("x.gz").path])
        #expect(result.status == 0, "\(result.stderr)")
        #expect(try Array(Data(contentsOf: dir.path("x"))) == input)
    }

    @Test("the same input always compresses to the same bytes")
    func deterministic() throws {
        let input = pseudoRandomBytes(100_000) + [UInt8](repeating: 0, count: 100_000)
        #expect(try gzip(input) == gzip(input))
    }

    @Test("random bytes are refused as corrupt")
    func notGzip() throws {
        let decompressor = try GzipDecompressor(maxOutput: 1 << 20)
        expectRefusal(.corrupt) { _ = try decompressor.feed(pseudoRandomBytes(4096)) }
    }

    @Test("a flipped bit in the deflate data or the CRC is refused as corrupt")
    func corruptedStream() throws {
        let input = Array(String(repeating: "The quick brown fox. ", count: 500).utf8)
        let good = try gzip(input)
        var badCRC = good
        badCRC[badCRC.count - 6] ^= 0x01  // CRC32 lives in the 8-byte trailer
        expectRefusal(.corrupt) { _ = try gunzip(badCRC) }
        var badLength = good
        badLength[badLength.count - 2] ^= 0x01  // ISIZE
        expectRefusal(.corrupt) { _ = try gunzip(badLength) }
    }

    @Test("data after the end of the stream is refused, in the same feed or a later one")
    func trailingData() throws {
        let good = try gzip(Array("payload".utf8))
        let d1 = try GzipDecompressor(maxOutput: 1 << 20)
        expectRefusal(.corrupt) { _ = try d1.feed(good + [0x00]) }

        let d2 = try GzipDecompressor(maxOutput: 1 << 20)
        #expect(try d2.feed(good) == Array("payload".utf8))
        #expect(d2.finished)
        #expect(try d2.feed([]) == [])
        expectRefusal(.corrupt) { _ = try d2.feed(Array("more".utf8)) }

        // A second gzip member is data after the stream as well.
        let d3 = try GzipDecompressor(maxOutput: 1 << 20)
        expectRefusal(.corrupt) { _ = try d3.feed(good + good) }
    }

    @Test("a stream cut short is not finished")
    func cutShort() throws {
        let good = try gzip(pseudoRandomBytes(5000))
        let decompressor = try GzipDecompressor(maxOutput: 1 << 20)
        _ = try decompressor.feed(Array(good.prefix(good.count / 2)))
        #expect(!decompressor.finished)
    }

    @Test("a zip bomb stops at maxOutput without inflating it all")
    func bomb() throws {
        let zeros = [UInt8](repeating: 0, count: 10 * 1024 * 1024)
        let compressed = try gzip(zeros, level: 9)
        #expect(compressed.count < 20_000, "10 MB of zeros compresses to \(compressed.count) bytes")
        let decompressor = try GzipDecompressor(maxOutput: 1024 * 1024)
        expectRefusal(.tooLarge) { _ = try decompressor.feed(compressed) }
        #expect(decompressor.produced <= 1024 * 1024 + 64 * 1024, "stopped after \(decompressor.produced) bytes")

        // Exactly at the limit is fine.
        let exact = try GzipDecompressor(maxOutput: zeros.count)
        #expect(try exact.feed(compressed).count == zeros.count)
    }
}
