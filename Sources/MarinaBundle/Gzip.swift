import CZlib

/// Streaming gzip (RFC 1952) compression and decompression over zlib. Decompression is bounded:
/// it stops with `bundle_too_large` once the output passes `maxOutput`, so a zip bomb costs
/// nothing but the bytes already read.
public final class GzipDecompressor {
    private var stream = z_stream()
    private let maxOutput: Int
    public private(set) var produced = 0
    public private(set) var finished = false

    public init(maxOutput: Int) throws(BundleError) {
        self.maxOutput = maxOutput
        guard inflateInit2_(&stream, 15 + 16, ZLIB_VERSION, Int32(MemoryLayout<z_stream>.size)) == Z_OK else {
            throw BundleError(.io, "zlib could not start")
        }
    }

    deinit { inflateEnd(&stream) }

    /// Feeds compressed bytes; returns the bytes they decompress to.
    public func feed(_ input: [UInt8]) throws(BundleError) -> [UInt8] {
        guard !finished else {
            if input.isEmpty { return [] }
            throw BundleError(.corrupt, "data after the end of the gzip stream")
        }
        var output: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 64 * 1024)
        var status: Int32 = Z_OK
        var input = input
        let count = input.count
        try input.withUnsafeMutableBufferPointer { (inPtr: inout UnsafeMutableBufferPointer<UInt8>) throws(BundleError) in
            stream.next_in = inPtr.baseAddress
            stream.avail_in = UInt32(count)
            repeat {
                let have: Int = buffer.withUnsafeMutableBufferPointer { outPtr in
                    stream.next_out = outPtr.baseAddress
                    stream.avail_out = UInt32(outPtr.count)
                    status = inflate(&stream, Z_NO_FLUSH)
                    return outPtr.count - Int(stream.avail_out)
                }
                if status == Z_NEED_DICT || status == Z_DATA_ERROR || status == Z_MEM_ERROR || status == Z_STREAM_ERROR {
                    throw BundleError(.corrupt, "the bundle is not valid gzip data")
                }
                output.append(contentsOf: buffer[0..<have])
                produced += have
                if produced > maxOutput {
                    throw BundleError(.tooLarge, "the bundle unpacks to more than \(maxOutput) bytes")
                }
                if status == Z_STREAM_END {
                    finished = true
                    if stream.avail_in > 0 { throw BundleError(.corrupt, "data after the end of the gzip stream") }
                    break
                }
                if status == Z_BUF_ERROR { break }
            } while stream.avail_in > 0 || stream.avail_out == 0
            stream.next_in = nil
        }
        return output
    }
}

public final class GzipCompressor {
    private var stream = z_stream()

    public init(level: Int32 = 6) throws(BundleError) {
        guard deflateInit2_(&stream, level, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY, ZLIB_VERSION, Int32(MemoryLayout<z_stream>.size)) == Z_OK
        else {
            throw BundleError(.io, "zlib could not start")
        }
    }

    deinit { deflateEnd(&stream) }

    /// Compresses `input`; with `finish` the gzip trailer is written too.
    public func feed(_ input: [UInt8], finish: Bool = false) -> [UInt8] {
        var output: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 64 * 1024)
        var input = input
        let count = input.count
        input.withUnsafeMutableBufferPointer { inPtr in
            stream.next_in = inPtr.baseAddress
            stream.avail_in = UInt32(count)
            var status: Int32 = Z_OK
            repeat {
                let have: Int = buffer.withUnsafeMutableBufferPointer { outPtr in
                    stream.next_out = outPtr.baseAddress
                    stream.avail_out = UInt32(outPtr.count)
                    status = deflate(&stream, finish ? Z_FINISH : Z_NO_FLUSH)
                    return outPtr.count - Int(stream.avail_out)
                }
                output.append(contentsOf: buffer[0..<have])
            } while stream.avail_out == 0 || (finish && status != Z_STREAM_END)
            stream.next_in = nil
        }
        return output
    }
}
