// The gradient checker (after Caffe's GradientChecker and PyTorch's gradcheck).
//
// For f: inputs -> output, it compares the autograd gradient of L = sum(output * R), R a fixed random
// tensor, with central differences (L(x + eps) - L(x - eps)) / (2 eps) for every element of every
// input that requires a gradient (inputs and parameters alike). A point passes when
//   |analytic - numeric| <= tol * max(|analytic|, |numeric|, 1).
// Points at a kink (where the one-sided slopes disagree, e.g. relu at 0) are skipped and counted.
// Run it in float64; float32 needs a looser tolerance and a larger eps.
#pragma once
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "tensor/tensor.h"

namespace kdup {

struct GradcheckOptions {
  double eps = 1e-6;
  double tol = 1e-6;
  // One-sided slopes differing by more than kink_tol * max(1, |slope|) mark a kink.
  double kink_tol = 1e-2;
  uint64_t seed = 1234;  // for R, and passed to `reseed` before every evaluation
  std::function<void(uint64_t)> reseed;  // for ops that draw random numbers
};

struct GradcheckResult {
  bool ok = true;
  int64_t checked = 0;
  int64_t skipped_kinks = 0;
  double max_error = 0;  // the largest |a - n| / max(|a|, |n|, 1) seen
  std::string report;    // the first failures, with input, element and both values
};

using GradcheckFn = std::function<Tensor(const std::vector<Tensor>&)>;

GradcheckResult gradcheck(const GradcheckFn& f, const std::vector<Tensor>& inputs,
                          const GradcheckOptions& options = {});

}  // namespace kdup
