#include "ops/checks.h"

namespace kdup {

void check_defined(const char* op, const Tensor& t) {
  KDUP_CHECK(t.defined(), op << ": got an undefined tensor");
}

void check_floating(const char* op, const Tensor& t) {
  check_defined(op, t);
  KDUP_CHECK(is_floating(t.dtype()), op << ": expected a float32 or float64 tensor, got "
                                        << dtype_name(t.dtype()) << " of shape "
                                        << shape_str(t.shape()));
}

void check_dtype(const char* op, const Tensor& t, DType dtype, const char* what) {
  check_defined(op, t);
  KDUP_CHECK(t.dtype() == dtype, op << ": " << what << " must be " << dtype_name(dtype)
                                    << ", got " << dtype_name(t.dtype()));
}

void check_rank(const char* op, const Tensor& t, int64_t rank, const char* what) {
  check_defined(op, t);
  KDUP_CHECK(t.dim() == rank, op << ": " << what << " must have rank " << rank << ", got shape "
                                 << shape_str(t.shape()));
}

void check_same_device(const char* op, const Tensor& a, const Tensor& b) {
  KDUP_CHECK(a.device() == b.device(), op << ": tensors on different devices ("
                                          << device_name(a.device()) << " "
                                          << shape_str(a.shape()) << " and "
                                          << device_name(b.device()) << " "
                                          << shape_str(b.shape()) << ")");
}

void check_same_dtype_device(const char* op, const Tensor& a, const Tensor& b) {
  check_defined(op, a);
  check_defined(op, b);
  check_same_device(op, a, b);
  KDUP_CHECK(a.dtype() == b.dtype(), op << ": dtypes differ (" << dtype_name(a.dtype()) << " "
                                        << shape_str(a.shape()) << " and "
                                        << dtype_name(b.dtype()) << " " << shape_str(b.shape())
                                        << ")");
}

Shape broadcast_shape(const char* op, const Shape& a, const Shape& b) {
  if (a.empty()) return b;
  if (b.empty()) return a;
  KDUP_CHECK(a.size() == b.size(), op << ": shapes " << shape_str(a) << " and " << shape_str(b)
                                      << " have different ranks (reshape one explicitly)");
  Shape out(a.size());
  for (size_t i = 0; i < a.size(); ++i) {
    KDUP_CHECK(a[i] == b[i] || a[i] == 1 || b[i] == 1,
               op << ": shapes " << shape_str(a) << " and " << shape_str(b)
                  << " do not broadcast (dimension " << i << ")");
    out[i] = a[i] == 1 ? b[i] : a[i];
  }
  return out;
}

Tensor expand_to(const Tensor& x, const Shape& shape) {
  if (x.shape() == shape) return x;
  Shape strides(shape.size(), 0);
  if (x.dim() != 0)
    for (size_t i = 0; i < shape.size(); ++i)
      strides[i] = x.shape()[i] == shape[i] ? x.strides()[i] : 0;
  return make_view(x, shape, strides, x.offset());
}

}  // namespace kdup
