#include "nn/sgd.h"

#include "autograd/grad_mode.h"
#include "ops/dispatch.h"
#include "ops/elementwise.h"
#include "tensor/storage.h"

namespace kdup {

namespace {

void check_parameter(const Tensor& p) {
  KDUP_CHECK(p.defined(), "SGD: a parameter is an undefined tensor");
  KDUP_CHECK(is_floating(p.dtype()), "SGD: parameter of shape " << shape_str(p.shape()) << " is "
                                                                << dtype_name(p.dtype())
                                                                << ", not floating");
  KDUP_CHECK(p.is_leaf(),
             "SGD: parameter of shape " << shape_str(p.shape()) << " is not a leaf of the graph");
}

}  // namespace

SGD::SGD(std::vector<ParamGroup> groups, double lr, double momentum, bool nesterov)
    : groups_(std::move(groups)), momentum_(momentum), nesterov_(nesterov) {
  keep_freed_cpu_memory();  // training steps reuse their buffers (tensor/storage.h)
  set_lr(lr);
  KDUP_CHECK(momentum >= 0, "SGD: momentum " << momentum << " is negative");
  KDUP_CHECK(!nesterov || momentum > 0, "SGD: Nesterov momentum needs a momentum above 0");
  size_t count = 0;
  for (const ParamGroup& group : groups_) {
    KDUP_CHECK(group.weight_decay >= 0,
               "SGD: weight decay " << group.weight_decay << " is negative");
    for (const Tensor& p : group.params) check_parameter(p);
    count += group.params.size();
  }
  buffers_.resize(count);
}

void SGD::set_lr(double lr) {
  KDUP_CHECK(lr >= 0, "SGD: learning rate " << lr << " is negative");
  lr_ = lr;
}

void SGD::step() {
  NoGradGuard no_grad;
  size_t index = 0;
  for (ParamGroup& group : groups_) {
    for (Tensor& p : group.params) {
      Tensor& buffer = buffers_[index++];
      const Tensor grad = p.grad();
      if (!grad.defined()) continue;
      KDUP_CHECK(grad.shape() == p.shape() && grad.dtype() == p.dtype(),
                 "SGD: gradient " << dtype_name(grad.dtype()) << " " << shape_str(grad.shape())
                                  << " does not match parameter " << dtype_name(p.dtype()) << " "
                                  << shape_str(p.shape()));
      const Tensor value = p.detach();
      // d = g + weight_decay * p
      Tensor d = group.weight_decay != 0 ? grad + value * group.weight_decay : grad;
      if (momentum_ != 0) {
        // buf = momentum * buf + d, or d itself (copied: never an alias of the gradient) at first
        buffer = buffer.defined() ? buffer * momentum_ + d : d.clone();
        // d = d + momentum * buf (Nesterov) or buf
        d = nesterov_ ? d + buffer * momentum_ : buffer;
      }
      // p -= lr * d, written into the parameter's own storage.
      Tensor updated = value - d * lr_;
      KDUP_DISPATCH(p.device(), copy, updated, p);
    }
  }
}

void SGD::zero_grad() {
  for (ParamGroup& group : groups_)
    for (Tensor& p : group.params) p.zero_grad();
}

}  // namespace kdup
