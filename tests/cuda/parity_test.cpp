// CPU vs CUDA: every kernel of KDUP_KERNELS runs on the same seeded inputs on both backends, forward
// and backward kernels alike, and the results must agree to within rounding: the error
// max|cuda - cpu| / max(1, max|cpu|) stays below 1e-5 in float32 and 1e-10 in float64; indices
// agree exactly. Also the gradient checker on CUDA float32, and the allocator's reuse of freed
// blocks. Without a GPU every test here reports SKIPPED; the no-device error is checked instead.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <string>
#include <vector>

#include "autograd/gradcheck.h"
#include "ops/kernels.h"
#include "ops/nn.h"
#include "ops/ops.h"
#include "ops/softmax.h"
#include "parity_util.h"
#include "test_util.h"

#ifdef KDUP_WITH_CUDA
#include "cuda/allocator.h"
#endif

namespace kdup {
namespace {

TEST(CudaDevice, AllocationWithoutADeviceIsAClearError) {
  if (cuda_available()) GTEST_SKIP() << "a CUDA device is present; this checks machines without one";
  try {
    Tensor::empty({4}, DType::f32, Device::cuda);
    ADD_FAILURE() << "allocating on cuda without a device did not throw";
  } catch (const Error& e) {
    const std::string message = e.what();
#ifdef KDUP_WITH_CUDA
    EXPECT_NE(message.find("no CUDA device available"), std::string::npos) << message;
#else
    EXPECT_NE(message.find("CUDA"), std::string::npos) << message;
#endif
  }
}

#ifdef KDUP_WITH_CUDA

class CudaParity : public ::testing::TestWithParam<DType> {
 protected:
  void SetUp() override {
    if (!cuda_available()) GTEST_SKIP() << "no CUDA device available: CPU/CUDA parity not run";
  }
  DType dtype() const { return GetParam(); }
};

TEST_P(CudaParity, Fill) {
  for (DType t : {dtype(), DType::i64, DType::u8}) {
    Pair out = empty_pair({5, 7}, t);
    cpu::fill(out.cpu, 3.0);
    cuda::fill(out.gpu, 3.0);
    EXPECT_PARITY(out.gpu, out.cpu);
  }
}

TEST_P(CudaParity, CopyStridedAndCast) {
  Pair src = seeded({6, 5}, 1, dtype(), 4.0);
  const Tensor src_t_cpu = make_view(src.cpu, {5, 6}, {1, 5}, 0);
  const Tensor src_t_gpu = make_view(src.gpu, {5, 6}, {1, 5}, 0);
  for (DType to : {DType::f32, DType::f64, DType::i64}) {
    Pair dst = empty_pair({5, 6}, to);
    cpu::copy(src_t_cpu, dst.cpu);
    cuda::copy(src_t_gpu, dst.gpu);
    EXPECT_PARITY(dst.gpu, dst.cpu);
  }
  // Into a strided destination: the transpose of a fresh [6, 5] buffer.
  Pair buffer = zeros_pair({6, 5}, dtype());
  Tensor dst_cpu = make_view(buffer.cpu, {5, 6}, {1, 5}, 0);
  Tensor dst_gpu = make_view(buffer.gpu, {5, 6}, {1, 5}, 0);
  Pair dense = seeded({5, 6}, 2, dtype());
  cpu::copy(dense.cpu, dst_cpu);
  cuda::copy(dense.gpu, dst_gpu);
  EXPECT_PARITY(buffer.gpu, buffer.cpu);
}

TEST_P(CudaParity, Unary) {
  const Pair x = seeded({4, 33}, 3, dtype(), 2.0);
  const Pair xp = positive({4, 33}, 4, dtype());
  const struct {
    UnaryOp op;
    double a, b;
    bool needs_positive;
  } cases[] = {{UnaryOp::neg, 0, 0, false},         {UnaryOp::exp, 0, 0, false},
               {UnaryOp::log, 0, 0, true},          {UnaryOp::sqrt, 0, 0, true},
               {UnaryOp::relu, 0, 0, false},        {UnaryOp::abs, 0, 0, false},
               {UnaryOp::sign, 0, 0, false},        {UnaryOp::pow, 2.5, 0, true},
               {UnaryOp::clamp, -0.5, 0.7, false},  {UnaryOp::inside, -0.5, 0.7, false},
               {UnaryOp::affine, 1.5, -0.25, false}};
  for (const auto& c : cases) {
    const Pair& in = c.needs_positive ? xp : x;
    Pair out = empty_pair(in.cpu.shape(), dtype());
    cpu::unary(c.op, in.cpu, out.cpu, c.a, c.b);
    cuda::unary(c.op, in.gpu, out.gpu, c.a, c.b);
    EXPECT_PARITY(out.gpu, out.cpu) << "unary op " << int(c.op);
  }
}

// b [5] broadcast along the rows of a [4, 5] (stride 0).
Tensor broadcast_rows(const Tensor& row, int64_t rows) {
  return make_view(row, {rows, row.shape()[0]}, {0, 1}, 0);
}

TEST_P(CudaParity, BinaryCompareWhereBroadcast) {
  const Pair a = seeded({4, 5}, 5, dtype());
  const Pair b = positive({5}, 6, dtype());
  const Tensor b_cpu = broadcast_rows(b.cpu, 4), b_gpu = broadcast_rows(b.gpu, 4);
  for (BinaryOp op : {BinaryOp::add, BinaryOp::sub, BinaryOp::mul, BinaryOp::div,
                      BinaryOp::add_relu, BinaryOp::relu_backward}) {
    Pair out = empty_pair({4, 5}, dtype());
    cpu::binary(op, a.cpu, b_cpu, out.cpu);
    cuda::binary(op, a.gpu, b_gpu, out.gpu);
    EXPECT_PARITY(out.gpu, out.cpu) << "binary op " << int(op);
    Pair dense = empty_pair({4, 5}, dtype());
    cpu::binary(op, a.cpu, a.cpu, dense.cpu);
    cuda::binary(op, a.gpu, a.gpu, dense.gpu);
    EXPECT_PARITY(dense.gpu, dense.cpu) << "dense binary op " << int(op);
  }
  Pair mask = empty_pair({4, 5}, DType::u8);
  for (CompareOp op : {CompareOp::gt, CompareOp::ge, CompareOp::lt, CompareOp::le, CompareOp::eq,
                       CompareOp::ne}) {
    cpu::compare(op, a.cpu, b_cpu, mask.cpu);
    cuda::compare(op, a.gpu, b_gpu, mask.gpu);
    EXPECT_PARITY(mask.gpu, mask.cpu) << "compare op " << int(op);
  }
  cpu::compare(CompareOp::gt, a.cpu, b_cpu, mask.cpu);
  cuda::compare(CompareOp::gt, a.gpu, b_gpu, mask.gpu);
  Pair out = empty_pair({4, 5}, dtype());
  cpu::where(mask.cpu, a.cpu, b_cpu, out.cpu);
  cuda::where(mask.gpu, a.gpu, b_gpu, out.gpu);
  EXPECT_PARITY(out.gpu, out.cpu);
}

TEST_P(CudaParity, SumAndMaxOverEachDimension) {
  const Pair x = seeded({6, 300, 5}, 7, dtype());
  const Pair rows = seeded({7, 1000}, 8, dtype());
  for (const Pair* in : {&x, &rows}) {
    for (int64_t dim = 0; dim < in->cpu.dim(); ++dim) {
      Shape shape = in->cpu.shape();
      shape.erase(shape.begin() + dim);
      Pair sums = empty_pair(shape, dtype()), values = empty_pair(shape, dtype());
      Pair indices = empty_pair(shape, DType::i64);
      cpu::sum_dim(in->cpu, dim, sums.cpu);
      cuda::sum_dim(in->gpu, dim, sums.gpu);
      cpu::max_dim(in->cpu, dim, values.cpu, indices.cpu);
      cuda::max_dim(in->gpu, dim, values.gpu, indices.gpu);
      EXPECT_PARITY(sums.gpu, sums.cpu) << "dim " << dim;
      EXPECT_PARITY(values.gpu, values.cpu) << "dim " << dim;
      EXPECT_SAME_INDICES(indices.gpu, indices.cpu) << "dim " << dim;
    }
  }
}

TEST_P(CudaParity, GemmAllTransposes) {
  const int64_t m = 17, n = 23, k = 31;
  for (bool ta : {false, true}) {
    for (bool tb : {false, true}) {
      const Pair a = seeded(ta ? Shape{k, m} : Shape{m, k}, 9, dtype());
      const Pair b = seeded(tb ? Shape{n, k} : Shape{k, n}, 10, dtype());
      Pair c = seeded({m, n}, 11, dtype());
      cpu::gemm(ta, tb, 1.5, a.cpu, b.cpu, 0.5, c.cpu);
      cuda::gemm(ta, tb, 1.5, a.gpu, b.gpu, 0.5, c.gpu);
      EXPECT_PARITY(c.gpu, c.cpu) << "trans_a " << ta << " trans_b " << tb;
    }
  }
}

TEST_P(CudaParity, SoftmaxForwardAndBackward) {
  const Pair x = seeded({9, 700}, 12, dtype(), 3.0);
  const Pair g = seeded({9, 700}, 13, dtype());
  for (bool log : {false, true}) {
    Pair y = empty_pair({9, 700}, dtype()), gx = empty_pair({9, 700}, dtype());
    cpu::softmax_rows(x.cpu, log, y.cpu);
    cuda::softmax_rows(x.gpu, log, y.gpu);
    EXPECT_PARITY(y.gpu, y.cpu) << "log " << log;
    cpu::softmax_rows_backward(y.cpu, g.cpu, log, gx.cpu);
    cuda::softmax_rows_backward(y.gpu, g.gpu, log, gx.gpu);
    EXPECT_PARITY(gx.gpu, gx.cpu) << "log " << log;
  }
}

TEST_P(CudaParity, GatherScatterAndRowSelection) {
  const Pair x = seeded({4, 6, 3}, 14, dtype());
  std::vector<int64_t> picks;
  for (int64_t i = 0; i < 4 * 5 * 3; ++i) picks.push_back((i * 7 + i / 3) % 6);  // with repeats
  const Pair index = from_cpu(Tensor::from_vector<int64_t>(picks, {4, 5, 3}));
  Pair out = empty_pair({4, 5, 3}, dtype());
  cpu::gather_dim(x.cpu, 1, index.cpu, out.cpu);
  cuda::gather_dim(x.gpu, 1, index.gpu, out.gpu);
  EXPECT_PARITY(out.gpu, out.cpu);
  Pair target = seeded({4, 6, 3}, 15, dtype());
  cpu::scatter_add_dim(out.cpu, 1, index.cpu, target.cpu);
  cuda::scatter_add_dim(out.gpu, 1, index.gpu, target.gpu);
  EXPECT_PARITY(target.gpu, target.cpu);

  const Pair rows = seeded({5, 4, 2}, 16, dtype());
  const Pair row_index = from_cpu(Tensor::from_vector<int64_t>({4, 0, 4, 2, 1, 4}, {6}));
  Pair selected = empty_pair({6, 4, 2}, dtype());
  cpu::index_select_rows(rows.cpu, row_index.cpu, selected.cpu);
  cuda::index_select_rows(rows.gpu, row_index.gpu, selected.gpu);
  EXPECT_PARITY(selected.gpu, selected.cpu);
  Pair accumulated = seeded({5, 4, 2}, 17, dtype());
  cpu::index_add_rows(selected.cpu, row_index.cpu, accumulated.cpu);
  cuda::index_add_rows(selected.gpu, row_index.gpu, accumulated.gpu);
  EXPECT_PARITY(accumulated.gpu, accumulated.cpu);
}

TEST_P(CudaParity, TopkAndArgsortWithTies) {
  NoGradGuard no_grad;
  // Rounded values make many ties; the order among them must be by position on both backends.
  const Tensor rounded = Tensor::from_vector<double>(
      [] {
        std::vector<double> v = Tensor::randn({8, 300}, 18, DType::f64).to_vector<double>();
        for (double& e : v) e = std::round(e * 4) / 4;
        return v;
      }(),
      {8, 300});
  for (const Tensor& source : {Tensor::randn({8, 300}, 19, DType::f64), rounded}) {
    const Pair x = from_cpu(source.to(dtype()));
    for (bool flag : {false, true}) {
      Pair order = empty_pair({8, 300}, DType::i64);
      cpu::argsort_rows(x.cpu, flag, order.cpu);
      cuda::argsort_rows(x.gpu, flag, order.gpu);
      EXPECT_SAME_INDICES(order.gpu, order.cpu) << "descending " << flag;
      Pair values = empty_pair({8, 7}, dtype()), indices = empty_pair({8, 7}, DType::i64);
      cpu::topk_rows(x.cpu, 7, flag, values.cpu, indices.cpu);
      cuda::topk_rows(x.gpu, 7, flag, values.gpu, indices.gpu);
      EXPECT_PARITY(values.gpu, values.cpu) << "largest " << flag;
      EXPECT_SAME_INDICES(indices.gpu, indices.cpu) << "largest " << flag;
    }
  }
}

TEST_P(CudaParity, Conv2dForwardAndBackward) {
  for (const Conv2dParams p : {Conv2dParams{1, 0}, Conv2dParams{2, 1}, Conv2dParams{1, 1}}) {
    const Pair x = seeded({2, 3, 11, 9}, 20, dtype());
    const Pair w = seeded({4, 3, 3, 3}, 21, dtype());
    const Pair bias = seeded({4}, 22, dtype());
    const int64_t oh = window_output_size(11, 3, p.stride, p.padding);
    const int64_t ow = window_output_size(9, 3, p.stride, p.padding);
    for (bool with_bias : {false, true}) {
      Pair y = empty_pair({2, 4, oh, ow}, dtype());
      cpu::conv2d_forward(x.cpu, w.cpu, with_bias ? bias.cpu : Tensor(), p, y.cpu);
      cuda::conv2d_forward(x.gpu, w.gpu, with_bias ? bias.gpu : Tensor(), p, y.gpu);
      EXPECT_PARITY(y.gpu, y.cpu) << "stride " << p.stride << " padding " << p.padding;
    }
    const Pair gy = seeded({2, 4, oh, ow}, 23, dtype());
    Pair gx = empty_pair(x.cpu.shape(), dtype()), gw = empty_pair(w.cpu.shape(), dtype());
    cpu::conv2d_backward_data(gy.cpu, w.cpu, p, gx.cpu);
    cuda::conv2d_backward_data(gy.gpu, w.gpu, p, gx.gpu);
    EXPECT_PARITY(gx.gpu, gx.cpu) << "stride " << p.stride << " padding " << p.padding;
    cpu::conv2d_backward_weight(x.cpu, gy.cpu, p, gw.cpu);
    cuda::conv2d_backward_weight(x.gpu, gy.gpu, p, gw.gpu);
    EXPECT_PARITY(gw.gpu, gw.cpu) << "stride " << p.stride << " padding " << p.padding;
  }
}

TEST_P(CudaParity, BatchNormTrainEvalBackward) {
  for (const Shape& shape : {Shape{8, 3, 5, 5}, Shape{16, 6}})
    for (bool relu : {false, true}) {
      SCOPED_TRACE(relu ? "with the fused relu" : "without relu");
      expect_batch_norm_kernel_parity(shape, relu, dtype(), 24);
    }
}

TEST_P(CudaParity, MaxPoolForwardAndBackward) {
  for (const Pool2dParams p : {Pool2dParams{2, 2, 0}, Pool2dParams{3, 2, 1}, Pool2dParams{3, 1, 1}}) {
    const Pair x = seeded({2, 3, 9, 8}, 30, dtype());
    const int64_t oh = window_output_size(9, p.kernel, p.stride, p.padding);
    const int64_t ow = window_output_size(8, p.kernel, p.stride, p.padding);
    Pair y = empty_pair({2, 3, oh, ow}, dtype()), indices = empty_pair({2, 3, oh, ow}, DType::i64);
    cpu::max_pool2d_forward(x.cpu, p, y.cpu, indices.cpu);
    cuda::max_pool2d_forward(x.gpu, p, y.gpu, indices.gpu);
    EXPECT_PARITY(y.gpu, y.cpu) << "kernel " << p.kernel << " stride " << p.stride;
    EXPECT_SAME_INDICES(indices.gpu, indices.cpu) << "kernel " << p.kernel << " stride " << p.stride;
    const Pair gy = seeded({2, 3, oh, ow}, 31, dtype());
    Pair gx = empty_pair(x.cpu.shape(), dtype());
    cpu::max_pool2d_backward(gy.cpu, indices.cpu, p, gx.cpu);
    cuda::max_pool2d_backward(gy.gpu, indices.gpu, p, gx.gpu);
    EXPECT_PARITY(gx.gpu, gx.cpu) << "kernel " << p.kernel << " stride " << p.stride;
  }
}

// Augmentation has no dtype parameter: the views of both backends, from the same parameters.
TEST(CudaAugmentParity, EveryRecipeMatchesTheCpu) {
  if (!cuda_available()) GTEST_SKIP() << "no CUDA device available: CPU/CUDA parity not run";
  const Tensor images = test::random_images(6, 40, 5);
  AugmentConfig blur = simclr_cifar_augment();
  blur.blur_p = 1.0;
  AugmentConfig probe = probe_cifar_augment();
  probe.output_size = 40;
  for (const AugmentConfig& c : {simclr_cifar_augment(), blur, probe}) {
    const Tensor cpu = augment_batch(images, {5, 0, 3, 3}, c, {7, 1, 0});
    const Tensor gpu = augment_batch(images.to(Device::cuda), {5, 0, 3, 3}, c, {7, 1, 0});
    EXPECT_LE(parity_error(gpu, cpu), 1e-5);
  }
}

INSTANTIATE_TEST_SUITE_P(Dtypes, CudaParity, ::testing::Values(DType::f32, DType::f64),
                         [](const ::testing::TestParamInfo<DType>& param_info) {
                           return std::string(dtype_name(param_info.param));
                         });

// ---- the gradient checker on the GPU, float32 ---------------------------------------------------

class CudaGradcheck : public ::testing::Test {
 protected:
  void SetUp() override {
    if (!cuda_available()) GTEST_SKIP() << "no CUDA device available: CUDA gradient checks not run";
  }
  static Tensor leaf(const Shape& shape, uint64_t seed) {
    Tensor t = Tensor::randn(shape, seed, DType::f32, Device::cuda);
    t.set_requires_grad(true);
    return t;
  }
  static void check(const GradcheckFn& f, const std::vector<Tensor>& inputs) {
    GradcheckOptions options;
    options.eps = 1e-2;
    options.tol = 1e-2;
    const GradcheckResult r = gradcheck(f, inputs, options);
    EXPECT_TRUE(r.ok) << r.report << "max error " << r.max_error;
    EXPECT_GT(r.checked, 0);
  }
};

TEST_F(CudaGradcheck, MatmulAndSoftmax) {
  check([](const std::vector<Tensor>& in) { return log_softmax(matmul(in[0], in[1])); },
        {leaf({3, 5}, 40), leaf({5, 4}, 41)});
}

TEST_F(CudaGradcheck, Conv2d) {
  check([](const std::vector<Tensor>& in) { return conv2d(in[0], in[1], in[2], 1, 1); },
        {leaf({2, 2, 5, 5}, 42), leaf({3, 2, 3, 3}, 43), leaf({3}, 44)});
}

TEST_F(CudaGradcheck, BatchNorm) {
  check([](const std::vector<Tensor>& in) { return batch_norm(in[0], in[1], in[2], Tensor(), Tensor(), true); },
        {leaf({6, 3, 2, 2}, 45), leaf({3}, 46), leaf({3}, 47)});
  check(
      [](const std::vector<Tensor>& in) {
        return batch_norm_relu(in[0], in[1], in[2], Tensor(), Tensor(), true);
      },
      {leaf({6, 3, 2, 2}, 48), leaf({3}, 49), leaf({3}, 50)});
}

// ---- the caching allocator ----------------------------------------------------------------------

TEST(CudaAllocator, AFreedBlockIsReused) {
  if (!cuda_available()) GTEST_SKIP() << "no CUDA device available: allocator not exercised";
  const size_t bytes = 3000 * sizeof(float);
  { Tensor warm = Tensor::empty({3000}, DType::f32, Device::cuda); }
  const cuda::AllocatorStats before = cuda::allocator_stats();
  EXPECT_GE(before.bytes_cached, cuda::allocation_size_class(bytes));
  {
    Tensor again = Tensor::empty({3000}, DType::f32, Device::cuda);
    const cuda::AllocatorStats during = cuda::allocator_stats();
    EXPECT_EQ(during.cuda_malloc_calls, before.cuda_malloc_calls);
    EXPECT_EQ(during.cache_hits, before.cache_hits + 1);
    EXPECT_EQ(during.bytes_in_use, before.bytes_in_use + cuda::allocation_size_class(bytes));
  }
  const cuda::AllocatorStats after = cuda::allocator_stats();
  EXPECT_EQ(after.bytes_in_use, before.bytes_in_use);
  EXPECT_EQ(after.bytes_cached, before.bytes_cached);
  cuda::release_cached_blocks();
  EXPECT_EQ(cuda::allocator_stats().bytes_cached, 0u);
}

#endif  // KDUP_WITH_CUDA

}  // namespace
}  // namespace kdup
