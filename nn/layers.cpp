#include "nn/layers.h"

#include <cmath>
#include <string>

#include "autograd/grad_mode.h"
#include "dist/sync_batch_norm.h"
#include "ops/ops.h"

namespace kdup {

Conv2d::Conv2d(int64_t in, int64_t out, int64_t kernel, int64_t stride, int64_t padding,
               InitSeeds& seeds)
    : stride_(stride), padding_(padding) {
  NoGradGuard no_grad;
  const double std = std::sqrt(2.0 / static_cast<double>(out * kernel * kernel));
  weight_ = register_parameter("weight", Tensor::randn({out, in, kernel, kernel}, seeds.next()) * std,
                               /*weight_decay=*/true);
}

Tensor Conv2d::forward(const Tensor& x) const {
  const bool pruned = branch_ == 1 && mask_.defined();
  return conv2d(x, pruned ? weight_ * mask_ : weight_, Tensor(), stride_, padding_);
}

BatchNorm::BatchNorm(int64_t channels, int branches, double momentum, double eps)
    : momentum_(momentum), eps_(eps) {
  for (int b = 0; b < branches; ++b) {
    const std::string prefix = b == 0 ? "" : "branch" + std::to_string(b) + ".";
    Branch br;
    br.gamma = register_parameter(prefix + "weight", Tensor::ones({channels}), false);
    br.beta = register_parameter(prefix + "bias", Tensor::zeros({channels}), false);
    br.running_mean = register_buffer(prefix + "running_mean", Tensor::zeros({channels}));
    br.running_var = register_buffer(prefix + "running_var", Tensor::ones({channels}));
    branches_.push_back(br);
  }
}

const BatchNorm::Branch& BatchNorm::active() const {
  return branches_[static_cast<size_t>(branch_) < branches_.size() ? branch_ : 0];
}

Tensor BatchNorm::forward(const Tensor& x) const { return normalise(x, false); }

Tensor BatchNorm::forward_relu(const Tensor& x) const { return normalise(x, true); }

Tensor BatchNorm::normalise(const Tensor& x, bool relu) const {
  const Branch& b = active();
  if (sync_ && sync_->size() > 1 && is_training())
    return sync_batch_norm(*sync_, x, b.gamma, b.beta, b.running_mean, b.running_var, momentum_,
                           eps_, relu);
  return relu ? batch_norm_relu(x, b.gamma, b.beta, b.running_mean, b.running_var, is_training(),
                                momentum_, eps_)
              : batch_norm(x, b.gamma, b.beta, b.running_mean, b.running_var, is_training(),
                           momentum_, eps_);
}

Linear::Linear(int64_t in, int64_t out, bool bias, InitSeeds& seeds) {
  NoGradGuard no_grad;
  const double bound = 1.0 / std::sqrt(static_cast<double>(in));
  weight_ = register_parameter("weight", Tensor::rand({out, in}, seeds.next()) * (2 * bound) - bound,
                               true);
  if (bias)
    bias_ = register_parameter("bias", Tensor::rand({out}, seeds.next()) * (2 * bound) - bound,
                               false);
}

Tensor Linear::forward(const Tensor& x) const { return linear(x, weight_, bias_); }

}  // namespace kdup
