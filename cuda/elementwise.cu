// CUDA elementwise kernels: fill, copy (with casts), unary, binary, compare, where. One thread per
// output element; strided and broadcast operands are located with strided_offset, and the
// per-element math is the CPU kernels' own (ops/math/elementwise_math.h). Copies between two
// contiguous tensors skip the offset arithmetic: a stream-ordered memcpy when the dtypes agree
// (contiguous(), clone(), the optimizer's parameter writes), a flat kernel when they differ (casts).
#include "cuda/launch.cuh"
#include "ops/kernels.h"
#include "ops/math/strided_math.h"

namespace kdup::cuda {

namespace {

template <class T>
__global__ void fill_kernel(T* out, T value, int64_t n) {
  KDUP_GRID_LOOP(i, n) out[i] = value;
}

template <class S, class D>
__global__ void copy_kernel(const S* src, StridedLayout src_layout, D* dst, StridedLayout dst_layout,
                            int64_t n) {
  KDUP_GRID_LOOP(i, n) {
    dst[strided_offset(dst_layout, i)] = static_cast<D>(src[strided_offset(src_layout, i)]);
  }
}

template <class S, class D>
__global__ void cast_dense_kernel(const S* src, D* dst, int64_t n) {
  KDUP_GRID_LOOP(i, n) dst[i] = static_cast<D>(src[i]);
}

template <class T>
__global__ void unary_kernel(UnaryOp op, const T* x, T* out, T a, T b, int64_t n) {
  KDUP_GRID_LOOP(i, n) out[i] = unary_math(op, x[i], a, b);
}

// The element maps of the broadcasting kernels, as small function objects a kernel can call.
template <class T>
struct BinaryMap {
  BinaryOp op;
  __device__ T operator()(T x, T y) const { return binary_math(op, x, y); }
};
template <class T>
struct CompareMap {
  CompareOp op;
  __device__ uint8_t operator()(T x, T y) const { return compare_math(op, x, y); }
};

template <class T, class O, class F>
__global__ void map_dense_kernel(const T* a, const T* b, O* out, F f, int64_t n) {
  KDUP_GRID_LOOP(i, n) out[i] = f(a[i], b[i]);
}

template <class T, class O, class F>
__global__ void map_broadcast_kernel(const T* a, StridedLayout la, const T* b, StridedLayout lb,
                                     O* out, F f, int64_t n) {
  KDUP_GRID_LOOP(i, n) out[i] = f(a[strided_offset(la, i)], b[strided_offset(lb, i)]);
}

// out = f(a, b) over views broadcast to out's shape; out is contiguous.
template <class T, class O, class F>
void map_broadcast(const Tensor& a, const Tensor& b, Tensor& out, F f, const char* name) {
  const int64_t n = out.numel();
  if (n == 0) return;
  if (a.is_contiguous() && b.is_contiguous()) {
    map_dense_kernel<<<blocks_for(n), kThreadsPerBlock, 0, stream()>>>(a.data<T>(), b.data<T>(),
                                                                       out.data<O>(), f, n);
  } else {
    map_broadcast_kernel<<<blocks_for(n), kThreadsPerBlock, 0, stream()>>>(
        a.data<T>(), strided_layout(a), b.data<T>(), strided_layout(b), out.data<O>(), f, n);
  }
  check_launch(name);
}

template <class T>
__global__ void where_kernel(const uint8_t* cond, StridedLayout lc, const T* a, StridedLayout la,
                             const T* b, StridedLayout lb, T* out, int64_t n) {
  KDUP_GRID_LOOP(i, n) {
    out[i] = cond[strided_offset(lc, i)] ? a[strided_offset(la, i)] : b[strided_offset(lb, i)];
  }
}

}  // namespace

void fill(Tensor& out, double value) {
  const int64_t n = out.numel();
  if (n == 0) return;
  dispatch_all(out.dtype(), "fill", [&](auto tag) {
    using T = typename decltype(tag)::type;
    fill_kernel<<<blocks_for(n), kThreadsPerBlock, 0, stream()>>>(out.data<T>(),
                                                                  static_cast<T>(value), n);
  });
  check_launch("fill");
}

void copy(const Tensor& src, Tensor& dst) {
  const int64_t n = dst.numel();
  if (n == 0) return;
  const bool dense = src.is_contiguous() && dst.is_contiguous();
  if (dense && src.dtype() == dst.dtype()) {
    KDUP_CUDA_CHECK(cudaMemcpyAsync(dst.raw_data(), src.raw_data(), n * dtype_size(dst.dtype()),
                                    cudaMemcpyDeviceToDevice, stream()));
    return;
  }
  dispatch_all(src.dtype(), "copy", [&](auto src_tag) {
    using S = typename decltype(src_tag)::type;
    dispatch_all(dst.dtype(), "copy", [&](auto dst_tag) {
      using D = typename decltype(dst_tag)::type;
      if (dense)
        cast_dense_kernel<<<blocks_for(n), kThreadsPerBlock, 0, stream()>>>(src.data<S>(),
                                                                            dst.data<D>(), n);
      else
        copy_kernel<<<blocks_for(n), kThreadsPerBlock, 0, stream()>>>(
            src.data<S>(), strided_layout(src), dst.data<D>(), strided_layout(dst), n);
    });
  });
  check_launch("copy");
}

void unary(UnaryOp op, const Tensor& x, Tensor& out, double a, double b) {
  const int64_t n = x.numel();
  if (n == 0) return;
  dispatch_floating(x.dtype(), "unary", [&](auto tag) {
    using T = typename decltype(tag)::type;
    unary_kernel<<<blocks_for(n), kThreadsPerBlock, 0, stream()>>>(
        op, x.data<T>(), out.data<T>(), static_cast<T>(a), static_cast<T>(b), n);
  });
  check_launch("unary");
}

void binary(BinaryOp op, const Tensor& a, const Tensor& b, Tensor& out) {
  dispatch_floating(a.dtype(), "binary", [&](auto tag) {
    using T = typename decltype(tag)::type;
    map_broadcast<T, T>(a, b, out, BinaryMap<T>{op}, "binary");
  });
}

void compare(CompareOp op, const Tensor& a, const Tensor& b, Tensor& out) {
  dispatch_all(a.dtype(), "compare", [&](auto tag) {
    using T = typename decltype(tag)::type;
    map_broadcast<T, uint8_t>(a, b, out, CompareMap<T>{op}, "compare");
  });
}

void where(const Tensor& cond, const Tensor& a, const Tensor& b, Tensor& out) {
  const int64_t n = out.numel();
  if (n == 0) return;
  dispatch_all(a.dtype(), "where", [&](auto tag) {
    using T = typename decltype(tag)::type;
    where_kernel<<<blocks_for(n), kThreadsPerBlock, 0, stream()>>>(
        cond.data<uint8_t>(), strided_layout(cond), a.data<T>(), strided_layout(a), b.data<T>(),
        strided_layout(b), out.data<T>(), n);
  });
  check_launch("where");
}

}  // namespace kdup::cuda
