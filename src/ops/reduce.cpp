#include "ops/reduce.h"

#include <algorithm>
#include <limits>

#include "autograd/node.h"
#include "ops/checks.h"
#include "ops/dispatch.h"
#include "ops/elementwise.h"

namespace kdup {

namespace {

// Sorted, unique, non-negative dims; an empty list means every dimension.
std::vector<int64_t> resolve_dims(const char* op, const Tensor& x, std::vector<int64_t> dims) {
  if (dims.empty())
    for (int64_t d = 0; d < x.dim(); ++d) dims.push_back(d);
  for (int64_t& d : dims) d = normalize_dim(d, x.shape(), op);
  std::sort(dims.begin(), dims.end());
  KDUP_CHECK(std::adjacent_find(dims.begin(), dims.end()) == dims.end(),
             op << ": a dimension is listed twice for shape " << shape_str(x.shape()));
  return dims;
}

Shape reduced_shape(const Shape& shape, const std::vector<int64_t>& dims, bool keepdim) {
  Shape out;
  for (int64_t d = 0; d < static_cast<int64_t>(shape.size()); ++d) {
    bool reduced = std::find(dims.begin(), dims.end(), d) != dims.end();
    if (!reduced) out.push_back(shape[d]);
    else if (keepdim) out.push_back(1);
  }
  return out;
}

// Sums one dimension away, keeping it with size 1.
Tensor sum_one_dim(const Tensor& x, int64_t dim) {
  Shape shape = x.shape();
  shape[dim] = 1;
  Tensor out = Tensor::empty(shape, x.dtype(), x.device());
  KDUP_DISPATCH(x.device(), sum_dim, x.contiguous(), dim, out);
  return out;
}

}  // namespace

Tensor sum(const Tensor& x, const std::vector<int64_t>& dims_in, bool keepdim) {
  check_floating("sum", x);
  std::vector<int64_t> dims = resolve_dims("sum", x, dims_in);
  Tensor out = x;
  for (int64_t d : dims) out = sum_one_dim(out, d);
  if (dims.empty()) out = x.detach().clone();  // nothing reduced (rank 0): a fresh copy
  out = make_view(out, reduced_shape(x.shape(), dims, keepdim),
                  contiguous_strides(reduced_shape(x.shape(), dims, keepdim)), out.offset());
  Shape kept = reduced_shape(x.shape(), dims, /*keepdim=*/true);
  return record("sum", out, {x}, [kept, shape = x.shape()](const Tensor& g) {
    return std::vector<Tensor>{expand_to(g.reshape(kept), shape).contiguous()};
  });
}

Tensor sum(const Tensor& x) { return sum(x, {}, false); }

Tensor mean(const Tensor& x, const std::vector<int64_t>& dims_in, bool keepdim) {
  std::vector<int64_t> dims = resolve_dims("mean", x, dims_in);
  int64_t count = 1;
  for (int64_t d : dims) count *= x.shape()[d];
  KDUP_CHECK(count > 0, "mean: empty reduction over shape " << shape_str(x.shape()));
  return sum(x, dims, keepdim) * (1.0 / static_cast<double>(count));
}

Tensor mean(const Tensor& x) { return mean(x, {}, false); }

std::pair<Tensor, Tensor> max_with_indices(const Tensor& x, int64_t dim_in, bool keepdim) {
  check_floating("max", x);
  int64_t dim = normalize_dim(dim_in, x.shape(), "max");
  KDUP_CHECK(x.shape()[dim] > 0, "max: empty dimension " << dim << " in " << shape_str(x.shape()));
  Shape kept = reduced_shape(x.shape(), {dim}, true);
  Tensor values = Tensor::empty(kept, x.dtype(), x.device());
  Tensor indices = Tensor::empty(kept, DType::i64, x.device());
  KDUP_DISPATCH(x.device(), max_dim, x.contiguous(), dim, values, indices);
  if (!keepdim) {
    Shape squeezed = reduced_shape(x.shape(), {dim}, false);
    values = values.reshape(squeezed);
    indices = indices.reshape(squeezed);
  }
  values = record("max", values, {x}, [=, shape = x.shape()](const Tensor& g) {
    // The gradient goes to the position that held each maximum.
    Tensor grad = Tensor::zeros(shape, g.dtype(), g.device());
    KDUP_DISPATCH(g.device(), scatter_add_dim, g.reshape(kept).contiguous(), dim,
                  indices.reshape(kept), grad);
    return std::vector<Tensor>{grad};
  });
  return {values, indices};
}

Tensor max(const Tensor& x, int64_t dim, bool keepdim) {
  return max_with_indices(x, dim, keepdim).first;
}

Tensor logsumexp(const Tensor& x, int64_t dim_in, bool keepdim) {
  check_floating("logsumexp", x);
  const int64_t dim = normalize_dim(dim_in, x.shape(), "logsumexp");
  // log sum_j exp(x_j) = m + log sum_j exp(x_j - m), m = max_j x_j (held constant: the identity
  // holds for any m, so it carries no gradient). A row of -inf uses m = 0 and gives -inf.
  Tensor m = max(x, dim, /*keepdim=*/true).detach();
  m = masked_fill(m, eq(m, scalar_like(m, -std::numeric_limits<double>::infinity())), 0.0);
  Tensor out = log(sum(exp(x - m), {dim}, /*keepdim=*/true)) + m;
  return keepdim ? out : out.reshape(reduced_shape(x.shape(), {dim}, false));
}

}  // namespace kdup
