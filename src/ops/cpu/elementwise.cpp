// CPU elementwise kernels: fill, copy (with casts), unary, binary, compare, where. The per-element
// math lives in ops/math/elementwise_math.h, shared with the CUDA twins.
#include "ops/cpu/strided.h"
#include "ops/kernels.h"

namespace kdup::cpu {

void fill(Tensor& out, double value) {
  dispatch_all(out.dtype(), "fill", [&](auto tag) {
    using T = typename decltype(tag)::type;
    T* p = out.data<T>();
    const T v = static_cast<T>(value);
    const int64_t n = out.numel();
#pragma omp parallel for if (n > kParallelGrain)
    for (int64_t i = 0; i < n; ++i) p[i] = v;
  });
}

// Whether t (of out's shape) lies in memory exactly as out does, both dense: contiguous, or
// channels last (Tensor::is_channels_last).
static bool same_dense_layout(const Tensor& t, const Tensor& out) {
  if (t.is_contiguous() && out.is_contiguous()) return true;
  return t.strides() == out.strides() && out.is_channels_last();
}

void copy(const Tensor& src, Tensor& dst) {
  dispatch_all(src.dtype(), "copy", [&](auto src_tag) {
    using S = typename decltype(src_tag)::type;
    dispatch_all(dst.dtype(), "copy", [&](auto dst_tag) {
      using D = typename decltype(dst_tag)::type;
      const S* s = src.data<S>();
      D* d = dst.data<D>();
      if (same_dense_layout(src, dst)) {  // one flat loop
        const int64_t n = dst.numel();
#pragma omp parallel for if (n > kParallelGrain)
        for (int64_t i = 0; i < n; ++i) d[i] = static_cast<D>(s[i]);
        return;
      }
      const int64_t rows = row_count(dst), len = row_length(dst);
      const int64_t ss = row_stride(src), ds = row_stride(dst);
#pragma omp parallel for if (dst.numel() > kParallelGrain)
      for (int64_t r = 0; r < rows; ++r) {
        const S* sr = s + row_offset(src, r);
        D* dr = d + row_offset(dst, r);
        for (int64_t i = 0; i < len; ++i) dr[i * ds] = static_cast<D>(sr[i * ss]);
      }
    });
  });
}

// One loop per op with the op fixed at compile time, so the per-element switch folds away and the
// loop vectorises.
template <UnaryOp Op, class T>
static void unary_loop(const T* x, T* out, int64_t n, T a, T b) {
#pragma omp parallel for if (n > kParallelGrain)
  for (int64_t i = 0; i < n; ++i) out[i] = unary_math(Op, x[i], a, b);
}

void unary(UnaryOp op, const Tensor& x, Tensor& out, double a, double b) {
  dispatch_floating(x.dtype(), "unary", [&](auto tag) {
    using T = typename decltype(tag)::type;
    const T* px = x.data<T>();
    T* po = out.data<T>();
    const T ta = static_cast<T>(a), tb = static_cast<T>(b);
    const int64_t n = x.numel();
    switch (op) {
      case UnaryOp::neg: return unary_loop<UnaryOp::neg>(px, po, n, ta, tb);
      case UnaryOp::exp: return unary_loop<UnaryOp::exp>(px, po, n, ta, tb);
      case UnaryOp::log: return unary_loop<UnaryOp::log>(px, po, n, ta, tb);
      case UnaryOp::sqrt: return unary_loop<UnaryOp::sqrt>(px, po, n, ta, tb);
      case UnaryOp::relu: return unary_loop<UnaryOp::relu>(px, po, n, ta, tb);
      case UnaryOp::abs: return unary_loop<UnaryOp::abs>(px, po, n, ta, tb);
      case UnaryOp::sign: return unary_loop<UnaryOp::sign>(px, po, n, ta, tb);
      case UnaryOp::pow: return unary_loop<UnaryOp::pow>(px, po, n, ta, tb);
      case UnaryOp::clamp: return unary_loop<UnaryOp::clamp>(px, po, n, ta, tb);
      case UnaryOp::inside: return unary_loop<UnaryOp::inside>(px, po, n, ta, tb);
      case UnaryOp::affine: return unary_loop<UnaryOp::affine>(px, po, n, ta, tb);
    }
  });
}

// Applies f(a_element, b_element) -> out_element over views broadcast to out's shape.
template <class A, class B, class O, class F>
static void map_broadcast(const Tensor& a, const Tensor& b, Tensor& out, F f) {
  const A* pa = a.data<A>();
  const B* pb = b.data<B>();
  O* po = out.data<O>();
  const int64_t n = out.numel();
  if (same_dense_layout(a, out) && same_dense_layout(b, out)) {  // one flat loop
#pragma omp parallel for if (n > kParallelGrain)
    for (int64_t i = 0; i < n; ++i) po[i] = f(pa[i], pb[i]);
    return;
  }
  KDUP_CHECK(out.is_contiguous(), "binary: a channels-last output needs operands laid out alike");
  const int64_t rows = row_count(out), len = row_length(out);
  const int64_t sa = row_stride(a), sb = row_stride(b);
#pragma omp parallel for if (n > kParallelGrain)
  for (int64_t r = 0; r < rows; ++r) {
    const A* ra = pa + row_offset(a, r);
    const B* rb = pb + row_offset(b, r);
    O* ro = po + r * len;
    for (int64_t i = 0; i < len; ++i) ro[i] = f(ra[i * sa], rb[i * sb]);
  }
}

// As unary_loop: the op fixed at compile time, so the flat loop vectorises.
template <BinaryOp Op, class T>
static void binary_loop(const Tensor& a, const Tensor& b, Tensor& out) {
  map_broadcast<T, T, T>(a, b, out, [](T x, T y) { return binary_math(Op, x, y); });
}

void binary(BinaryOp op, const Tensor& a, const Tensor& b, Tensor& out) {
  dispatch_floating(a.dtype(), "binary", [&](auto tag) {
    using T = typename decltype(tag)::type;
    switch (op) {
      case BinaryOp::add: return binary_loop<BinaryOp::add, T>(a, b, out);
      case BinaryOp::sub: return binary_loop<BinaryOp::sub, T>(a, b, out);
      case BinaryOp::mul: return binary_loop<BinaryOp::mul, T>(a, b, out);
      case BinaryOp::div: return binary_loop<BinaryOp::div, T>(a, b, out);
      case BinaryOp::add_relu: return binary_loop<BinaryOp::add_relu, T>(a, b, out);
      case BinaryOp::relu_backward: return binary_loop<BinaryOp::relu_backward, T>(a, b, out);
    }
  });
}

void compare(CompareOp op, const Tensor& a, const Tensor& b, Tensor& out) {
  dispatch_all(a.dtype(), "compare", [&](auto tag) {
    using T = typename decltype(tag)::type;
    map_broadcast<T, T, uint8_t>(a, b, out, [op](T x, T y) { return compare_math(op, x, y); });
  });
}

void where(const Tensor& cond, const Tensor& a, const Tensor& b, Tensor& out) {
  dispatch_all(a.dtype(), "where", [&](auto tag) {
    using T = typename decltype(tag)::type;
    const uint8_t* pc = cond.data<uint8_t>();
    const T* pa = a.data<T>();
    const T* pb = b.data<T>();
    T* po = out.data<T>();
    const int64_t rows = row_count(out), len = row_length(out);
    const int64_t sc = row_stride(cond), sa = row_stride(a), sb = row_stride(b);
#pragma omp parallel for if (out.numel() > kParallelGrain)
    for (int64_t r = 0; r < rows; ++r) {
      const uint8_t* rc = pc + row_offset(cond, r);
      const T* ra = pa + row_offset(a, r);
      const T* rb = pb + row_offset(b, r);
      T* ro = po + r * len;
      for (int64_t i = 0; i < len; ++i) ro[i] = rc[i * sc] ? ra[i * sa] : rb[i * sb];
    }
  });
}

}  // namespace kdup::cpu
