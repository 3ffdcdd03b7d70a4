// The safetensors layout (8-byte little-endian header length, a JSON header naming each tensor's
// dtype, shape and byte range, then the raw little-endian data), so PyTorch users can load what
// kdup writes. Used for checkpoints and for golden reference values.
#pragma once
#include <cstdint>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include "tensor/tensor.h"

namespace kdup {

struct SafetensorsFile {
  std::vector<std::pair<std::string, Tensor>> tensors;  // in file order, on the CPU
  std::map<std::string, std::string> metadata;          // the "__metadata__" entry

  // The tensor of that name; an error naming the file's tensors when absent.
  const Tensor& at(const std::string& name) const;
  bool contains(const std::string& name) const;
};

// Writes to path + ".tmp", then renames over path: a crash never leaves a half-written file.
void write_safetensors(const std::string& path,
                       const std::vector<std::pair<std::string, Tensor>>& tensors,
                       const std::map<std::string, std::string>& metadata = {});

// The largest JSON header read (the safetensors format's own limit): a longer one is an error.
constexpr uint64_t kMaxSafetensorsHeaderBytes = 100'000'000;

// Reads every tensor; problems (missing file, truncation, bad header) name the file. Every size in
// the header is checked against the bytes present before anything is allocated.
SafetensorsFile read_safetensors(const std::string& path);

}  // namespace kdup
