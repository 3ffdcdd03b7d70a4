// topk and argsort (declared in ops/indexing.h). The kernels sort rows of the last dimension;
// another dimension is swapped to the end and back, as in softmax. Neither carries a gradient.
#include "autograd/grad_mode.h"
#include "ops/checks.h"
#include "ops/dispatch.h"
#include "ops/indexing.h"

namespace kdup {

std::pair<Tensor, Tensor> topk(const Tensor& x, int64_t k, int64_t dim_in, bool largest) {
  check_floating("topk", x);
  KDUP_CHECK(x.dim() > 0, "topk: expected a tensor of rank 1 or more, got a scalar");
  const int64_t dim = normalize_dim(dim_in, x.dim(), "topk");
  const int64_t last = x.dim() - 1;
  const int64_t n = x.shape()[dim];
  KDUP_CHECK(k >= 0 && k <= n, "topk: k = " << k << " must be between 0 and the size " << n
                                            << " of dimension " << dim << " of "
                                            << shape_str(x.shape()));
  NoGradGuard no_grad;
  Tensor rows = x.detach().transpose(dim, last).contiguous();
  Shape shape = rows.shape();
  shape.back() = k;
  Tensor values = Tensor::empty(shape, x.dtype(), x.device());
  Tensor indices = Tensor::empty(shape, DType::i64, x.device());
  KDUP_DISPATCH(x.device(), topk_rows, rows, k, largest, values, indices);
  return {values.transpose(dim, last).contiguous(), indices.transpose(dim, last).contiguous()};
}

Tensor argsort(const Tensor& x, int64_t dim_in, bool descending) {
  check_floating("argsort", x);
  KDUP_CHECK(x.dim() > 0, "argsort: expected a tensor of rank 1 or more, got a scalar");
  const int64_t dim = normalize_dim(dim_in, x.dim(), "argsort");
  const int64_t last = x.dim() - 1;
  NoGradGuard no_grad;
  Tensor rows = x.detach().transpose(dim, last).contiguous();
  Tensor indices = Tensor::empty(rows.shape(), DType::i64, x.device());
  KDUP_DISPATCH(x.device(), argsort_rows, rows, descending, indices);
  return indices.transpose(dim, last).contiguous();
}

}  // namespace kdup
