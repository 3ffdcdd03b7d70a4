#include "ops/indexing.h"

#include "autograd/grad_mode.h"
#include "autograd/node.h"
#include "ops/checks.h"
#include "ops/dispatch.h"

namespace kdup {

void check_index_bounds(const char* op, const Tensor& index, int64_t size, const char* what) {
  check_dtype(op, index, DType::i64, what);
  // CUDA indices are checked by the kernels that read them, without a copy to the host; an
  // out-of-range one is reported at the next read of a value (cuda/index_errors.h).
  if (index.device() != Device::cpu) return;
  const Tensor dense = index.contiguous();
  const int64_t* values = dense.data<int64_t>();
  for (int64_t i = 0; i < index.numel(); ++i)
    KDUP_CHECK(values[i] >= 0 && values[i] < size,
               op << ": " << what << " holds " << values[i] << " at position " << i
                  << ", which is out of range: it must be >= 0 and below " << size);
}

Tensor gather(const Tensor& x, int64_t dim_in, const Tensor& index) {
  check_defined("gather", x);
  check_dtype("gather", index, DType::i64, "the index");
  check_same_device("gather", x, index);
  KDUP_CHECK(x.dim() > 0 && index.dim() == x.dim(),
             "gather: the index " << shape_str(index.shape()) << " must have the rank of x "
                                  << shape_str(x.shape()) << " (at least 1)");
  const int64_t dim = normalize_dim(dim_in, x.dim(), "gather");
  for (int64_t d = 0; d < x.dim(); ++d)
    KDUP_CHECK(d == dim || index.shape()[d] == x.shape()[d],
               "gather: the index " << shape_str(index.shape()) << " must match x "
                                    << shape_str(x.shape()) << " in every dimension but " << dim);
  check_index_bounds("gather", index, x.shape()[dim], "the index");
  Tensor idx = index.contiguous();
  Tensor out = Tensor::empty(index.shape(), x.dtype(), x.device());
  KDUP_DISPATCH(x.device(), gather_dim, x.contiguous(), dim, idx, out);
  return record("gather", out, {x}, [idx, dim, shape = x.shape()](const Tensor& g) {
    // The adjoint of a gather adds each gradient back where its value came from.
    Tensor grad = Tensor::zeros(shape, g.dtype(), g.device());
    KDUP_DISPATCH(g.device(), scatter_add_dim, g.contiguous(), dim, idx, grad);
    return std::vector<Tensor>{grad};
  });
}

Tensor index_select(const Tensor& x, const Tensor& index) {
  check_defined("index_select", x);
  check_dtype("index_select", index, DType::i64, "the index");
  check_same_device("index_select", x, index);
  check_rank("index_select", index, 1, "the index");
  KDUP_CHECK(x.dim() > 0, "index_select: expected x of rank 1 or more, got a scalar");
  check_index_bounds("index_select", index, x.shape()[0], "the index");
  Shape shape = x.shape();
  shape[0] = index.numel();
  Tensor idx = index.contiguous();
  Tensor out = Tensor::empty(shape, x.dtype(), x.device());
  KDUP_DISPATCH(x.device(), index_select_rows, x.contiguous(), idx, out);
  return record("index_select", out, {x}, [idx, from = x.shape()](const Tensor& g) {
    // Each picked row's gradient adds into the row it came from; a repeated index sums.
    Tensor grad = Tensor::zeros(from, g.dtype(), g.device());
    KDUP_DISPATCH(g.device(), index_add_rows, g.contiguous(), idx, grad);
    return std::vector<Tensor>{grad};
  });
}

Tensor concat(const std::vector<Tensor>& tensors, int64_t dim_in) {
  KDUP_CHECK(!tensors.empty(), "concat: got no tensors");
  const Tensor& first = tensors.front();
  check_defined("concat", first);
  KDUP_CHECK(first.dim() > 0, "concat: cannot join scalars (rank 0)");
  const int64_t dim = normalize_dim(dim_in, first.dim(), "concat");
  Shape shape = first.shape();
  shape[dim] = 0;
  for (size_t i = 0; i < tensors.size(); ++i) {
    const Tensor& t = tensors[i];
    check_same_dtype_device("concat", first, t);
    bool fits = t.dim() == first.dim();
    for (int64_t d = 0; fits && d < t.dim(); ++d)
      fits = d == dim || t.shape()[d] == first.shape()[d];
    KDUP_CHECK(fits, "concat: tensor " << i << " has shape " << shape_str(t.shape())
                                       << ", which differs from " << shape_str(first.shape())
                                       << " outside dimension " << dim);
    shape[dim] += t.shape()[dim];
  }
  Tensor out = Tensor::empty(shape, first.dtype(), first.device());
  std::vector<int64_t> starts;  // where each input begins along dim
  {
    NoGradGuard no_grad;
    int64_t start = 0;
    for (const Tensor& t : tensors) {
      starts.push_back(start);
      Tensor window = out.slice(dim, start, start + t.shape()[dim]);
      KDUP_DISPATCH(out.device(), copy, t, window);
      start += t.shape()[dim];
    }
    starts.push_back(start);
  }
  return record("concat", out, tensors, [starts, dim](const Tensor& g) {
    // Each input's gradient is its slice of the output's gradient.
    std::vector<Tensor> grads;
    for (size_t i = 0; i + 1 < starts.size(); ++i)
      grads.push_back(g.slice(dim, starts[i], starts[i + 1]).contiguous());
    return grads;
  });
}

}  // namespace kdup
