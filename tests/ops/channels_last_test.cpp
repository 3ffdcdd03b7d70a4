// Channels-last activations (Tensor::is_channels_last): the CPU convolutions write them, batch
// norm, the residual sums and the autograd sums keep them, and every value equals what the
// contiguous NCHW path computes.
#include <omp.h>

#include "ops/cpu/conv2d_paths.h"
#include "ops/kernels.h"
#include "test_util.h"

namespace kdup {
namespace {

Tensor channels_last_copy(const Tensor& x) {
  return x.in_layout_of(Tensor::empty_channels_last(x.shape(), x.dtype(), x.device()));
}

TEST(ChannelsLast, StridesAndPredicates) {
  const Tensor t = Tensor::empty_channels_last({2, 3, 4, 5}, DType::f32, Device::cpu);
  EXPECT_EQ(t.strides(), (Shape{60, 1, 15, 3}));
  EXPECT_TRUE(t.is_channels_last());
  EXPECT_FALSE(t.is_contiguous());
  EXPECT_TRUE(Tensor::empty_like(t).is_channels_last());
  EXPECT_FALSE(Tensor::empty({2, 3, 4, 5}).is_channels_last());
  EXPECT_FALSE(Tensor::empty_like(Tensor::empty({2, 3, 4, 5})).is_channels_last());
  EXPECT_TRUE(Tensor::empty({2, 1, 4, 5}).is_channels_last());  // one channel: both layouts
  EXPECT_FALSE(Tensor::empty({2, 3}).is_channels_last());
}

TEST(ChannelsLast, InLayoutOfCopiesOnlyWhenTheLayoutsDiffer) {
  const Tensor x = Tensor::randn({2, 3, 4, 5}, 1);
  const Tensor y = channels_last_copy(x);
  EXPECT_TRUE(y.is_channels_last());
  EXPECT_EQ(y.to_vector<float>(), x.to_vector<float>());
  EXPECT_EQ(y.in_layout_of(y).raw_data(), y.raw_data());
  EXPECT_TRUE(y.in_layout_of(x).is_contiguous());
}

// The batch-norm kernels on a channels-last x against the NCHW ones, with and without the fused
// ReLU; the channels-last sums must not depend on the thread count. The shapes: enough rows for
// the kernels to use threads, rows that fold four to a wide row, rows that cannot fold (odd).
TEST(ChannelsLast, BatchNormKernelsMatchTheContiguousOnes) {
  for (const Shape& shape : {Shape{16, 16, 16, 16}, Shape{2, 24, 3, 6}, Shape{3, 5, 7, 7}}) {
    const int64_t C = shape[1];
    const Tensor x = Tensor::randn(shape, 2) * 2.0 + 0.5, gy = Tensor::randn(shape, 3);
    const Tensor x_cl = channels_last_copy(x), gy_cl = channels_last_copy(gy);
    const Tensor gamma = Tensor::randn({C}, 4), beta = Tensor::randn({C}, 5);
    const Tensor running_var = Tensor::rand({C}, 6) + 0.5;
    for (bool relu : {false, true}) {
      SCOPED_TRACE(::testing::Message() << (relu ? "fused relu, " : "no relu, ") << C);
      auto run = [&](const Tensor& input, const Tensor& grad) {
        Tensor y = Tensor::empty_like(input), mean = Tensor::empty({C}),
               invstd = Tensor::empty({C});
        cpu::batch_norm_forward_train(input, gamma, beta, 1e-5, relu, y, mean, invstd);
        Tensor gx = Tensor::empty_like(input), gg = Tensor::empty({C}), gb = Tensor::empty({C});
        cpu::batch_norm_backward(grad, relu ? y : Tensor(), input, gamma, mean, invstd, gx, gg, gb);
        Tensor y_eval = Tensor::empty_like(input);
        cpu::batch_norm_forward_eval(input, gamma, beta, mean, running_var, 1e-5, relu, y_eval);
        return std::vector<Tensor>{y, mean, invstd, gx, gg, gb, y_eval};
      };
      const std::vector<Tensor> reference = run(x, gy), ours = run(x_cl, gy_cl);
      for (size_t i = 0; i < ours.size(); ++i) {
        EXPECT_LT(test::normalised_error(ours[i], reference[i]), 1e-5) << "output " << i;
        if (ours[i].dim() == 4) {
          EXPECT_TRUE(ours[i].is_channels_last()) << "output " << i;
        }
      }
      const int threads = omp_get_max_threads();
      omp_set_num_threads(1);
      const std::vector<Tensor> one_thread = run(x_cl, gy_cl);
      omp_set_num_threads(2);
      const std::vector<Tensor> two_threads = run(x_cl, gy_cl);
      omp_set_num_threads(threads);
      for (size_t i = 0; i < ours.size(); ++i)
        EXPECT_EQ(one_thread[i].to_vector<float>(), two_threads[i].to_vector<float>()) << i;
    }
  }
}

TEST(ChannelsLast, SumsKeepTheLayoutWhenBothOperandsHaveIt) {
  const Tensor a = Tensor::randn({2, 3, 4, 5}, 7), b = Tensor::randn({2, 3, 4, 5}, 8);
  const Tensor a_cl = channels_last_copy(a), b_cl = channels_last_copy(b);
  const Tensor both = add_relu(a_cl, b_cl), mixed = a_cl + b;
  EXPECT_TRUE(both.is_channels_last());
  EXPECT_TRUE(mixed.is_contiguous());
  EXPECT_EQ(both.to_vector<float>(), add_relu(a, b).to_vector<float>());
  EXPECT_EQ(mixed.to_vector<float>(), (a + b).to_vector<float>());
}

TEST(ChannelsLast, AveragePoolingReadsItAndHandsTheGradientBackInIt) {
  const Tensor x = Tensor::randn({3, 4, 5, 6}, 13), g = Tensor::randn({3, 4}, 14);
  Tensor x_cl = channels_last_copy(x).set_requires_grad(true);
  Tensor x_plain = x.clone().set_requires_grad(true);
  const Tensor y_cl = global_avg_pool2d(x_cl), y_plain = global_avg_pool2d(x_plain);
  EXPECT_LT(test::normalised_error(y_cl, y_plain), 1e-6);
  sum(y_cl * g).backward();
  sum(y_plain * g).backward();
  EXPECT_TRUE(x_cl.grad().is_channels_last());
  EXPECT_LT(test::normalised_error(x_cl.grad(), x_plain.grad()), 1e-6);
}

// A residual block's pattern (conv, batch norm + ReLU, conv, residual sum + ReLU, then a pooled
// head), its gradients summed where the block's input is used twice: on oneDNN's channels-last
// path against the im2col (contiguous) path.
TEST(ChannelsLast, ConvolutionChainMatchesTheContiguousPath) {
  if (!cpu::onednn_available()) GTEST_SKIP() << "this build has no oneDNN";
  auto run = [](bool onednn) {
    cpu::set_onednn_conv_enabled(onednn);
    Tensor x = Tensor::randn({4, 3, 8, 8}, 9).set_requires_grad(true);
    Tensor w1 = (Tensor::randn({8, 3, 3, 3}, 10) * 0.3).set_requires_grad(true);
    Tensor w2 = (Tensor::randn({8, 8, 3, 3}, 11) * 0.2).set_requires_grad(true);
    Tensor gamma = Tensor::ones({8}).set_requires_grad(true), beta = Tensor::zeros({8});
    const Tensor h =
        batch_norm_relu(conv2d(x, w1, Tensor(), 1, 1), gamma, beta, Tensor(), Tensor(), true);
    const Tensor y = add_relu(conv2d(h, w2, Tensor(), 1, 1), h);
    EXPECT_EQ(y.is_channels_last(), onednn);
    sum(global_avg_pool2d(y) * Tensor::randn({4, 8}, 12)).backward();
    cpu::set_onednn_conv_enabled(true);
    return std::vector<Tensor>{y, x.grad(), w1.grad(), w2.grad(), gamma.grad()};
  };
  const std::vector<Tensor> reference = run(false), ours = run(true);
  for (size_t i = 0; i < ours.size(); ++i)
    EXPECT_LT(test::normalised_error(ours[i], reference[i]), 1e-4) << "result " << i;
}

}  // namespace
}  // namespace kdup
