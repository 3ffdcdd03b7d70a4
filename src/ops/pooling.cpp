// Pooling ops over NCHW tensors: max pooling (kernels with saved argmax indices) and global
// average pooling (a mean over the spatial dimensions; channels-last inputs keep their layout in
// the gradient).
#include "autograd/grad_mode.h"
#include "autograd/node.h"
#include "ops/checks.h"
#include "ops/dispatch.h"
#include "ops/elementwise.h"
#include "ops/nn.h"
#include "ops/reduce.h"

namespace kdup {

namespace {

// A channels-last x (the CPU convolutions' layout) is [N, H * W, C] in memory: the mean runs down
// its rows, and the gradient, g / (H * W) at every position, is written back channels last for the
// layers before.
Tensor global_avg_pool2d_channels_last(const Tensor& x) {
  const int64_t n = x.shape()[0], c = x.shape()[1], positions = x.shape()[2] * x.shape()[3];
  const Shape rows_shape{n, positions, c}, rows_strides{positions * c, c, 1};
  Tensor y;
  {
    NoGradGuard no_grad;
    y = mean(make_view(x.detach(), rows_shape, rows_strides, x.offset()), {1});
  }
  return record("global_avg_pool2d", y, {x}, [=, shape = x.shape()](const Tensor& g) {
    Tensor grad_x = Tensor::empty_channels_last(shape, g.dtype(), g.device());
    Tensor rows = make_view(grad_x, rows_shape, rows_strides, 0);
    const Tensor spread =
        expand_to((g / static_cast<double>(positions)).reshape({n, 1, c}), rows_shape);
    KDUP_DISPATCH(g.device(), copy, spread, rows);
    return std::vector<Tensor>{grad_x};
  });
}

}  // namespace

Tensor max_pool2d(const Tensor& x, int64_t kernel, int64_t stride, int64_t padding) {
  constexpr const char* op = "max_pool2d";
  check_floating(op, x);
  check_rank(op, x, 4, "the input [N, C, H, W]");
  KDUP_CHECK(kernel >= 1, op << ": kernel must be at least 1, got " << kernel);
  KDUP_CHECK(stride >= 1, op << ": stride must be at least 1, got " << stride);
  KDUP_CHECK(padding >= 0 && padding <= kernel / 2,
             op << ": padding must lie in [0, kernel / 2] = [0, " << kernel / 2 << "], got "
                << padding);
  const Shape& xs = x.shape();
  KDUP_CHECK(xs[2] + 2 * padding >= kernel && xs[3] + 2 * padding >= kernel,
             op << ": output size would be below 1: input " << shape_str(xs) << " with padding "
                << padding << " is smaller than the kernel " << kernel);
  const Pool2dParams p{kernel, stride, padding};
  const Shape out_shape{xs[0], xs[1], window_output_size(xs[2], kernel, stride, padding),
                        window_output_size(xs[3], kernel, stride, padding)};
  Tensor y = Tensor::empty(out_shape, x.dtype(), x.device());
  Tensor indices = Tensor::empty(out_shape, DType::i64, x.device());
  KDUP_DISPATCH(x.device(), max_pool2d_forward, x.detach().contiguous(), p, y, indices);
  return record(op, y, {x}, [indices, p, shape = xs](const Tensor& g) {
    // Unfilled: both backends' kernels write every element of grad_x (zeros where no window's
    // maximum lies).
    Tensor grad_x = Tensor::empty(shape, g.dtype(), g.device());
    KDUP_DISPATCH(g.device(), max_pool2d_backward, g.contiguous(), indices, p, grad_x);
    return std::vector<Tensor>{grad_x};
  });
}

Tensor global_avg_pool2d(const Tensor& x) {
  constexpr const char* op = "global_avg_pool2d";
  check_floating(op, x);
  check_rank(op, x, 4, "the input [N, C, H, W]");
  KDUP_CHECK(x.shape()[2] * x.shape()[3] > 0,
             op << ": empty spatial dimensions in input " << shape_str(x.shape()));
  if (x.is_only_channels_last()) return global_avg_pool2d_channels_last(x);
  return mean(x, {2, 3});
}

}  // namespace kdup
