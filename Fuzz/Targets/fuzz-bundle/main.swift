import CLibFuzzer
import Foundation
import FuzzChecks

// libFuzzer target for the bundle reader and extractor: each input is checked by `BundleCheck`
// in a scratch directory of this process; a broken property stops the run like a crash does.
// Built and run by `scripts/fuzz bundle`.

enum Scratch {
    static let path = FileManager.default.temporaryDirectory.appendingPathComponent("marina-fuzz-bundle-\(getpid())").path
    static let check = BundleCheck(workDirectory: URL(fileURLWithPath: path))
}

@_cdecl("LLVMFuzzerTestOneInput")
func fuzzOne(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    do { try Scratch.check.run(Array(UnsafeBufferPointer(start: data, count: size))) } catch { fatalError("\(error)") }
    return 0
}

do { try FileManager.default.createDirectory(atPath: Scratch.path, withIntermediateDirectories: true) } catch {
    fatalError("cannot create \(Scratch.path): \(error)")
}
atexit { try? FileManager.default.removeItem(atPath: Scratch.path) }

// `LLVMFuzzerTestOneInput` above is what libFuzzer's own `main` calls, were the linker to pick it;
// SwiftPM links this file's top level as `main`, which starts the same driver.
var argc = CommandLine.argc
var argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>? = CommandLine.unsafeArgv
exit(LLVMFuzzerRunDriver(&argc, &argv) { fuzzOne($0, $1) })
