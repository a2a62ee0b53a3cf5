// libFuzzer's entry point for programs that have their own `main` (compiler-rt's
// FuzzerInterface.h). SwiftPM renames a Swift executable's `main`, so the fuzz targets start the
// driver themselves instead of relying on libFuzzer's `main`.
#include <stddef.h>
#include <stdint.h>

int LLVMFuzzerRunDriver(int *argc, char ***argv, int (*callback)(const uint8_t *data, size_t size));
