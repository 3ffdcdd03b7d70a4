// The conv2d op: argument checks, the forward kernel, and a backward made of the two gradient
// kernels (data and weight) plus a sum for the bias.
#include "autograd/node.h"
#include "ops/checks.h"
#include "ops/dispatch.h"
#include "ops/nn.h"
#include "ops/reduce.h"

namespace kdup {

namespace {

constexpr const char* kOp = "conv2d";

void check_conv_arguments(const Tensor& x, const Tensor& weight, const Tensor& bias,
                          int64_t stride, int64_t padding) {
  check_floating(kOp, x);
  check_rank(kOp, x, 4, "the input [N, Cin, H, W]");
  check_rank(kOp, weight, 4, "the weight [Cout, Cin, k, k]");
  check_same_dtype_device(kOp, x, weight);
  const Shape& xs = x.shape();
  const Shape& ws = weight.shape();
  KDUP_CHECK(ws[2] == ws[3], kOp << ": the kernel must be square, got weight " << shape_str(ws));
  KDUP_CHECK(ws[0] >= 1 && ws[1] >= 1 && ws[2] >= 1,
             kOp << ": weight " << shape_str(ws) << " has an empty dimension");
  KDUP_CHECK(xs[1] == ws[1], kOp << ": input " << shape_str(xs) << " has " << xs[1]
                                 << " channels but weight " << shape_str(ws) << " expects "
                                 << ws[1]);
  KDUP_CHECK(stride >= 1, kOp << ": stride must be at least 1, got " << stride);
  KDUP_CHECK(padding >= 0, kOp << ": padding must be non-negative, got " << padding);
  const int64_t k = ws[2];
  KDUP_CHECK(xs[2] + 2 * padding >= k && xs[3] + 2 * padding >= k,
             kOp << ": output size would be below 1: input " << shape_str(xs) << " with padding "
                 << padding << " is smaller than the kernel of weight " << shape_str(ws));
  if (bias.defined()) {
    check_rank(kOp, bias, 1, "the bias [Cout]");
    check_same_dtype_device(kOp, x, bias);
    KDUP_CHECK(bias.shape()[0] == ws[0], kOp << ": bias " << shape_str(bias.shape())
                                             << " does not match weight " << shape_str(ws));
  }
}

}  // namespace

Tensor conv2d(const Tensor& x, const Tensor& weight, const Tensor& bias, int64_t stride,
              int64_t padding) {
  check_conv_arguments(x, weight, bias, stride, padding);
  const Conv2dParams p{stride, padding};
  const int64_t k = weight.shape()[2];
  const Shape out_shape{x.shape()[0], weight.shape()[0],
                        window_output_size(x.shape()[2], k, stride, padding),
                        window_output_size(x.shape()[3], k, stride, padding)};
  // The kernels read raw contiguous memory; the graph links to the original tensors.
  const Tensor xc = x.detach().contiguous(), wc = weight.detach().contiguous();
  const Tensor bc = bias.defined() ? bias.detach().contiguous() : Tensor();
  Tensor y = Tensor::empty(out_shape, x.dtype(), x.device());
  KDUP_DISPATCH(x.device(), conv2d_forward, xc, wc, bc, p, y);

  const bool need_x = x.requires_grad(), need_w = weight.requires_grad();
  const bool need_b = bias.defined() && bias.requires_grad();
  return record(kOp, y, {x, weight, bias}, [=](const Tensor& g) {
    const Tensor gc = g.contiguous();
    Tensor grad_x, grad_w, grad_b;
    if (need_x) {
      grad_x = Tensor::zeros(xc.shape(), xc.dtype(), xc.device());
      KDUP_DISPATCH(gc.device(), conv2d_backward_data, gc, wc, p, grad_x);
    }
    if (need_w) {
      grad_w = Tensor::zeros(wc.shape(), wc.dtype(), wc.device());
      KDUP_DISPATCH(gc.device(), conv2d_backward_weight, xc, gc, p, grad_w);
    }
    // y[n, co, h, w] gets bias[co] once per (n, h, w).
    if (need_b) grad_b = sum(gc, {0, 2, 3});
    return std::vector<Tensor>{grad_x, grad_w, grad_b};
  });
}

}  // namespace kdup
