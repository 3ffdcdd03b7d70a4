// Pooling ops over NCHW tensors: max pooling (kernels with saved argmax indices) and global
// average pooling (a mean over the spatial dimensions).
#include "autograd/node.h"
#include "ops/checks.h"
#include "ops/dispatch.h"
#include "ops/nn.h"
#include "ops/reduce.h"

namespace kdup {

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
  return record(op, y, {x}, [indices, shape = xs](const Tensor& g) {
    Tensor grad_x = Tensor::zeros(shape, g.dtype(), g.device());
    KDUP_DISPATCH(g.device(), max_pool2d_backward, g.contiguous(), indices, grad_x);
    return std::vector<Tensor>{grad_x};
  });
}

Tensor global_avg_pool2d(const Tensor& x) {
  constexpr const char* op = "global_avg_pool2d";
  check_floating(op, x);
  check_rank(op, x, 4, "the input [N, C, H, W]");
  KDUP_CHECK(x.shape()[2] * x.shape()[3] > 0,
             op << ": empty spatial dimensions in input " << shape_str(x.shape()));
  return mean(x, {2, 3});
}

}  // namespace kdup
