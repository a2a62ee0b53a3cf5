import CLibFuzzer
import Foundation
import FuzzChecks

// libFuzzer target for the manifest loader: each input is checked by `ManifestCheck`; a broken
// property stops the run like a crash does. Built and run by `scripts/fuzz manifest`.

@_cdecl("LLVMFuzzerTestOneInput")
func fuzzOne(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    do { try ManifestCheck.run(Array(UnsafeBufferPointer(start: data, count: size))) } catch { fatalError("\(error)") }
    return 0
}

// `LLVMFuzzerTestOneInput` above is what libFuzzer's own `main` calls, were the linker to pick it;
// SwiftPM links this file's top level as `main`, which starts the same driver.
var argc = CommandLine.argc
var argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>? = CommandLine.unsafeArgv
exit(LLVMFuzzerRunDriver(&argc, &argv) { fuzzOne($0, $1) })
