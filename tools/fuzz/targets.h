// The fuzz targets: one per reader of bytes from outside (files that users did not make). Each takes
// any bytes and checks the contract of fuzz_input.h; the libFuzzer driver (fuzz_target.cpp) runs
// one under ASan and UBSan, and the test suite replays the seeds and every input that ever crashed
// one (tests/app/fuzz_regressions_test.cpp).
#pragma once
#include <cstddef>
#include <cstdint>
#include <vector>

namespace kdup::fuzz {

void npy(const uint8_t* data, size_t size);
void safetensors(const uint8_t* data, size_t size);
void cifar(const uint8_t* data, size_t size);
void image_list(const uint8_t* data, size_t size);
void ood_pool(const uint8_t* data, size_t size);
void config(const uint8_t* data, size_t size);

struct Target {
  const char* name;  // also the folder of its seeds, tools/fuzz/corpus/<name>/
  void (*run)(const uint8_t* data, size_t size);
};
const std::vector<Target>& targets();

}  // namespace kdup::fuzz
