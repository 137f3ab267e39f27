// libFuzzer's driver entry point (compiler-rt, FuzzerDriver.cpp; linked by -sanitize=fuzzer).
//
// SwiftPM links an executable target with `--defsym main=<Target>_main`, a symbol that is never
// emitted under -parse-as-library; each harness therefore defines `<Target>_main` itself and hands
// control to libFuzzer through this function.
#ifndef CLIBFUZZER_H
#define CLIBFUZZER_H
#include <stddef.h>
#include <stdint.h>

int LLVMFuzzerRunDriver(int *argc, char ***argv, int (*callback)(const uint8_t *data, size_t size));

#endif
