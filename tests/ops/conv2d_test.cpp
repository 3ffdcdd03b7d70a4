// conv2d: forward values against a direct loop, gradients of input, weight and bias, and errors.
#include <vector>

#include "test_util.h"

namespace kdup {
namespace {

using test::leaf;

struct ConvCase {
  Shape x_shape;
  Shape w_shape;
  bool bias;
  int64_t stride;
  int64_t padding;
};

// y[n, co, oh, ow] = b[co] + sum_{ci, i, j} x[n, ci, oh*s - p + i, ow*s - p + j] * w[co, ci, i, j],
// with x taken as zero outside the image.
std::vector<double> direct_conv(const Tensor& x, const Tensor& w, const Tensor& b, int64_t s,
                                int64_t p) {
  const std::vector<double> xv = x.to_vector<double>(), wv = w.to_vector<double>();
  const std::vector<double> bv = b.defined() ? b.to_vector<double>() : std::vector<double>();
  const int64_t n_count = x.size(0), cin = x.size(1), h = x.size(2), wd = x.size(3);
  const int64_t cout = w.size(0), k = w.size(2);
  const int64_t oh_count = (h + 2 * p - k) / s + 1, ow_count = (wd + 2 * p - k) / s + 1;
  std::vector<double> y;
  for (int64_t n = 0; n < n_count; ++n)
    for (int64_t co = 0; co < cout; ++co)
      for (int64_t oh = 0; oh < oh_count; ++oh)
        for (int64_t ow = 0; ow < ow_count; ++ow) {
          double acc = bv.empty() ? 0.0 : bv[co];
          for (int64_t ci = 0; ci < cin; ++ci)
            for (int64_t i = 0; i < k; ++i)
              for (int64_t j = 0; j < k; ++j) {
                const int64_t hh = oh * s - p + i, ww = ow * s - p + j;
                if (hh < 0 || hh >= h || ww < 0 || ww >= wd) continue;
                acc += xv[((n * cin + ci) * h + hh) * wd + ww] *
                       wv[((co * cin + ci) * k + i) * k + j];
              }
          y.push_back(acc);
        }
  return y;
}

const std::vector<ConvCase> kCases = {
    {{2, 2, 5, 5}, {3, 2, 3, 3}, true, 1, 1},   // "same" 3x3
    {{2, 2, 5, 5}, {3, 2, 3, 3}, false, 1, 0},  // valid 3x3, no bias
    {{1, 3, 6, 5}, {2, 3, 3, 3}, true, 2, 1},   // strided, padded, non-square image
    {{2, 2, 5, 4}, {2, 2, 3, 3}, false, 2, 0},  // strided, unpadded
    {{2, 3, 4, 4}, {4, 3, 1, 1}, true, 1, 0},   // 1x1: the column matrix is the input itself
    {{2, 3, 5, 5}, {2, 3, 1, 1}, false, 2, 1},  // 1x1 with stride and padding
};

TEST(Conv2d, ForwardMatchesDirectLoopFloat64) {
  uint64_t seed = 10;
  for (const ConvCase& c : kCases) {
    Tensor x = leaf(c.x_shape, seed++), w = leaf(c.w_shape, seed++);
    Tensor b = c.bias ? leaf({c.w_shape[0]}, seed++) : Tensor();
    Tensor y = conv2d(x, w, b, c.stride, c.padding);
    const int64_t k = c.w_shape[2];
    EXPECT_EQ(y.shape(), (Shape{c.x_shape[0], c.w_shape[0],
                                (c.x_shape[2] + 2 * c.padding - k) / c.stride + 1,
                                (c.x_shape[3] + 2 * c.padding - k) / c.stride + 1}));
    test::expect_close(y.to_vector<double>(), direct_conv(x, w, b, c.stride, c.padding), 1e-12,
                       "conv2d float64 " + shape_str(c.x_shape));
  }
}

TEST(Conv2d, ForwardMatchesDirectLoopFloat32) {
  NoGradGuard no_grad;
  for (const ConvCase& c : kCases) {
    Tensor x = Tensor::randn(c.x_shape, 30, DType::f32);
    Tensor w = Tensor::randn(c.w_shape, 31, DType::f32);
    Tensor b = c.bias ? Tensor::randn({c.w_shape[0]}, 32, DType::f32) : Tensor();
    Tensor y = conv2d(x, w, b, c.stride, c.padding);
    EXPECT_EQ(y.dtype(), DType::f32);
    test::expect_close(y.to_vector<double>(), direct_conv(x, w, b, c.stride, c.padding), 1e-5,
                       "conv2d float32 " + shape_str(c.x_shape));
  }
}

TEST(Conv2d, NonContiguousInputIsRead) {
  // A transposed view holds the same values as its contiguous copy.
  Tensor x = leaf({1, 2, 4, 5}, 40).transpose(2, 3), w = leaf({2, 2, 3, 3}, 41);
  Tensor y = conv2d(x, w, Tensor(), 1, 1);
  test::expect_close(y.to_vector<double>(), direct_conv(x.contiguous(), w, Tensor(), 1, 1), 1e-12);
}

TEST(Conv2d, GradientsOfInputWeightAndBias) {
  uint64_t seed = 50;
  for (const ConvCase& c : kCases) {
    SCOPED_TRACE(shape_str(c.x_shape) + " * " + shape_str(c.w_shape) + " stride " +
                 std::to_string(c.stride) + " padding " + std::to_string(c.padding));
    std::vector<Tensor> inputs{leaf(c.x_shape, seed++), leaf(c.w_shape, seed++)};
    if (c.bias) inputs.push_back(leaf({c.w_shape[0]}, seed++));
    const int64_t stride = c.stride, padding = c.padding;
    test::expect_gradients_match(
        [stride, padding](const std::vector<Tensor>& in) {
          return conv2d(in[0], in[1], in.size() > 2 ? in[2] : Tensor(), stride, padding);
        },
        inputs);
  }
}

TEST(Conv2d, GradientOfWeightAloneWhenInputIsConstant) {
  Tensor x = Tensor::randn({2, 2, 4, 4}, 60, DType::f64);  // no gradient wanted
  test::expect_gradients_match(
      [x](const std::vector<Tensor>& in) { return conv2d(x, in[0], in[1], 1, 1); },
      {leaf({3, 2, 3, 3}, 61), leaf({3}, 62)});
}

TEST(Conv2d, LargerShapesForwardAndAdjointIdentities) {
  // Large enough for the parallel im2col / col2im loops. Since y = conv(x, w) is linear in x and
  // in w, the gradients of L = sum(y * g) satisfy sum(dL/dx * x) = L = sum(dL/dw * w).
  Tensor x = leaf({2, 16, 20, 20}, 80), w = leaf({8, 16, 3, 3}, 81);
  Tensor g = Tensor::randn({2, 8, 10, 10}, 82, DType::f64);
  Tensor y = conv2d(x, w, Tensor(), 2, 1);
  test::expect_close(y.to_vector<double>(), direct_conv(x, w, Tensor(), 2, 1), 1e-10);
  sum(y * g).backward();
  NoGradGuard no_grad;
  const double loss = sum(y * g).item();
  EXPECT_NEAR(sum(x.grad() * x).item(), loss, 1e-9 * std::abs(loss));
  EXPECT_NEAR(sum(w.grad() * w).item(), loss, 1e-9 * std::abs(loss));
}

TEST(Conv2d, RejectsBadArguments) {
  Tensor x = leaf({2, 3, 5, 5}, 70), w = leaf({4, 3, 3, 3}, 71);
  test::expect_error([&] { conv2d(x.reshape({6, 5, 5}), w); }, {"conv2d", "[6, 5, 5]", "rank 4"});
  test::expect_error([&] { conv2d(x, w.reshape({4, 27})); }, {"conv2d", "[4, 27]"});
  test::expect_error([&] { conv2d(x, leaf({4, 2, 3, 3}, 72)); },
                     {"conv2d", "[2, 3, 5, 5]", "[4, 2, 3, 3]", "channels"});
  test::expect_error([&] { conv2d(x, leaf({4, 3, 3, 2}, 73)); },
                     {"conv2d", "square", "[4, 3, 3, 2]"});
  test::expect_error([&] { conv2d(x, w, leaf({5}, 74)); },
                     {"conv2d", "bias", "[5]", "[4, 3, 3, 3]"});
  test::expect_error([&] { conv2d(x, w.detach().to(DType::f32)); },
                     {"conv2d", "dtypes differ", "float32", "float64"});
  test::expect_error([&] { conv2d(x, w, w.detach().slice(0, 0, 1).reshape({27}).to(DType::f32)); },
                     {"conv2d", "dtypes differ"});
  test::expect_error([&] { conv2d(leaf({1, 3, 2, 2}, 75), w); },
                     {"conv2d", "output size", "[1, 3, 2, 2]", "[4, 3, 3, 3]"});
  test::expect_error([&] { conv2d(x, w, Tensor(), 0); }, {"conv2d", "stride"});
  test::expect_error([&] { conv2d(x, w, Tensor(), 1, -1); }, {"conv2d", "padding"});
  Tensor labels = Tensor::zeros({2, 3, 5, 5}, DType::i64);
  test::expect_error([&] { conv2d(labels, w); }, {"conv2d", "int64", "[2, 3, 5, 5]"});
}

TEST(Conv2d, RejectsTensorsOnDifferentDevices) {
  if (!cuda_available()) GTEST_SKIP() << "needs a CUDA device";
  Tensor x = Tensor::zeros({1, 2, 4, 4}, DType::f64);
  Tensor w = Tensor::zeros({3, 2, 3, 3}, DType::f64, Device::cuda);
  test::expect_error([&] { conv2d(x, w); }, {"conv2d", "different devices", "[3, 2, 3, 3]"});
}

}  // namespace
}  // namespace kdup
