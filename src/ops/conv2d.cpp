// The conv2d op: argument checks, the forward kernel, and a backward made of the two gradient
// kernels (data and weight) plus a sum for the bias.
#include "autograd/node.h"
#include "ops/checks.h"
#include "ops/cpu/conv2d_paths.h"
#include "ops/dispatch.h"
#include "ops/nn.h"
#include "ops/reduce.h"

namespace kdup {

namespace {

constexpr const char* kOp = "conv2d";

// On the CPU, oneDNN's convolutions run channels last (Tensor::is_channels_last): they take
// channels-last inputs as they are and write channels-last outputs, so activations stay in that
// layout from layer to layer. Every other kernel (im2col, CUDA) reads and writes contiguous NCHW.
bool runs_channels_last(const Tensor& x) {
  return x.device() == Device::cpu && cpu::use_onednn_conv(x.dtype());
}

Tensor in_kernel_layout(const Tensor& t, bool channels_last) {
  return channels_last ? t.detach().contiguous_or_channels_last() : t.detach().contiguous();
}

// A buffer for a gradient kernel's result, left unfilled: every backend overwrites all of it —
// oneDNN and Winograd (the channels-last path, which writes activations channels last), cuDNN
// (beta = 0), and the im2col reference (GEMM with beta = 0, or col2im and the weight gradient,
// which zero their output before accumulating).
Tensor kernel_output(const Shape& shape, const Tensor& like, bool channels_last, bool activation) {
  if (channels_last && activation)
    return Tensor::empty_channels_last(shape, like.dtype(), like.device());
  return Tensor::empty(shape, like.dtype(), like.device());
}

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
  // The kernels read raw memory in their layout; the graph links to the original tensors.
  const bool channels_last = runs_channels_last(x);
  const Tensor xc = in_kernel_layout(x, channels_last), wc = weight.detach().contiguous();
  const Tensor bc = bias.defined() ? bias.detach().contiguous() : Tensor();
  Tensor y = channels_last ? Tensor::empty_channels_last(out_shape, x.dtype(), x.device())
                           : Tensor::empty(out_shape, x.dtype(), x.device());
  KDUP_DISPATCH(x.device(), conv2d_forward, xc, wc, bc, p, y);

  const bool need_x = x.requires_grad(), need_w = weight.requires_grad();
  const bool need_b = bias.defined() && bias.requires_grad();
  return record(kOp, y, {x, weight, bias}, [=](const Tensor& g) {
    const Tensor gc = in_kernel_layout(g, channels_last);
    Tensor grad_x, grad_w, grad_b;
    if (need_x) {
      grad_x = kernel_output(xc.shape(), xc, channels_last, true);
      KDUP_DISPATCH(gc.device(), conv2d_backward_data, gc, wc, p, grad_x);
    }
    if (need_w) {
      grad_w = kernel_output(wc.shape(), wc, channels_last, false);
      KDUP_DISPATCH(gc.device(), conv2d_backward_weight, xc, gc, p, grad_w);
    }
    // y[n, co, h, w] gets bias[co] once per (n, h, w).
    if (need_b) grad_b = sum(gc, {0, 2, 3});
    return std::vector<Tensor>{grad_x, grad_w, grad_b};
  });
}

}  // namespace kdup
