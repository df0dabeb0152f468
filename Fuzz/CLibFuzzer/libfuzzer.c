/* Header-only target: the driver itself comes from -sanitize=fuzzer's runtime. */
#include "libfuzzer.h"
