// Reads of tensor values by the host: Tensor::to_vector (item included) and every copy from a
// device to the host. On a GPU each read waits for the device to finish its queued work, so a
// training step should make at most one (its values for the log). Counted on every device, a CPU
// tensor's to_vector included, so that a test on the CPU can bound the reads a step would make on
// a GPU.
#pragma once
#include <cstdint>

namespace kdup {

// Host reads since the program started (all threads).
int64_t host_reads();
void count_host_read();

}  // namespace kdup
