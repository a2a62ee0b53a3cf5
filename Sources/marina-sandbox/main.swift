import MarinaSandbox

#if canImport(Glibc)
import Glibc
#endif

// The two steps of an instance start that run as processes of their own (`sandbox-exec` outside
// the sandbox, `relay` inside it), in a binary that starts in a few milliseconds. `marina serve`
// uses it when it sits next to the `marina` binary (see docs/runtime.md).
if let status = InternalCommand.runIfInternal(CommandLine.arguments) { exit(status) }
writeStandardError("usage: marina-sandbox relay|sandbox-exec OPTIONS -- COMMAND (started by marina serve for each instance, not by people)")
exit(2)
