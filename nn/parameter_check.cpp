#include "nn/parameter_check.h"

#include "ops/ops.h"

namespace kdup {

namespace {

// 0 * x is 0 for every finite x and NaN for inf and NaN: the sum is 0 exactly when every value is
// finite, whatever their size.
Tensor zeroed_sum(const Tensor& t) { return sum(t.detach() * 0.0); }

}  // namespace

ParameterCheck check_parameters(const SGD& optimizer, const Module& model) {
  NoGradGuard no_grad;
  Tensor squared_gradients, zeroed_values, zeroed_buffers;  // rank 0, on the tensors' device
  auto accumulate = [](Tensor& total, const Tensor& term) {
    total = total.defined() ? total + term : term;
  };
  for (const ParamGroup& group : optimizer.groups())
    for (const Tensor& p : group.params) {
      const Tensor grad = p.grad();
      if (grad.defined()) accumulate(squared_gradients, sum(grad * grad));
      accumulate(zeroed_values, zeroed_sum(p));
    }
  for (const auto& [name, buffer] : model.named_buffers())
    if (is_floating(buffer.dtype())) accumulate(zeroed_buffers, zeroed_sum(buffer));
  ParameterCheck check;
  if (squared_gradients.defined()) check.gradient_norm = std::sqrt(squared_gradients.item());
  if (zeroed_values.defined()) check.parameters_finite = zeroed_values.item() == 0.0;
  if (zeroed_buffers.defined()) check.buffers_finite = zeroed_buffers.item() == 0.0;
  return check;
}

}  // namespace kdup
