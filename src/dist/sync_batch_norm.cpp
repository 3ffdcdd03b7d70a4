#include "dist/sync_batch_norm.h"

#include "dist/all_reduce.h"
#include "ops/ops.h"

namespace kdup {

Tensor sync_batch_norm(Communicator& communicator, const Tensor& x, const Tensor& gamma,
                       const Tensor& beta, const Tensor& running_mean, const Tensor& running_var,
                       double momentum, double eps, bool relu) {
  KDUP_CHECK(x.defined() && (x.dim() == 2 || x.dim() == 4),
             "sync_batch_norm: expected x of shape [N, C] or [N, C, H, W], got "
                 << (x.defined() ? shape_str(x.shape()) : std::string("nothing")));
  KDUP_CHECK(gamma.defined() && beta.defined(), "sync_batch_norm: needs gamma and beta");
  const int64_t channels = x.shape()[1];
  const Shape channel = x.dim() == 2 ? Shape{1, channels} : Shape{1, channels, 1, 1};
  const std::vector<int64_t> dims = x.dim() == 2 ? std::vector<int64_t>{0}
                                                 : std::vector<int64_t>{0, 2, 3};
  const int64_t count = x.numel() / channels * communicator.size();
  KDUP_CHECK(count > 1, "sync_batch_norm: one value per channel over all ranks");
  // mean = sum x / M and var = sum (x - mean)^2 / M over the M values of a channel on every rank.
  const Tensor x64 = x.to(DType::f64);
  const Tensor mean = all_reduce_sum(communicator, sum(x64, dims)) * (1.0 / count);
  const Tensor centred = x64 - mean.reshape(channel);
  const Tensor var = all_reduce_sum(communicator, sum(centred * centred, dims)) * (1.0 / count);
  const Tensor scale = pow(var + eps, -0.5) * gamma.to(DType::f64);
  Tensor y = (centred * scale.reshape(channel) + beta.to(DType::f64).reshape(channel)).to(x.dtype());
  if (running_mean.defined())
    update_batch_norm_running_stats(running_mean, running_var, mean.detach(), var.detach(), count,
                                    momentum);
  return relu ? kdup::relu(y) : y;
}

}  // namespace kdup
