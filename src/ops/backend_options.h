// Process-wide choices of how the kernels compute, below every layer that knows about runs: the
// application sets them once from the run's configuration (run.deterministic, run.allow_tf32) and
// the backends read them. The CPU kernels are deterministic and never use reduced precision
// whatever these say; the CUDA backend follows them (cuda/conv2d.cu, cuda/indexing.cu,
// cuda/max_pool2d.cu).
#pragma once

namespace kdup {

struct BackendOptions {
  // Bitwise-reproducible results from run to run: cuDNN convolutions restricted to the algorithms
  // it reports as deterministic, and scatter kernels that sum in a fixed order instead of atomically.
  bool deterministic = false;
  // Float32 convolutions may use TF32 tensor cores (Ampere and later): faster, but with a 10-bit
  // mantissa, so results no longer match the CPU to float32 rounding.
  bool allow_tf32 = false;
};

BackendOptions backend_options();
void set_backend_options(const BackendOptions& options);

}  // namespace kdup
