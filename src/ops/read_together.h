// The values of several tensors in one host read: one device-to-host copy where a read per tensor
// would wait for the device once each (tensor/host_reads.h).
#pragma once
#include <vector>

#include "tensor/tensor.h"

namespace kdup {

// Each tensor's elements in row-major order, as double; an undefined tensor gives an empty list.
// The defined tensors must share a device. No gradient flows.
std::vector<std::vector<double>> read_together(const std::vector<Tensor>& tensors);

}  // namespace kdup
