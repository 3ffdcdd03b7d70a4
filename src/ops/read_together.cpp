#include "ops/read_together.h"

#include "autograd/grad_mode.h"
#include "ops/ops.h"

namespace kdup {

std::vector<std::vector<double>> read_together(const std::vector<Tensor>& tensors) {
  NoGradGuard no_grad;
  std::vector<Tensor> flat;
  for (const Tensor& t : tensors)
    if (t.defined()) flat.push_back(t.detach().reshape({t.numel()}).to(DType::f64));
  std::vector<std::vector<double>> out(tensors.size());
  if (flat.empty()) return out;
  const std::vector<double> values = concat(flat, 0).to_vector<double>();
  size_t at = 0;
  for (size_t i = 0; i < tensors.size(); ++i) {
    if (!tensors[i].defined()) continue;
    const auto n = static_cast<size_t>(tensors[i].numel());
    out[i].assign(values.begin() + static_cast<std::ptrdiff_t>(at),
                  values.begin() + static_cast<std::ptrdiff_t>(at + n));
    at += n;
  }
  return out;
}

}  // namespace kdup
