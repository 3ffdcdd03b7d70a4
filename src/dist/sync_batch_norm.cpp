#include "dist/sync_batch_norm.h"

#include "autograd/grad_mode.h"
#include "autograd/node.h"
#include "ops/dispatch.h"
#include "ops/ops.h"

namespace kdup {

namespace {

// The batch-norm kernels' layouts (ops/batch_norm.cpp): contiguous NCHW, or channels last on the
// CPU.
Tensor in_kernel_layout(const Tensor& x) {
  return x.device() == Device::cpu ? x.detach().contiguous_or_channels_last()
                                   : x.detach().contiguous();
}

// The mean and biased variance over every rank's rows (float64 [C] each) from each rank's own
// (equal row counts): Chan et al.'s pairwise combination, in rank order on every rank,
//   mean = (1/R) sum_r mean_r,  var = (1/R) sum_r (var_r + (mean_r - mean)^2).
void global_statistics(Communicator& communicator, const Tensor& local_mean,
                       const Tensor& local_invstd, double eps, Tensor& mean, Tensor& var) {
  const int64_t channels = local_mean.numel();
  const Tensor local_var = clamp_min(pow(local_invstd.to(DType::f64), -2.0) - eps, 0.0);
  const Tensor local = concat({local_mean.to(DType::f64), local_var}, 0).reshape({1, 2 * channels});
  const Tensor all = communicator.all_gather_rows(local);  // [R, 2C]
  const double ranks = static_cast<double>(communicator.size());
  const Tensor means = all.slice(1, 0, channels), vars = all.slice(1, channels, 2 * channels);
  mean = sum(means, {0}) * (1.0 / ranks);
  const Tensor spread = means - mean.reshape({1, channels});
  var = sum(vars + spread * spread, {0}) * (1.0 / ranks);
}

}  // namespace

Tensor sync_batch_norm(Communicator& communicator, const Tensor& x, const Tensor& gamma,
                       const Tensor& beta, const Tensor& running_mean, const Tensor& running_var,
                       double momentum, double eps, bool relu) {
  KDUP_CHECK(x.defined() && (x.dim() == 2 || x.dim() == 4),
             "sync_batch_norm: expected x of shape [N, C] or [N, C, H, W], got "
                 << (x.defined() ? shape_str(x.shape()) : std::string("nothing")));
  KDUP_CHECK(gamma.defined() && beta.defined(), "sync_batch_norm: needs gamma and beta");
  const int64_t channels = x.shape()[1];
  const int64_t local_count = x.numel() / channels;
  const int64_t count = local_count * communicator.size();
  KDUP_CHECK(count > 1, "sync_batch_norm: one value per channel over all ranks");
  const Tensor xc = in_kernel_layout(x), gc = gamma.detach().contiguous();
  const DType dtype = x.dtype();
  const Device device = x.device();

  // This rank's statistics from the batch-norm kernel (its normalised output, written into y, is
  // overwritten), then those of the global batch, with which the evaluation kernel normalises.
  Tensor mean64, var64, mean, var, invstd, y = Tensor::empty_like(xc);
  {
    NoGradGuard no_grad;
    Tensor local_mean = Tensor::empty({channels}, dtype, device);
    Tensor local_invstd = Tensor::empty({channels}, dtype, device);
    KDUP_DISPATCH(device, batch_norm_forward_train, xc, gc, beta.detach().contiguous(), eps, false,
                  y, local_mean, local_invstd);
    global_statistics(communicator, local_mean, local_invstd, eps, mean64, var64);
    mean = mean64.to(dtype);
    var = var64.to(dtype);
    invstd = pow(var64 + eps, -0.5).to(dtype);
    KDUP_DISPATCH(device, batch_norm_forward_eval, xc, gc, beta.detach().contiguous(), mean, var,
                  eps, relu, y);
  }
  if (running_mean.defined())
    update_batch_norm_running_stats(running_mean, running_var, mean64, var64, count, momentum);

  // Backward. With the global statistics the batch-norm kernel gives
  //   dx_local = gamma * invstd * (dy - S1_local / m - xhat * S2_local / m),
  // S1 = sum dy, S2 = sum dy * xhat over this rank's m values of a channel (dy masked by the
  // ReLU), and its gamma and beta gradients are S2_local and S1_local: this rank's share, which
  // the gradient all-reduce sums. The gradient of x is that with the sums over all M values:
  //   dx = dx_local + gamma * invstd * ((S1_local / m - S1 / M) + xhat * (S2_local / m - S2 / M)),
  // a per-channel affine map of x, which the evaluation kernel applies.
  const bool need_x = x.requires_grad(), need_gamma = gamma.requires_grad();
  const bool need_beta = beta.requires_grad();
  const Tensor relu_output = relu ? y.detach() : Tensor();
  Communicator* ranks = &communicator;
  return record(relu ? "sync_batch_norm_relu" : "sync_batch_norm", y, {x, gamma, beta},
                [=](const Tensor& g) {
                  Tensor grad_x = Tensor::empty_like(xc);
                  Tensor grad_gamma = Tensor::empty({channels}, dtype, device);
                  Tensor grad_beta = Tensor::empty({channels}, dtype, device);
                  KDUP_DISPATCH(device, batch_norm_backward, g.in_layout_of(xc), relu_output, xc,
                                gc, mean, invstd, grad_x, grad_gamma, grad_beta);
                  if (need_x && ranks->size() > 1) {
                    NoGradGuard no_grad;
                    const Tensor local = concat({grad_beta.to(DType::f64),
                                                 grad_gamma.to(DType::f64)}, 0);
                    Tensor global = local.contiguous().clone();
                    ranks->all_reduce_sum(global);
                    const Tensor shift = local * (1.0 / static_cast<double>(local_count)) -
                                         global * (1.0 / static_cast<double>(count));
                    const Tensor scale = gc.to(DType::f64) * pow(var64 + eps, -0.5);
                    const Tensor offset = (scale * shift.slice(0, 0, channels)).to(dtype);
                    const Tensor slope = (scale * shift.slice(0, channels, 2 * channels)).to(dtype);
                    Tensor correction = Tensor::empty_like(xc);
                    KDUP_DISPATCH(device, batch_norm_forward_eval, xc, slope.contiguous(),
                                  offset.contiguous(), mean, var, eps, false, correction);
                    grad_x = grad_x + correction;
                  }
                  return std::vector<Tensor>{need_x ? grad_x : Tensor(),
                                             need_gamma ? grad_gamma : Tensor(),
                                             need_beta ? grad_beta : Tensor()};
                });
}

}  // namespace kdup
