// The libFuzzer entry point of one target, chosen at compile time: -DKDUP_FUZZ_TARGET=npy builds
// fuzz_npy (CMakeLists.txt, KDUP_FUZZ).
#include "targets.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  kdup::fuzz::KDUP_FUZZ_TARGET(data, size);
  return 0;
}
