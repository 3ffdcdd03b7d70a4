#include "nn/parameter_check.h"

#include "ops/ops.h"

namespace kdup {

namespace {

// 0 * x is 0 for every finite x and NaN for inf and NaN: the sum is 0 exactly when every value is
// finite, whatever their size.
Tensor zeroed_sum(const Tensor& t) { return sum(t.detach() * 0.0); }

}  // namespace

Tensor parameter_check_sums(const SGD& optimizer, const Module& model) {
  NoGradGuard no_grad;
  Tensor squared_gradients, zeroed_values, zeroed_buffers;  // rank 0, on the tensors' device
  Device device = Device::cpu;
  auto accumulate = [&device](Tensor& total, const Tensor& term) {
    device = term.device();
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
  std::vector<Tensor> sums;
  for (const Tensor& s : {squared_gradients, zeroed_values, zeroed_buffers})
    sums.push_back(s.defined() ? s.to(DType::f64).reshape({1})
                               : Tensor::zeros({1}, DType::f64, device));
  return concat(sums, 0);
}

ParameterCheck parameter_check_from(const std::vector<double>& sums) {
  KDUP_CHECK(sums.size() == 3, "parameter_check_from: expected 3 sums, got " << sums.size());
  ParameterCheck check;
  check.gradient_norm = std::sqrt(sums[0]);
  check.parameters_finite = sums[1] == 0.0;
  check.buffers_finite = sums[2] == 0.0;
  return check;
}

ParameterCheck check_parameters(const SGD& optimizer, const Module& model) {
  return parameter_check_from(parameter_check_sums(optimizer, model).to_vector<double>());
}

}  // namespace kdup
