// The Winograd F(4x4, 3x3) convolutions against the im2col reference, forward and both
// backwards, for each instruction set the CPU has, and the geometries they take.
#include "ops/cpu/conv2d_paths.h"
#include "test_util.h"

namespace kdup {
namespace {

using test::normalised_error;

constexpr Conv2dParams kSame{1, 1};

Tensor channels_last_randn(const Shape& shape, uint64_t seed, DType dtype = DType::f32) {
  return Tensor::randn(shape, seed)
      .to(dtype)
      .in_layout_of(Tensor::empty_channels_last(shape, dtype, Device::cpu));
}

// The kernel variants this CPU can run.
std::vector<cpu::WinogradIsa> runnable_isas() {
  std::vector<cpu::WinogradIsa> isas;
  if (__builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma"))
    isas.push_back(cpu::WinogradIsa::avx2);
  if (__builtin_cpu_supports("avx512f")) isas.push_back(cpu::WinogradIsa::avx512);
  return isas;
}

struct Geometry {
  int64_t batch, in, out, height, width;
};

TEST(Conv2dWinograd, MatchesTheIm2colReference) {
  if (runnable_isas().empty()) GTEST_SKIP() << "the Winograd kernels need AVX2 with FMA";
  // Several tile blocks per image, partial blocks and tile groups, odd sizes, one pixel, blocks
  // across images, every channel count compiled.
  const std::vector<Geometry> geometries = {
      {2, 16, 16, 8, 8},    {3, 32, 32, 7, 7},  {2, 16, 32, 33, 33}, {1, 32, 16, 5, 9},
      {4, 32, 32, 16, 16},  {3, 16, 16, 1, 1},  {5, 64, 64, 8, 8},   {2, 64, 64, 6, 10},
      {37, 128, 128, 4, 4}, {2, 128, 128, 3, 3}};
  // Winograd rounds more than the direct sum: up to 6e-6 of the largest output here.
  uint64_t seed = 1;
  for (const Geometry& g : geometries) {
    const Shape x_shape{g.batch, g.in, g.height, g.width},
        y_shape{g.batch, g.out, g.height, g.width};
    const Tensor x = channels_last_randn(x_shape, seed++);
    const Tensor w = Tensor::randn({g.out, g.in, 3, 3}, seed++);
    const Tensor dy = channels_last_randn(y_shape, seed++);
    Tensor y_ref = Tensor::zeros(y_shape), dx_ref = Tensor::zeros(x_shape);
    Tensor dw_ref = Tensor::zeros(w.shape());
    cpu::conv2d_forward_im2col(x.contiguous(), w, Tensor(), kSame, y_ref);
    cpu::conv2d_backward_data_im2col(dy.contiguous(), w, kSame, dx_ref);
    cpu::conv2d_backward_weight_im2col(x.contiguous(), dy.contiguous(), kSame, dw_ref);
    for (cpu::WinogradIsa isa : runnable_isas()) {
      SCOPED_TRACE(::testing::Message()
                   << shape_str(x_shape) << " -> " << shape_str(y_shape)
                   << (isa == cpu::WinogradIsa::avx512 ? ", AVX-512" : ", AVX2"));
      Tensor y = Tensor::empty_channels_last(y_shape, DType::f32, Device::cpu);
      cpu::conv2d_forward_winograd(x, w, y, isa);
      EXPECT_LT(normalised_error(y, y_ref), 1e-5) << "forward";
      Tensor dx = Tensor::empty_channels_last(x_shape, DType::f32, Device::cpu);
      cpu::conv2d_backward_data_winograd(dy, w, dx, isa);
      EXPECT_LT(normalised_error(dx, dx_ref), 1e-5) << "backward data";
      Tensor dw = Tensor::empty(w.shape());
      cpu::conv2d_backward_weight_winograd(x, dy, dw, isa);
      EXPECT_LT(normalised_error(dw, dw_ref), 1e-5) << "backward weight";
    }
  }
}

TEST(Conv2dWinograd, TakesOnlyItsGeometries) {
  if (cpu::winograd_isa() == cpu::WinogradIsa::none) {
    const Tensor x = channels_last_randn({2, 16, 8, 8}, 1);
    EXPECT_FALSE(cpu::winograd_conv_applies(x, Tensor::randn({16, 16, 3, 3}, 2), Tensor(), kSame,
                                            Tensor::empty_like(x)));
    GTEST_SKIP() << "no AVX2 with FMA, or capped below it by ONEDNN_MAX_CPU_ISA";
  }
  const Tensor x = channels_last_randn({2, 16, 8, 8}, 1), y = Tensor::empty_like(x);
  const Tensor w = Tensor::randn({16, 16, 3, 3}, 2);
  EXPECT_TRUE(cpu::winograd_conv_applies(x, w, Tensor(), kSame, y));
  EXPECT_FALSE(cpu::winograd_conv_applies(x, w, Tensor::randn({16}, 3), kSame, y));  // bias
  EXPECT_FALSE(cpu::winograd_conv_applies(x, w, Tensor(), {2, 1}, y));               // stride
  EXPECT_FALSE(cpu::winograd_conv_applies(x, w, Tensor(), {1, 0}, y));               // padding
  for (int64_t channels : {48, 256}) {                                               // not compiled
    const Tensor xc = channels_last_randn({2, channels, 4, 4}, 4);
    EXPECT_FALSE(cpu::winograd_conv_applies(xc, Tensor::randn({channels, channels, 3, 3}, 5),
                                            Tensor(), kSame, Tensor::empty_like(xc)))
        << channels;
  }
  const Tensor x_nchw = Tensor::randn({2, 16, 8, 8}, 6);
  EXPECT_FALSE(cpu::winograd_conv_applies(x_nchw, w, Tensor(), kSame, Tensor::empty_like(x_nchw)));
  const Tensor x_f64 = channels_last_randn({2, 16, 8, 8}, 7, DType::f64);
  EXPECT_FALSE(cpu::winograd_conv_applies(x_f64, w.to(DType::f64), Tensor(), kSame,
                                          Tensor::empty_like(x_f64)));
}

}  // namespace
}  // namespace kdup
