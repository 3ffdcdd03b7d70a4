// batch_norm: hand-computed statistics and running-stat updates, gradients in training and
// evaluation for [N, C] and [N, C, H, W], and errors.
#include <cmath>
#include <vector>

#include "test_util.h"

namespace kdup {
namespace {

using test::leaf;

Tensor vec(const std::vector<double>& values, const Shape& shape) {
  return Tensor::from_vector<double>(values, shape);
}

TEST(BatchNorm, TrainingForward1dAndRunningStats) {
  // Channel 0: 1, 2, 3, 4 -> mean 2.5, biased var 1.25, unbiased var 5/3.
  // Channel 1: 0, 0, 2, 2 -> mean 1, biased var 1, unbiased var 4/3.
  Tensor x = vec({1, 0, 2, 0, 3, 2, 4, 2}, {4, 2});
  Tensor gamma = vec({2, 1}, {2}), beta = vec({0.5, -1}, {2});
  Tensor running_mean = Tensor::zeros({2}, DType::f64), running_var = Tensor::ones({2}, DType::f64);
  const double eps = 1e-5;
  Tensor y = batch_norm(x, gamma, beta, running_mean, running_var, true, 0.1, eps);
  const double s0 = 1 / std::sqrt(1.25 + eps), s1 = 1 / std::sqrt(1.0 + eps);
  test::expect_close(y.to_vector<double>(),
                     {2 * (1 - 2.5) * s0 + 0.5, (0 - 1) * s1 - 1, 2 * (2 - 2.5) * s0 + 0.5,
                      (0 - 1) * s1 - 1, 2 * (3 - 2.5) * s0 + 0.5, (2 - 1) * s1 - 1,
                      2 * (4 - 2.5) * s0 + 0.5, (2 - 1) * s1 - 1},
                     1e-12, "y");
  // running = 0.9 * running + 0.1 * batch statistic (unbiased variance).
  test::expect_close(running_mean.to_vector<double>(), {0.25, 0.1}, 1e-12, "running_mean");
  test::expect_close(running_var.to_vector<double>(),
                     {0.9 + 0.1 * 5.0 / 3.0, 0.9 + 0.1 * 4.0 / 3.0}, 1e-10, "running_var");
}

TEST(BatchNorm, TrainingForward2dAndRunningStats) {
  // One channel holding 1..8: mean 4.5, biased var 5.25, unbiased var 6.
  std::vector<double> values{1, 2, 3, 4, 5, 6, 7, 8};
  Tensor x = vec(values, {2, 1, 2, 2});
  Tensor running_mean = Tensor::zeros({1}, DType::f64), running_var = Tensor::ones({1}, DType::f64);
  Tensor y = batch_norm(x, vec({1}, {1}), vec({0}, {1}), running_mean, running_var, true, 0.1);
  std::vector<double> expected;
  for (double v : values) expected.push_back((v - 4.5) / std::sqrt(5.25 + 1e-5));
  test::expect_close(y.to_vector<double>(), expected, 1e-12, "y");
  test::expect_close(running_mean.to_vector<double>(), {0.45}, 1e-12, "running_mean");
  test::expect_close(running_var.to_vector<double>(), {1.5}, 1e-10, "running_var");
  // A second step with momentum 0.5 blends again: 0.5 * 0.45 + 0.5 * 4.5, 0.5 * 1.5 + 0.5 * 6.
  batch_norm(x, vec({1}, {1}), vec({0}, {1}), running_mean, running_var, true, 0.5);
  test::expect_close(running_mean.to_vector<double>(), {2.475}, 1e-12, "running_mean, step 2");
  test::expect_close(running_var.to_vector<double>(), {3.75}, 1e-10, "running_var, step 2");
}

TEST(BatchNorm, TrainingWithoutRunningStats) {
  Tensor x = vec({1, 2, 3, 4, 5, 6, 7, 8}, {2, 1, 2, 2});
  Tensor y = batch_norm(x, vec({1}, {1}), vec({0}, {1}), Tensor(), Tensor(), true);
  EXPECT_NEAR(sum(y).item(), 0.0, 1e-12);
}

TEST(BatchNorm, EvalForwardUsesRunningStatsAndLeavesThemAlone) {
  Tensor x = vec({1, 0, 2, 4, 3, -2}, {3, 2});
  Tensor gamma = vec({2, 1}, {2}), beta = vec({0.5, -1}, {2});
  Tensor running_mean = vec({1, 2}, {2}), running_var = vec({4, 0.25}, {2});
  const double eps = 1e-5;
  Tensor y = batch_norm(x, gamma, beta, running_mean, running_var, false, 0.1, eps);
  const double s0 = 2 / std::sqrt(4 + eps), s1 = 1 / std::sqrt(0.25 + eps);
  test::expect_close(y.to_vector<double>(),
                     {(1 - 1) * s0 + 0.5, (0 - 2) * s1 - 1, (2 - 1) * s0 + 0.5, (4 - 2) * s1 - 1,
                      (3 - 1) * s0 + 0.5, (-2 - 2) * s1 - 1},
                     1e-12, "y");
  test::expect_close(running_mean.to_vector<double>(), {1, 2}, 0, "running_mean");
  test::expect_close(running_var.to_vector<double>(), {4, 0.25}, 0, "running_var");
}

TEST(BatchNorm, Float32MatchesFloat64) {
  // Values far from zero: float32 statistics must still be accurate (double accumulation).
  // Large enough for the parallel per-channel loops.
  Tensor x64 = Tensor::randn({16, 3, 30, 30}, 5, DType::f64) * 0.5 + 1000.0;
  Tensor g64 = vec({1, 2, 0.5}, {3}), b64 = vec({0, 1, -1}, {3});
  Tensor rm32 = Tensor::zeros({3}), rv32 = Tensor::ones({3});
  Tensor rm64 = Tensor::zeros({3}, DType::f64), rv64 = Tensor::ones({3}, DType::f64);
  NoGradGuard no_grad;
  Tensor y32 = batch_norm(x64.to(DType::f32), g64.to(DType::f32), b64.to(DType::f32), rm32, rv32,
                          true);
  Tensor y64 = batch_norm(x64, g64, b64, rm64, rv64, true);
  test::expect_close(y32.to_vector<double>(), y64.to_vector<double>(), 2e-3, "y");
  test::expect_close(rm32.to_vector<double>(), rm64.to_vector<double>(), 1e-6, "running_mean");
  test::expect_close(rv32.to_vector<double>(), rv64.to_vector<double>(), 1e-3, "running_var");
}

struct BatchNormCase {
  Shape x_shape;
  bool training;
};

TEST(BatchNorm, GradientsOfInputGammaAndBeta) {
  const std::vector<BatchNormCase> cases = {
      {{5, 3}, true}, {{3, 2, 2, 3}, true}, {{5, 3}, false}, {{3, 2, 2, 3}, false}};
  uint64_t seed = 100;
  for (const BatchNormCase& c : cases) {
    SCOPED_TRACE(shape_str(c.x_shape) + (c.training ? " training" : " eval"));
    const int64_t channels = c.x_shape[1];
    Tensor running_mean = Tensor::randn({channels}, seed++, DType::f64);
    Tensor running_var = Tensor::rand({channels}, seed++, DType::f64) + 0.5;
    const bool training = c.training;
    test::expect_gradients_match(
        [=](const std::vector<Tensor>& in) {
          return batch_norm(in[0], in[1], in[2], running_mean, running_var, training);
        },
        {leaf(c.x_shape, seed, 2.0, 1.0), leaf({channels}, seed + 1, 1.0, 1.0),
         leaf({channels}, seed + 2)});
    seed += 3;
  }
}

TEST(BatchNorm, GradientOfInputOnly) {
  Tensor gamma = vec({1.5, -0.5}, {2}), beta = vec({0.1, 0.2}, {2});
  test::expect_gradients_match(
      [=](const std::vector<Tensor>& in) {
        return batch_norm(in[0], gamma, beta, Tensor(), Tensor(), true);
      },
      {leaf({4, 2, 3, 2}, 120)});
}

TEST(BatchNormRelu, GradientsOfInputGammaAndBeta) {
  for (bool training : {true, false}) {
    SCOPED_TRACE(training ? "training" : "eval");
    Tensor running_mean = Tensor::randn({3}, 140, DType::f64);
    Tensor running_var = Tensor::rand({3}, 141, DType::f64) + 0.5;
    test::expect_gradients_match(
        [=](const std::vector<Tensor>& in) {
          return batch_norm_relu(in[0], in[1], in[2], running_mean, running_var, training);
        },
        {leaf({3, 3, 2, 3}, 142, 2.0, 1.0), leaf({3}, 143, 1.0, 1.0), leaf({3}, 144)});
  }
}

// The fused op against the composition it replaces: the same outputs, running statistics and
// gradients, bit for bit (the same arithmetic, the mask applied where the ReLU would apply it).
TEST(BatchNormRelu, EqualsReluOfBatchNormExactly) {
  for (bool training : {true, false}) {
    SCOPED_TRACE(training ? "training" : "eval");
    const Tensor x0 = Tensor::randn({4, 5, 3, 3}, 150), gy = Tensor::randn({4, 5, 3, 3}, 151);
    const Tensor gamma0 = Tensor::randn({5}, 152), beta0 = Tensor::randn({5}, 153);
    std::vector<std::vector<float>> results[2];
    for (int fused = 0; fused < 2; ++fused) {
      Tensor x = x0.clone().set_requires_grad(true), gamma = gamma0.clone().set_requires_grad(true);
      Tensor beta = beta0.clone().set_requires_grad(true);
      Tensor running_mean = Tensor::zeros({5}), running_var = Tensor::ones({5});
      Tensor y = fused ? batch_norm_relu(x, gamma, beta, running_mean, running_var, training)
                       : relu(batch_norm(x, gamma, beta, running_mean, running_var, training));
      sum(y * gy).backward();
      for (const Tensor& t : {y, x.grad(), gamma.grad(), beta.grad(), running_mean, running_var})
        results[fused].push_back(t.to_vector<float>());
    }
    EXPECT_EQ(results[1], results[0]);
  }
}

TEST(BatchNorm, RejectsBadArguments) {
  Tensor x = leaf({4, 3, 2, 2}, 130), gamma = leaf({3}, 131), beta = leaf({3}, 132);
  Tensor rm = Tensor::zeros({3}, DType::f64), rv = Tensor::ones({3}, DType::f64);
  test::expect_error([&] { batch_norm(leaf({4, 3, 2}, 133), gamma, beta, rm, rv, true); },
                     {"batch_norm", "[4, 3, 2]"});
  test::expect_error([&] { batch_norm(x, leaf({4}, 134), beta, rm, rv, true); },
                     {"batch_norm", "gamma", "[4]", "[4, 3, 2, 2]"});
  test::expect_error([&] { batch_norm(x, gamma, leaf({2}, 135), rm, rv, true); },
                     {"batch_norm", "beta", "[2]", "[4, 3, 2, 2]"});
  test::expect_error([&] { batch_norm(x, gamma, beta, rm, Tensor::ones({5}, DType::f64), true); },
                     {"batch_norm", "running_var", "[5]", "[4, 3, 2, 2]"});
  test::expect_error([&] { batch_norm(x, gamma, beta, rm, Tensor(), true); },
                     {"batch_norm", "running_mean", "running_var"});
  test::expect_error([&] { batch_norm(x, gamma.detach().to(DType::f32), beta, rm, rv, true); },
                     {"batch_norm", "dtypes differ", "float32"});
  test::expect_error([&] { batch_norm(x, gamma, beta, Tensor(), Tensor(), false); },
                     {"batch_norm", "evaluation", "running_mean", "[4, 3, 2, 2]"});
  test::expect_error([&] { batch_norm(leaf({1, 3}, 136), gamma, beta, rm, rv, true); },
                     {"batch_norm", "more than one value", "[1, 3]"});
  test::expect_error([&] { batch_norm(x, gamma, beta, rm, rv, true, 1.5); },
                     {"batch_norm", "momentum"});
}

TEST(BatchNorm, RejectsTensorsOnDifferentDevices) {
  if (!cuda_available()) GTEST_SKIP() << "needs a CUDA device";
  Tensor x = Tensor::zeros({4, 3}, DType::f64);
  Tensor gamma = Tensor::ones({3}, DType::f64, Device::cuda), beta = Tensor::zeros({3}, DType::f64);
  test::expect_error([&] { batch_norm(x, gamma, beta, Tensor(), Tensor(), true); },
                     {"batch_norm", "different devices", "[4, 3]"});
}

}  // namespace
}  // namespace kdup
