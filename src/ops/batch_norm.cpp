// The batch_norm op for [N, C] and [N, C, H, W] inputs: training (batch statistics, running
// statistics updated in place) and evaluation (running statistics), both differentiable in x,
// gamma and beta.
#include "autograd/grad_mode.h"
#include "autograd/node.h"
#include "ops/checks.h"
#include "ops/dispatch.h"
#include "ops/elementwise.h"
#include "ops/nn.h"
#include "ops/reduce.h"

namespace kdup {

namespace {

constexpr const char* kOp = "batch_norm";
constexpr const char* kFusedOp = "batch_norm_relu";

// A per-channel tensor [C]: rank 1, size C, x's dtype and device.
void check_channel_vector(const Tensor& x, const Tensor& t, const char* what) {
  check_rank(kOp, t, 1, what);
  check_same_dtype_device(kOp, x, t);
  KDUP_CHECK(t.shape()[0] == x.shape()[1], kOp << ": " << what << " " << shape_str(t.shape())
                                               << " does not match the " << x.shape()[1]
                                               << " channels of input " << shape_str(x.shape()));
}

void check_batch_norm_arguments(const Tensor& x, const Tensor& gamma, const Tensor& beta,
                                const Tensor& running_mean, const Tensor& running_var,
                                bool training, double momentum, double eps) {
  check_floating(kOp, x);
  KDUP_CHECK(x.dim() == 2 || x.dim() == 4, kOp << ": the input must be [N, C] or [N, C, H, W], got "
                                               << shape_str(x.shape()));
  KDUP_CHECK(x.numel() > 0, kOp << ": empty input " << shape_str(x.shape()));
  check_channel_vector(x, gamma, "gamma");
  check_channel_vector(x, beta, "beta");
  KDUP_CHECK(running_mean.defined() == running_var.defined(),
             kOp << ": running_mean and running_var must both be given or both be undefined");
  if (running_mean.defined()) {
    check_channel_vector(x, running_mean, "running_mean");
    check_channel_vector(x, running_var, "running_var");
  }
  KDUP_CHECK(eps > 0, kOp << ": eps must be positive, got " << eps);
  if (training) {
    KDUP_CHECK(momentum >= 0 && momentum <= 1,
               kOp << ": momentum must lie in [0, 1], got " << momentum);
    KDUP_CHECK(x.numel() / x.shape()[1] > 1,
               kOp << ": training needs more than one value per channel, got input "
                   << shape_str(x.shape()));
  } else {
    KDUP_CHECK(running_mean.defined(),
               kOp << ": evaluation mode needs running_mean and running_var (input "
                   << shape_str(x.shape()) << ")");
  }
}

// The kernels read contiguous NCHW, or, on the CPU, the channels-last layout the convolutions
// write (Tensor::is_channels_last); the output and the input gradient share the input's layout.
Tensor in_kernel_layout(const Tensor& x) {
  return x.device() == Device::cpu ? x.detach().contiguous_or_channels_last()
                                   : x.detach().contiguous();
}

// Shapes that line a [C] vector up with x's channel dimension, and the dimensions to reduce.
Shape channel_broadcast_shape(const Tensor& x) {
  return x.dim() == 2 ? Shape{1, x.shape()[1]} : Shape{1, x.shape()[1], 1, 1};
}
std::vector<int64_t> non_channel_dims(const Tensor& x) {
  return x.dim() == 2 ? std::vector<int64_t>{0} : std::vector<int64_t>{0, 2, 3};
}

// The running statistics from the kernel's mean and invstd = 1 / sqrt(var + eps) (biased var).
void update_running_stats(const Tensor& running_mean, const Tensor& running_var,
                          const Tensor& batch_mean, const Tensor& invstd, int64_t count,
                          double momentum, double eps) {
  NoGradGuard no_grad;
  update_batch_norm_running_stats(running_mean, running_var, batch_mean,
                                  clamp_min(pow(invstd.to(DType::f64), -2.0) - eps, 0.0), count,
                                  momentum);
}

}  // namespace

void update_batch_norm_running_stats(const Tensor& running_mean, const Tensor& running_var,
                                     const Tensor& batch_mean, const Tensor& biased_var,
                                     int64_t count, double momentum) {
  NoGradGuard no_grad;
  const double bessel = static_cast<double>(count) / static_cast<double>(count - 1);
  Tensor new_mean = running_mean.to(DType::f64) * (1.0 - momentum) +
                    batch_mean.to(DType::f64) * momentum;
  Tensor new_var = running_var.to(DType::f64) * (1.0 - momentum) +
                   biased_var * (bessel * momentum);
  Tensor mean_target = running_mean, var_target = running_var;
  KDUP_DISPATCH(running_mean.device(), copy, new_mean, mean_target);
  KDUP_DISPATCH(running_var.device(), copy, new_var, var_target);
}

namespace {

Tensor batch_norm_train(const Tensor& x, const Tensor& gamma, const Tensor& beta,
                        const Tensor& running_mean, const Tensor& running_var, double momentum,
                        double eps, bool relu) {
  const Tensor xc = in_kernel_layout(x), gc = gamma.detach().contiguous();
  const Tensor bc = beta.detach().contiguous();
  const int64_t channels = x.shape()[1];
  Tensor y = Tensor::empty_like(xc);
  Tensor mean = Tensor::empty({channels}, x.dtype(), x.device());
  Tensor invstd = Tensor::empty({channels}, x.dtype(), x.device());
  KDUP_DISPATCH(x.device(), batch_norm_forward_train, xc, gc, bc, eps, relu, y, mean, invstd);
  if (running_mean.defined())
    update_running_stats(running_mean, running_var, mean, invstd, x.numel() / channels, momentum,
                         eps);

  const bool need_x = x.requires_grad(), need_gamma = gamma.requires_grad();
  const bool need_beta = beta.requires_grad();
  const Tensor relu_output = relu ? y.detach() : Tensor();  // detached: holds no graph node
  return record(relu ? kFusedOp : kOp, y, {x, gamma, beta}, [=](const Tensor& g) {
    Tensor grad_x = Tensor::empty_like(xc);
    Tensor grad_gamma = Tensor::empty({channels}, xc.dtype(), xc.device());
    Tensor grad_beta = Tensor::empty({channels}, xc.dtype(), xc.device());
    KDUP_DISPATCH(xc.device(), batch_norm_backward, g.in_layout_of(xc), relu_output, xc, gc, mean,
                  invstd, grad_x, grad_gamma, grad_beta);
    return std::vector<Tensor>{need_x ? grad_x : Tensor(), need_gamma ? grad_gamma : Tensor(),
                               need_beta ? grad_beta : Tensor()};
  });
}

// Evaluation: y = gamma * xhat + beta with xhat = (x - running_mean) * inv, inv =
// 1 / sqrt(running_var + eps) fixed (constants of the op). Hence
//   dL/dx = g * gamma * inv,  dL/dgamma = sum g * xhat,  dL/dbeta = sum g   (sums over all but C).
Tensor batch_norm_eval(const Tensor& x, const Tensor& gamma, const Tensor& beta,
                       const Tensor& running_mean, const Tensor& running_var, double eps,
                       bool relu) {
  const bool need_graph = any_requires_grad({x, gamma, beta});
  if (relu && need_graph)  // gradients through evaluation mode are rare: no fused backward
    return kdup::relu(batch_norm_eval(x, gamma, beta, running_mean, running_var, eps, false));
  const Tensor xc = in_kernel_layout(x), gc = gamma.detach().contiguous();
  Tensor y = Tensor::empty_like(xc);
  KDUP_DISPATCH(x.device(), batch_norm_forward_eval, xc, gc, beta.detach().contiguous(),
                running_mean.detach().contiguous(), running_var.detach().contiguous(), eps, relu,
                y);
  if (!need_graph) return y;

  // Snapshots of the statistics used, so later in-place updates do not change the gradient.
  Tensor mean, inv;
  {
    NoGradGuard no_grad;
    mean = running_mean.detach().clone();
    inv = pow(running_var.detach() + eps, -0.5);
  }
  const bool need_x = x.requires_grad(), need_gamma = gamma.requires_grad();
  const bool need_beta = beta.requires_grad();
  const Shape channel_shape = channel_broadcast_shape(x);
  const std::vector<int64_t> dims = non_channel_dims(x);
  return record(kOp, y, {x, gamma, beta}, [=](const Tensor& g) {
    Tensor grad_x, grad_gamma, grad_beta;
    if (need_x) grad_x = g * (gc * inv).reshape(channel_shape);
    if (need_gamma) {
      Tensor xhat = (xc - mean.reshape(channel_shape)) * inv.reshape(channel_shape);
      grad_gamma = sum(g * xhat, dims);
    }
    if (need_beta) grad_beta = sum(g, dims);
    return std::vector<Tensor>{grad_x, grad_gamma, grad_beta};
  });
}

Tensor batch_norm_op(const Tensor& x, const Tensor& gamma, const Tensor& beta,
                     const Tensor& running_mean, const Tensor& running_var, bool training,
                     double momentum, double eps, bool relu) {
  check_batch_norm_arguments(x, gamma, beta, running_mean, running_var, training, momentum, eps);
  if (training)
    return batch_norm_train(x, gamma, beta, running_mean, running_var, momentum, eps, relu);
  return batch_norm_eval(x, gamma, beta, running_mean, running_var, eps, relu);
}

}  // namespace

Tensor batch_norm(const Tensor& x, const Tensor& gamma, const Tensor& beta,
                  const Tensor& running_mean, const Tensor& running_var, bool training,
                  double momentum, double eps) {
  return batch_norm_op(x, gamma, beta, running_mean, running_var, training, momentum, eps, false);
}

Tensor batch_norm_relu(const Tensor& x, const Tensor& gamma, const Tensor& beta,
                       const Tensor& running_mean, const Tensor& running_var, bool training,
                       double momentum, double eps) {
  return batch_norm_op(x, gamma, beta, running_mean, running_var, training, momentum, eps, true);
}

}  // namespace kdup
