// CPU vs CUDA at the shapes ResNet-18 trains at, where cuDNN picks the algorithms real layers use
// (the small shapes of parity_test.cpp leave most of them unexercised): every distinct convolution
// of the CIFAR network (3x3 stride-1 stem, the stages' 3x3 convolutions at 64-512 channels with
// stride 1 and 2, the 1x1 stride-2 downsampling) and of the ImageNet network (7x7 stride-2 stem,
// its 3x3 stride-2 max-pool, the stages at 56-7 pixels), forward and both backward kernels; batch
// norm with more values per channel than one block reduces (so its chunks are merged), training
// and evaluation, with and without the fused ReLU, and through the op, running statistics
// included. Then run.deterministic: the deterministic scatters must equal the CPU bit for bit and
// the convolutions must repeat exactly. Without a GPU every test here is skipped.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "ops/backend_options.h"
#include "ops/kernels.h"
#include "ops/nn.h"
#include "ops/ops.h"
#include "parity_util.h"

namespace kdup {
namespace {

#ifdef KDUP_WITH_CUDA

// Convolutions sum up to 4608 products per output (512 channels x 3 x 3), and cuDNN's Winograd and
// FFT algorithms round differently from a direct sum: float32 gets 1e-4 of the largest value
// here (a wrong algorithm or index is off by order 1), float64 keeps 1e-10.
double conv_tolerance(DType t) { return t == DType::f32 ? 1e-4 : 1e-10; }

#define EXPECT_CONV_PARITY(cuda_result, cpu_result)                                         \
  EXPECT_LE(parity_error(cuda_result, cpu_result), conv_tolerance((cpu_result).dtype())) \
      << #cuda_result " vs " #cpu_result

struct ConvLayer {
  const char* name;
  Shape x;       // [N, Cin, H, W]
  Shape weight;  // [Cout, Cin, k, k]
  Conv2dParams p;
};

const std::vector<ConvLayer>& resnet18_conv_layers() {
  static const std::vector<ConvLayer> layers = {
      // CIFAR network (32 x 32 images)
      {"cifar stem 3x3 s1 3->64", {8, 3, 32, 32}, {64, 3, 3, 3}, {1, 1}},
      {"cifar stage1 3x3 s1 64", {8, 64, 32, 32}, {64, 64, 3, 3}, {1, 1}},
      {"cifar stage2 3x3 s2 64->128", {4, 64, 32, 32}, {128, 64, 3, 3}, {2, 1}},
      {"cifar stage2 3x3 s1 128", {4, 128, 16, 16}, {128, 128, 3, 3}, {1, 1}},
      {"cifar stage2 1x1 s2 downsample", {4, 64, 32, 32}, {128, 64, 1, 1}, {2, 0}},
      {"cifar stage3 3x3 s2 128->256", {4, 128, 16, 16}, {256, 128, 3, 3}, {2, 1}},
      {"cifar stage3 3x3 s1 256", {4, 256, 8, 8}, {256, 256, 3, 3}, {1, 1}},
      {"cifar stage3 1x1 s2 downsample", {4, 128, 16, 16}, {256, 128, 1, 1}, {2, 0}},
      {"cifar stage4 3x3 s2 256->512", {4, 256, 8, 8}, {512, 256, 3, 3}, {2, 1}},
      {"cifar stage4 3x3 s1 512", {8, 512, 4, 4}, {512, 512, 3, 3}, {1, 1}},
      {"cifar stage4 1x1 s2 downsample", {4, 256, 8, 8}, {512, 256, 1, 1}, {2, 0}},
      // ImageNet network (224 x 224 images; the stages start at 56 x 56 after the stem's pool)
      {"imagenet stem 7x7 s2 p3 3->64", {2, 3, 224, 224}, {64, 3, 7, 7}, {2, 3}},
      {"imagenet stage1 3x3 s1 64", {2, 64, 56, 56}, {64, 64, 3, 3}, {1, 1}},
      {"imagenet stage2 3x3 s2 64->128", {2, 64, 56, 56}, {128, 64, 3, 3}, {2, 1}},
      {"imagenet stage2 1x1 s2 downsample", {2, 64, 56, 56}, {128, 64, 1, 1}, {2, 0}},
      {"imagenet stage3 3x3 s2 128->256", {2, 128, 28, 28}, {256, 128, 3, 3}, {2, 1}},
      {"imagenet stage3 3x3 s1 256", {2, 256, 14, 14}, {256, 256, 3, 3}, {1, 1}},
      {"imagenet stage4 3x3 s2 256->512", {2, 256, 14, 14}, {512, 256, 3, 3}, {2, 1}},
      {"imagenet stage4 3x3 s1 512", {2, 512, 7, 7}, {512, 512, 3, 3}, {1, 1}},
  };
  return layers;
}

Shape conv_output_shape(const ConvLayer& l) {
  const int64_t k = l.weight[2];
  return {l.x[0], l.weight[0], window_output_size(l.x[2], k, l.p.stride, l.p.padding),
          window_output_size(l.x[3], k, l.p.stride, l.p.padding)};
}

// Restores the process-wide backend options whatever a test sets.
class ResnetShapesParity : public ::testing::TestWithParam<DType> {
 protected:
  void SetUp() override {
    if (!cuda_available()) GTEST_SKIP() << "no CUDA device available: CPU/CUDA parity not run";
    saved_ = backend_options();
  }
  void TearDown() override { set_backend_options(saved_); }
  DType dtype() const { return GetParam(); }
  BackendOptions saved_;
};

TEST_P(ResnetShapesParity, ConvolutionsForwardAndBackward) {
  uint64_t seed = 100;
  for (const ConvLayer& l : resnet18_conv_layers()) {
    SCOPED_TRACE(l.name);
    const Shape ys = conv_output_shape(l);
    const Pair x = seeded(l.x, ++seed, dtype());
    const Pair w = seeded(l.weight, ++seed, dtype(), 0.1);
    const Pair gy = seeded(ys, ++seed, dtype());
    Pair y = empty_pair(ys, dtype());
    cpu::conv2d_forward(x.cpu, w.cpu, Tensor(), l.p, y.cpu);
    cuda::conv2d_forward(x.gpu, w.gpu, Tensor(), l.p, y.gpu);
    EXPECT_CONV_PARITY(y.gpu, y.cpu);
    Pair gx = empty_pair(l.x, dtype()), gw = empty_pair(l.weight, dtype());
    cpu::conv2d_backward_data(gy.cpu, w.cpu, l.p, gx.cpu);
    cuda::conv2d_backward_data(gy.gpu, w.gpu, l.p, gx.gpu);
    EXPECT_CONV_PARITY(gx.gpu, gx.cpu);
    cpu::conv2d_backward_weight(x.cpu, gy.cpu, l.p, gw.cpu);
    cuda::conv2d_backward_weight(x.gpu, gy.gpu, l.p, gw.gpu);
    EXPECT_CONV_PARITY(gw.gpu, gw.cpu);
  }
}

// run.deterministic: only algorithms cuDNN reports deterministic, so running a layer twice gives
// the same bits, and the results still match the CPU.
TEST_P(ResnetShapesParity, DeterministicConvolutionsRepeatExactly) {
  set_backend_options({true, false});
  uint64_t seed = 200;
  for (const ConvLayer& l : resnet18_conv_layers()) {
    SCOPED_TRACE(l.name);
    const Shape ys = conv_output_shape(l);
    const Pair x = seeded(l.x, ++seed, dtype());
    const Pair gy = seeded(ys, ++seed, dtype());
    Pair gw = empty_pair(l.weight, dtype()), again = empty_pair(l.weight, dtype());
    cpu::conv2d_backward_weight(x.cpu, gy.cpu, l.p, gw.cpu);
    cuda::conv2d_backward_weight(x.gpu, gy.gpu, l.p, gw.gpu);
    cuda::conv2d_backward_weight(x.gpu, gy.gpu, l.p, again.gpu);
    EXPECT_CONV_PARITY(gw.gpu, gw.cpu);
    EXPECT_EQ(gw.gpu.to(Device::cpu).to_vector<double>(),
              again.gpu.to(Device::cpu).to_vector<double>());
  }
}

TEST_P(ResnetShapesParity, ImagenetStemMaxPool) {
  for (bool deterministic : {false, true}) {
    SCOPED_TRACE(deterministic ? "deterministic" : "atomic");
    set_backend_options({deterministic, false});
    const Pool2dParams p{3, 2, 1};
    const Pair x = seeded({2, 64, 112, 112}, 300, dtype());
    Pair y = empty_pair({2, 64, 56, 56}, dtype()), indices = empty_pair({2, 64, 56, 56}, DType::i64);
    cpu::max_pool2d_forward(x.cpu, p, y.cpu, indices.cpu);
    cuda::max_pool2d_forward(x.gpu, p, y.gpu, indices.gpu);
    EXPECT_PARITY(y.gpu, y.cpu);
    EXPECT_SAME_INDICES(indices.gpu, indices.cpu);
    const Pair gy = seeded({2, 64, 56, 56}, 301, dtype());
    Pair gx = empty_pair(x.cpu.shape(), dtype());
    cpu::max_pool2d_backward(gy.cpu, indices.cpu, p, gx.cpu);
    cuda::max_pool2d_backward(gy.gpu, indices.gpu, p, gx.gpu);
    EXPECT_PARITY(gx.gpu, gx.cpu);
    // The gathering variant adds in the CPU's order: the same bits.
    if (deterministic) {
      EXPECT_EQ(gx.gpu.to(Device::cpu).to_vector<double>(), gx.cpu.to_vector<double>());
    }
  }
}

// Kernel level: more values per channel than one block takes (8 x 32 x 32 = 8192: two chunks;
// 8 x 56 x 56: seven), one chunk with a small spatial size, and the [N, C] case.
TEST_P(ResnetShapesParity, BatchNormKernelsOverSeveralBlocksPerChannel) {
  for (const Shape& shape : {Shape{8, 64, 32, 32}, Shape{8, 64, 56, 56}, Shape{8, 512, 4, 4},
                             Shape{256, 512}})
    for (bool relu : {false, true}) {
      SCOPED_TRACE(::testing::Message() << shape_str(shape) << (relu ? " relu" : ""));
      expect_batch_norm_kernel_parity(shape, relu, dtype(), 400);
    }
}

// The op, training then evaluation: outputs, the gradients of x, gamma and beta through autograd,
// and the running statistics it updates (unbiased variance, momentum 0.1).
TEST_P(ResnetShapesParity, BatchNormOpWithRunningStatistics) {
  const Shape shape{8, 64, 32, 32};
  struct Side {
    Tensor x, gamma, beta, running_mean, running_var;
  };
  auto make = [&](Device device) {
    NoGradGuard no_grad;
    Side s;
    s.x = (Tensor::randn(shape, 500, dtype()) * 2.0 + 0.5).to(device);
    s.gamma = Tensor::randn({64}, 501, dtype()).to(device);
    s.beta = Tensor::randn({64}, 502, dtype()).to(device);
    s.running_mean = Tensor::zeros({64}, dtype(), device);
    s.running_var = Tensor::ones({64}, dtype(), device);
    for (Tensor* t : {&s.x, &s.gamma, &s.beta}) t->set_requires_grad(true);
    return s;
  };
  Side cpu_side = make(Device::cpu), gpu_side = make(Device::cuda);
  const Tensor gy = Tensor::randn(shape, 503, dtype());
  for (bool training : {true, false}) {
    SCOPED_TRACE(training ? "training" : "evaluation");
    std::vector<Tensor> outputs;
    for (Side* s : {&cpu_side, &gpu_side}) {
      for (Tensor* t : {&s->x, &s->gamma, &s->beta}) t->zero_grad();
      Tensor y = batch_norm_relu(s->x, s->gamma, s->beta, s->running_mean, s->running_var,
                                 training, 0.1, 1e-5);
      y.backward(gy.to(y.device()));
      outputs.push_back(y);
    }
    EXPECT_PARITY(outputs[1], outputs[0]);
    EXPECT_PARITY(gpu_side.x.grad(), cpu_side.x.grad());
    EXPECT_PARITY(gpu_side.gamma.grad(), cpu_side.gamma.grad());
    EXPECT_PARITY(gpu_side.beta.grad(), cpu_side.beta.grad());
    EXPECT_PARITY(gpu_side.running_mean, cpu_side.running_mean);
    EXPECT_PARITY(gpu_side.running_var, cpu_side.running_var);
  }
}

// run.deterministic's scatters: the same bits as the CPU, which adds in a fixed order.
TEST_P(ResnetShapesParity, DeterministicScattersMatchTheCpuExactly) {
  set_backend_options({true, false});
  std::vector<int64_t> picks;
  for (int64_t i = 0; i < 64 * 40; ++i) picks.push_back((i * 7 + i / 3) % 10);  // many repeats
  const Pair index = from_cpu(Tensor::from_vector<int64_t>(picks, {64, 40}));
  const Pair src = seeded({64, 40}, 600, dtype());
  Pair target = seeded({64, 10}, 601, dtype());
  cpu::scatter_add_dim(src.cpu, 1, index.cpu, target.cpu);
  cuda::scatter_add_dim(src.gpu, 1, index.gpu, target.gpu);
  EXPECT_EQ(target.gpu.to(Device::cpu).to_vector<double>(), target.cpu.to_vector<double>());

  std::vector<int64_t> rows;
  for (int64_t i = 0; i < 512; ++i) rows.push_back((i * 37) % 100);  // each row about 5 times
  const Pair row_index = from_cpu(Tensor::from_vector<int64_t>(rows, {512}));
  const Pair selected = seeded({512, 128}, 602, dtype());
  Pair accumulated = seeded({100, 128}, 603, dtype());
  cpu::index_add_rows(selected.cpu, row_index.cpu, accumulated.cpu);
  cuda::index_add_rows(selected.gpu, row_index.gpu, accumulated.gpu);
  EXPECT_EQ(accumulated.gpu.to(Device::cpu).to_vector<double>(),
            accumulated.cpu.to_vector<double>());
}

INSTANTIATE_TEST_SUITE_P(Dtypes, ResnetShapesParity, ::testing::Values(DType::f32, DType::f64),
                         [](const ::testing::TestParamInfo<DType>& param_info) {
                           return std::string(dtype_name(param_info.param));
                         });

#endif  // KDUP_WITH_CUDA

}  // namespace
}  // namespace kdup
