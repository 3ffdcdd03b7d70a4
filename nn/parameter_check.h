// The finiteness check of a training step: the global gradient norm (the one gradient clipping
// computes) and whether every parameter value is finite, read in one pass over the optimiser's
// parameters after its step, and whether the model's buffers (batch-norm running statistics,
// which the forward pass updates) are finite. The sums stay on the tensors' device until the host
// reads their three values, alone or together with a step's loss (ops/read_together.h).
//
//   optimizer.step();
//   const ParameterCheck check = check_parameters(optimizer, model);
//   if (!check.ok()) ...  // the step diverged
#pragma once
#include <cmath>
#include <vector>

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

// The same in two halves, for a step that reads its values once: the three sums as a float64 [3]
// tensor on the parameters' device (sum of squared gradients, then the zeroed sums of the
// parameter values and of the floating buffers: 0 exactly when all are finite), and the check
// from their values on the host.
Tensor parameter_check_sums(const SGD& optimizer, const Module& model);
ParameterCheck parameter_check_from(const std::vector<double>& sums);

}  // namespace kdup
