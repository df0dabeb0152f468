/* libFuzzer's driver (compiler-rt), called from each fuzz target's main: SwiftPM gives every
 * executable its own entry point, so the targets cannot use libFuzzer's main. */
#include <stddef.h>
#include <stdint.h>
int LLVMFuzzerRunDriver(int *argc, char ***argv, int (*callback)(const uint8_t *data, size_t size));
