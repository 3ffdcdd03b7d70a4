// Training checkpoints in the safetensors layout: every parameter and buffer under "model.", the
// optimizer's momentum buffers under "optimizer.momentum.N", extra method state under its own
// names, and the epoch and step in the metadata. Written atomically (write, then rename).
#pragma once
#include <map>
#include <string>

#include "nn/module.h"
#include "nn/sgd.h"

namespace kdup {

struct TrainingState {
  int64_t epoch = 0;  // epochs completed
  int64_t step = 0;   // optimizer steps taken
  NamedTensors extra;  // method state (OOD selection, tailness momentum, ...)
  std::map<std::string, std::string> metadata;
};

void save_checkpoint(const std::string& path, const Module& model, const SGD& optimizer,
                     const TrainingState& state);

// Restores model values and momentum buffers in place; returns the epoch, step, extra state and
// metadata. Missing or mis-shaped tensors are errors naming the file and the tensor.
TrainingState load_checkpoint(const std::string& path, Module& model, SGD* optimizer);

}  // namespace kdup
