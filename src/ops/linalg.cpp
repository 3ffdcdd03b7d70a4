#include "ops/linalg.h"

#include "autograd/node.h"
#include "ops/checks.h"
#include "ops/dispatch.h"
#include "ops/elementwise.h"

namespace kdup {

namespace {

// A contiguous matrix for GEMM plus whether GEMM must read it transposed: a transposed view of a
// contiguous matrix is used as it lies in memory, anything else is copied once.
Tensor gemm_operand(const Tensor& m, bool& transposed) {
  transposed = false;
  if (m.is_contiguous()) return m;
  Tensor t = make_view(m, {m.shape()[1], m.shape()[0]}, {m.strides()[1], m.strides()[0]},
                       m.offset());
  if (t.is_contiguous()) {
    transposed = true;
    return t;
  }
  return m.detach().contiguous();
}

}  // namespace

Tensor matmul(const Tensor& a, const Tensor& b) {
  check_same_dtype_device("matmul", a, b);
  check_floating("matmul", a);
  check_rank("matmul", a, 2, "the left operand");
  check_rank("matmul", b, 2, "the right operand");
  KDUP_CHECK(a.shape()[1] == b.shape()[0], "matmul: inner dimensions differ: "
                                               << shape_str(a.shape()) << " @ "
                                               << shape_str(b.shape()));
  bool ta = false, tb = false;
  Tensor ga = gemm_operand(a, ta), gb = gemm_operand(b, tb);
  Tensor out = Tensor::empty({a.shape()[0], b.shape()[1]}, a.dtype(), a.device());
  KDUP_DISPATCH(a.device(), gemm, ta, tb, 1.0, ga, gb, 0.0, out);
  return record("matmul", out, {a, b}, [a, b](const Tensor& g) {
    // d(AB)/dA = G B^T, d(AB)/dB = A^T G
    Tensor grad_a = a.requires_grad() ? matmul(g, b.detach().t()) : Tensor();
    Tensor grad_b = b.requires_grad() ? matmul(a.detach().t(), g) : Tensor();
    return std::vector<Tensor>{grad_a, grad_b};
  });
}

Tensor linear(const Tensor& x, const Tensor& weight, const Tensor& bias) {
  check_rank("linear", x, 2, "the input");
  check_rank("linear", weight, 2, "the weight");
  KDUP_CHECK(x.shape()[1] == weight.shape()[1], "linear: input " << shape_str(x.shape())
                                                                 << " does not match weight "
                                                                 << shape_str(weight.shape()));
  Tensor y = matmul(x, weight.t());
  if (!bias.defined()) return y;
  check_rank("linear", bias, 1, "the bias");
  KDUP_CHECK(bias.shape()[0] == weight.shape()[0], "linear: bias " << shape_str(bias.shape())
                                                                   << " does not match weight "
                                                                   << shape_str(weight.shape()));
  return y + bias.reshape({1, bias.shape()[0]});
}

}  // namespace kdup
