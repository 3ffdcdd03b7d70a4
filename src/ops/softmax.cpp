#include "ops/softmax.h"

#include "autograd/grad_mode.h"
#include "autograd/node.h"
#include "ops/checks.h"
#include "ops/dispatch.h"

namespace kdup {

namespace {

// The kernels work on rows of the last dimension; another dimension is swapped to the end, made
// contiguous, and swapped back afterwards (a transpose is its own inverse).
Tensor softmax_over(const char* op, const Tensor& x, int64_t dim_in, bool log) {
  check_floating(op, x);
  KDUP_CHECK(x.dim() > 0, op << ": expected a tensor of rank 1 or more, got a scalar");
  const int64_t dim = normalize_dim(dim_in, x.dim(), op);
  const int64_t last = x.dim() - 1;
  Tensor rows_out, out;
  {
    NoGradGuard no_grad;
    Tensor rows = x.transpose(dim, last).contiguous();
    rows_out = Tensor::empty(rows.shape(), x.dtype(), x.device());
    KDUP_DISPATCH(x.device(), softmax_rows, rows, log, rows_out);
    out = rows_out.transpose(dim, last).contiguous().detach();
  }
  // The backward needs only the output, kept in its row layout.
  return record(op, out, {x}, [rows_out, dim, last, log](const Tensor& g) {
    Tensor grad_rows = g.transpose(dim, last).contiguous();
    Tensor grad_x = Tensor::empty(rows_out.shape(), rows_out.dtype(), rows_out.device());
    KDUP_DISPATCH(g.device(), softmax_rows_backward, rows_out, grad_rows, log, grad_x);
    return std::vector<Tensor>{grad_x.transpose(dim, last).contiguous()};
  });
}

}  // namespace

Tensor softmax(const Tensor& x, int64_t dim) { return softmax_over("softmax", x, dim, false); }

Tensor log_softmax(const Tensor& x, int64_t dim) {
  return softmax_over("log_softmax", x, dim, true);
}

}  // namespace kdup
