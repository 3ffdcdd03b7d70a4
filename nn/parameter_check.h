// The finiteness check of a training step: the global gradient norm (the one gradient clipping
// computes) and whether every parameter value is finite, read in one pass over the optimiser's
// parameters after its step, and whether the model's buffers (batch-norm running statistics,
// which the forward pass updates) are finite. The sums stay on the tensors' device; three values
// come back.
//
//   optimizer.step();
//   const ParameterCheck check = check_parameters(optimizer, model);
//   if (!check.ok()) ...  // the step diverged
#pragma once
#include <cmath>

#include "nn/module.h"
#include "nn/sgd.h"

namespace kdup {

struct ParameterCheck {
  double gradient_norm = 0;  // sqrt(sum of squared gradients): inf or NaN when one is not finite
  bool parameters_finite = true;
  bool buffers_finite = true;
  bool ok() const { return std::isfinite(gradient_norm) && parameters_finite && buffers_finite; }
};

// Parameters without a gradient count for their values only.
ParameterCheck check_parameters(const SGD& optimizer, const Module& model);

}  // namespace kdup
