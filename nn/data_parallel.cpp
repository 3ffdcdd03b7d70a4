#include "nn/data_parallel.h"

#include <map>

#include "autograd/grad_mode.h"
#include "nn/layers.h"
#include "ops/ops.h"

namespace kdup {

void broadcast_module(Communicator& communicator, Module& module) {
  if (communicator.size() == 1) return;
  NoGradGuard no_grad;
  for (const NamedTensors& group : {module.named_parameters(), module.named_buffers()})
    for (const auto& [name, t] : group) {
      KDUP_CHECK(t.is_contiguous(), "broadcast_module: " << name << " is not contiguous");
      Tensor values = t;  // shares the storage: written in place
      communicator.broadcast(values, 0);
    }
}

void all_reduce_gradients(Communicator& communicator, const SGD& optimizer) {
  if (communicator.size() == 1) return;
  NoGradGuard no_grad;
  std::map<DType, std::vector<Tensor>> by_dtype;  // parameters with a gradient
  for (const ParamGroup& group : optimizer.groups())
    for (const Tensor& p : group.params)
      if (p.grad().defined()) by_dtype[p.dtype()].push_back(p);
  for (auto& [dtype, params] : by_dtype) {
    std::vector<Tensor> flat;
    for (const Tensor& p : params) flat.push_back(p.grad().reshape({p.numel()}));
    Tensor bucket = concat(flat, 0);
    communicator.all_reduce_sum(bucket);
    int64_t at = 0;
    for (Tensor p : params) {
      p.set_grad(bucket.slice(0, at, at + p.numel()).reshape(p.shape()));
      at += p.numel();
    }
  }
}

void synchronise_batch_norm(Module& module, Communicator* communicator) {
  for (const auto& bn : module.descendants_of_type<BatchNorm>()) bn->synchronise_over(communicator);
}

}  // namespace kdup
