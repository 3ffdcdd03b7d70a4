#include "ops/elementwise.h"

#include <limits>

#include "autograd/node.h"
#include "ops/checks.h"
#include "ops/dispatch.h"
#include "ops/reduce.h"

namespace kdup {

Tensor scalar_like(const Tensor& x, double value) {
  return Tensor::full({}, value, x.dtype(), x.device());
}

Tensor sum_to_shape(const Tensor& grad, const Shape& shape) {
  if (grad.shape() == shape) return grad;
  if (shape.empty()) return sum(grad).reshape({});
  std::vector<int64_t> dims;
  for (size_t i = 0; i < shape.size(); ++i)
    if (shape[i] == 1 && grad.shape()[i] != 1) dims.push_back(static_cast<int64_t>(i));
  return sum(grad, dims, /*keepdim=*/true);
}

// The kernels behind the ops, with their argument checks; binary operands broadcast together.
static Tensor binary_kernel(BinaryOp op, const char* name, const Tensor& a, const Tensor& b) {
  check_same_dtype_device(name, a, b);
  check_floating(name, a);
  Shape shape = broadcast_shape(name, a.shape(), b.shape());
  // Two CPU operands laid out alike give an output laid out as they are: channels last for the
  // activations between convolutions (Tensor::empty_like).
  const bool alike =
      a.device() == Device::cpu && a.shape() == b.shape() && a.strides() == b.strides();
  Tensor out = alike ? Tensor::empty_like(a) : Tensor::empty(shape, a.dtype(), a.device());
  KDUP_DISPATCH(a.device(), binary, op, expand_to(a, shape), expand_to(b, shape), out);
  return out;
}

static Tensor unary_kernel(UnaryOp op, const char* name, const Tensor& x, double a = 0,
                           double b = 0) {
  check_floating(name, x);
  Tensor input = x.contiguous();
  Tensor out = Tensor::empty(x.shape(), x.dtype(), x.device());
  KDUP_DISPATCH(x.device(), unary, op, input, out, a, b);
  return out;
}

// ---- unary -------------------------------------------------------------------------------------

Tensor affine(const Tensor& x, double scale, double shift) {
  Tensor out = unary_kernel(UnaryOp::affine, "affine", x, scale, shift);
  return record("affine", out, {x}, [scale](const Tensor& g) {
    return std::vector<Tensor>{g * scale};
  });
}

Tensor neg(const Tensor& x) {
  Tensor out = unary_kernel(UnaryOp::neg, "neg", x);
  return record("neg", out, {x}, [](const Tensor& g) { return std::vector<Tensor>{neg(g)}; });
}

Tensor exp(const Tensor& x) {
  Tensor out = unary_kernel(UnaryOp::exp, "exp", x);
  return record("exp", out, {x}, [y = out.detach()](const Tensor& g) {
    return std::vector<Tensor>{g * y};  // d/dx e^x = e^x
  });
}

Tensor log(const Tensor& x) {
  Tensor out = unary_kernel(UnaryOp::log, "log", x);
  return record("log", out, {x}, [x](const Tensor& g) { return std::vector<Tensor>{g / x}; });
}

Tensor sqrt(const Tensor& x) {
  Tensor out = unary_kernel(UnaryOp::sqrt, "sqrt", x);
  return record("sqrt", out, {x}, [y = out.detach()](const Tensor& g) {
    return std::vector<Tensor>{g / (y * 2.0)};  // d/dx sqrt(x) = 1 / (2 sqrt(x))
  });
}

// relu'(x) = step(x) = step(relu(x)): the backward keeps the output, which the next layer keeps
// anyway, and the input is freed after the forward. Detached, so the saved output does not hold
// its own graph node. The backward passes g where the output is positive in one pass.
Tensor relu(const Tensor& x) {
  Tensor out = unary_kernel(UnaryOp::relu, "relu", x);
  const Tensor saved = out.detach();
  return record("relu", out, {x}, [saved](const Tensor& g) {
    return std::vector<Tensor>{binary_kernel(BinaryOp::relu_backward, "relu", g, saved)};
  });
}

Tensor abs(const Tensor& x) {
  Tensor out = unary_kernel(UnaryOp::abs, "abs", x);
  return record("abs", out, {x}, [x](const Tensor& g) {
    return std::vector<Tensor>{g * unary_kernel(UnaryOp::sign, "abs", x)};
  });
}

Tensor pow(const Tensor& x, double exponent) {
  Tensor out = unary_kernel(UnaryOp::pow, "pow", x, exponent);
  return record("pow", out, {x}, [x, exponent](const Tensor& g) {
    // d/dx x^p = p x^(p-1)
    return std::vector<Tensor>{g * unary_kernel(UnaryOp::pow, "pow", x, exponent - 1) * exponent};
  });
}

Tensor clamp(const Tensor& x, double lo, double hi) {
  KDUP_CHECK(lo <= hi, "clamp: lower bound " << lo << " is above upper bound " << hi);
  Tensor out = unary_kernel(UnaryOp::clamp, "clamp", x, lo, hi);
  return record("clamp", out, {x}, [x, lo, hi](const Tensor& g) {
    return std::vector<Tensor>{g * unary_kernel(UnaryOp::inside, "clamp", x, lo, hi)};
  });
}

Tensor clamp_min(const Tensor& x, double lo) {
  return clamp(x, lo, std::numeric_limits<double>::infinity());
}

// ---- binary ------------------------------------------------------------------------------------

Tensor add(const Tensor& a, const Tensor& b) {
  Tensor out = binary_kernel(BinaryOp::add, "add", a, b);
  return record("add", out, {a, b}, [sa = a.shape(), sb = b.shape()](const Tensor& g) {
    return std::vector<Tensor>{sum_to_shape(g, sa), sum_to_shape(g, sb)};
  });
}

// relu(a + b) in one pass; the backward, as relu's, from the saved output.
Tensor add_relu(const Tensor& a, const Tensor& b) {
  Tensor out = binary_kernel(BinaryOp::add_relu, "add_relu", a, b);
  const Tensor saved = out.detach();
  return record("add_relu", out, {a, b}, [saved, sa = a.shape(), sb = b.shape()](const Tensor& g) {
    Tensor passed = binary_kernel(BinaryOp::relu_backward, "add_relu", g, saved);
    return std::vector<Tensor>{sum_to_shape(passed, sa), sum_to_shape(passed, sb)};
  });
}

Tensor sub(const Tensor& a, const Tensor& b) {
  Tensor out = binary_kernel(BinaryOp::sub, "sub", a, b);
  return record("sub", out, {a, b}, [sa = a.shape(), sb = b.shape()](const Tensor& g) {
    return std::vector<Tensor>{sum_to_shape(g, sa), sum_to_shape(neg(g), sb)};
  });
}

Tensor mul(const Tensor& a, const Tensor& b) {
  Tensor out = binary_kernel(BinaryOp::mul, "mul", a, b);
  return record("mul", out, {a, b}, [a, b](const Tensor& g) {
    Tensor ga = a.requires_grad() ? sum_to_shape(g * b, a.shape()) : Tensor();
    Tensor gb = b.requires_grad() ? sum_to_shape(g * a, b.shape()) : Tensor();
    return std::vector<Tensor>{ga, gb};
  });
}

Tensor div(const Tensor& a, const Tensor& b) {
  Tensor out = binary_kernel(BinaryOp::div, "div", a, b);
  return record("div", out, {a, b}, [a, b, y = out.detach()](const Tensor& g) {
    Tensor ga = a.requires_grad() ? sum_to_shape(g / b, a.shape()) : Tensor();
    // d/db (a / b) = -a / b^2 = -y / b
    Tensor gb = b.requires_grad() ? sum_to_shape(neg(g * y / b), b.shape()) : Tensor();
    return std::vector<Tensor>{ga, gb};
  });
}

// ---- comparisons and selection -----------------------------------------------------------------

static Tensor compare_kernel(CompareOp op, const char* name, const Tensor& a, const Tensor& b) {
  check_same_dtype_device(name, a, b);
  Shape shape = broadcast_shape(name, a.shape(), b.shape());
  Tensor out = Tensor::empty(shape, DType::u8, a.device());
  KDUP_DISPATCH(a.device(), compare, op, expand_to(a, shape), expand_to(b, shape), out);
  return out;
}

Tensor gt(const Tensor& a, const Tensor& b) { return compare_kernel(CompareOp::gt, "gt", a, b); }
Tensor ge(const Tensor& a, const Tensor& b) { return compare_kernel(CompareOp::ge, "ge", a, b); }
Tensor lt(const Tensor& a, const Tensor& b) { return compare_kernel(CompareOp::lt, "lt", a, b); }
Tensor le(const Tensor& a, const Tensor& b) { return compare_kernel(CompareOp::le, "le", a, b); }
Tensor eq(const Tensor& a, const Tensor& b) { return compare_kernel(CompareOp::eq, "eq", a, b); }
Tensor ne(const Tensor& a, const Tensor& b) { return compare_kernel(CompareOp::ne, "ne", a, b); }

Tensor where(const Tensor& cond, const Tensor& a, const Tensor& b) {
  check_dtype("where", cond, DType::u8, "the condition");
  check_same_dtype_device("where", a, b);
  check_same_device("where", cond, a);
  Shape shape = broadcast_shape("where", broadcast_shape("where", a.shape(), b.shape()),
                                cond.shape());
  Tensor out = Tensor::empty(shape, a.dtype(), a.device());
  KDUP_DISPATCH(a.device(), where, expand_to(cond, shape), expand_to(a, shape),
                expand_to(b, shape), out);
  return record("where", out, {a, b}, [cond, sa = a.shape(), sb = b.shape()](const Tensor& g) {
    Tensor zero = scalar_like(g, 0.0);
    return std::vector<Tensor>{sum_to_shape(where(cond, g, zero), sa),
                               sum_to_shape(where(cond, zero, g), sb)};
  });
}

Tensor masked_fill(const Tensor& x, const Tensor& mask, double value) {
  return where(mask, scalar_like(x, value), x);
}

}  // namespace kdup
