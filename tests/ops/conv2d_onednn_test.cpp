// The oneDNN convolution path against the im2col reference, forward and both backwards, float32.
#include "ops/cpu/conv2d_paths.h"
#include "test_util.h"

namespace kdup {
namespace {

using test::normalised_error;

struct Geometry {
  int64_t batch, in, out, side, kernel, stride, padding;
  bool bias;
};

// The kernels read and write activations as they lie: contiguous NCHW or channels last.
Tensor in_layout(const Tensor& t, bool channels_last) {
  return channels_last
             ? t.in_layout_of(Tensor::empty_channels_last(t.shape(), t.dtype(), t.device()))
             : t;
}

TEST(Conv2dOnednn, MatchesTheIm2colReference) {
  if (!cpu::onednn_available()) GTEST_SKIP() << "this build has no oneDNN";
  const std::vector<Geometry> geometries = {
      {3, 3, 8, 9, 3, 1, 1, false},   {2, 8, 16, 8, 3, 2, 1, false},
      {2, 16, 8, 8, 1, 1, 0, false},  {2, 16, 32, 8, 1, 2, 0, false},
      {1, 5, 7, 11, 3, 1, 0, true},   {4, 4, 4, 6, 3, 1, 1, true},
      {2, 3, 16, 8, 3, 1, 1, false},  {2, 16, 16, 8, 3, 1, 1, false},
      {2, 32, 24, 4, 3, 1, 1, false}, {2, 64, 64, 8, 3, 1, 1, false}};
  // From the seventh: the RGB stem (blocked layout, which for 16 channels lies as channels last),
  // two forwards as transposed convolutions, and 64 channels (Winograd's in a training step).
  uint64_t seed = 1;
  for (const Geometry& g : geometries)
    for (bool channels_last : {false, true}) {
      SCOPED_TRACE(::testing::Message() << g.in << " -> " << g.out << " channels, stride "
                                        << g.stride << (channels_last ? ", channels last" : ""));
      const Conv2dParams p{g.stride, g.padding};
      const int64_t side_out = window_output_size(g.side, g.kernel, g.stride, g.padding);
      const Tensor x = Tensor::randn({g.batch, g.in, g.side, g.side}, seed++);
      const Tensor w = Tensor::randn({g.out, g.in, g.kernel, g.kernel}, seed++);
      const Tensor b = g.bias ? Tensor::randn({g.out}, seed++) : Tensor();
      const Tensor dy = Tensor::randn({g.batch, g.out, side_out, side_out}, seed++);
      Tensor y_fast = in_layout(Tensor::zeros(dy.shape()), channels_last);
      Tensor y_ref = Tensor::zeros(dy.shape());
      cpu::conv2d_forward_onednn(in_layout(x, channels_last), w, b, p, y_fast);
      cpu::conv2d_forward_im2col(x, w, b, p, y_ref);
      EXPECT_LT(normalised_error(y_fast, y_ref), 1e-5) << "forward";
      Tensor dx_fast = in_layout(Tensor::zeros(x.shape()), channels_last);
      Tensor dx_ref = Tensor::zeros(x.shape());
      cpu::conv2d_backward_data_onednn(in_layout(dy, channels_last), w, p, dx_fast);
      cpu::conv2d_backward_data_im2col(dy, w, p, dx_ref);
      EXPECT_LT(normalised_error(dx_fast, dx_ref), 1e-5) << "backward data";
      Tensor dw_fast = Tensor::zeros(w.shape()), dw_ref = Tensor::zeros(w.shape());
      cpu::conv2d_backward_weight_onednn(in_layout(x, channels_last), in_layout(dy, channels_last),
                                         p, dw_fast);
      cpu::conv2d_backward_weight_im2col(x, dy, p, dw_ref);
      EXPECT_LT(normalised_error(dw_fast, dw_ref), 1e-5) << "backward weight";
    }
}

TEST(Conv2dOnednn, TakesFloat32OnlyAndCanBeSwitchedOff) {
  EXPECT_FALSE(cpu::use_onednn_conv(DType::f64));  // gradient checks stay on the reference
  EXPECT_EQ(cpu::use_onednn_conv(DType::f32), cpu::onednn_available());
  cpu::set_onednn_conv_enabled(false);
  EXPECT_FALSE(cpu::use_onednn_conv(DType::f32));
  cpu::set_onednn_conv_enabled(true);
  EXPECT_EQ(cpu::use_onednn_conv(DType::f32), cpu::onednn_available());
}

}  // namespace
}  // namespace kdup
