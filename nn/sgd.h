// Stochastic gradient descent with momentum, optional Nesterov momentum and weight decay, with
// PyTorch's update rule (torch.optim.SGD, dampening 0). For each parameter p with gradient g:
//   d   = g + weight_decay * p
//   buf = momentum * buf + d          (buf = d on the parameter's first update)
//   d   = nesterov ? d + momentum * buf : buf
//   p  -= lr * d
// Parameters are grouped so that some (batch-norm scales and shifts, biases) can skip weight decay.
#pragma once
#include <vector>

#include "tensor/tensor.h"

namespace kdup {

struct ParamGroup {
  std::vector<Tensor> params;
  double weight_decay = 0.0;
};

class SGD {
 public:
  SGD(std::vector<ParamGroup> groups, double lr, double momentum = 0.0, bool nesterov = false);

  // Updates every parameter that has a gradient, in place: the model's Tensor handles see the new
  // values. Parameters whose gradient is undefined are left alone (their buffers too).
  void step();
  // Drops every parameter's gradient (undefined, so the next backward starts afresh).
  void zero_grad();

  void set_lr(double lr);
  double lr() const { return lr_; }
  double momentum() const { return momentum_; }
  bool nesterov() const { return nesterov_; }
  const std::vector<ParamGroup>& groups() const { return groups_; }

  // One momentum buffer per parameter, in group order then parameter order (for checkpoints).
  // A buffer is undefined until its parameter's first update; step() replaces buffers with new
  // tensors rather than writing into them, so a restored buffer may be any tensor of the
  // parameter's shape, dtype and device.
  std::vector<Tensor>& momentum_buffers() { return buffers_; }
  const std::vector<Tensor>& momentum_buffers() const { return buffers_; }

 private:
  std::vector<ParamGroup> groups_;
  std::vector<Tensor> buffers_;
  double lr_;
  double momentum_;
  bool nesterov_;
};

}  // namespace kdup
