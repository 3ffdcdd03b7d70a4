// SGD: one and two steps against hand-computed values, parameter groups, in-place updates, and a
// small network that it trains.
#include "nn/sgd.h"

#include <cmath>

#include "test_util.h"

namespace kdup {
namespace {

using test::expect_close;
using test::expect_error;

std::vector<double> values(const Tensor& t) { return t.to_vector<double>(); }

// p = [1, 2] with the fixed gradient g = [0.5, -1] (set again before every step).
Tensor parameter() {
  Tensor p = Tensor::from_vector<double>({1, 2}, {2});
  p.set_requires_grad(true);
  return p;
}
void set_gradient(Tensor& p) { p.set_grad(Tensor::from_vector<double>({0.5, -1}, {2})); }

// Runs `steps` steps of opt on p with the fixed gradient and returns p's values after each.
std::vector<std::vector<double>> run(SGD& opt, Tensor& p, int steps) {
  std::vector<std::vector<double>> trace;
  for (int i = 0; i < steps; ++i) {
    set_gradient(p);
    opt.step();
    trace.push_back(values(p));
  }
  return trace;
}

TEST(SGD, PlainSteps) {
  Tensor p = parameter();
  SGD opt({{{p}, 0.0}}, /*lr=*/0.1);
  auto trace = run(opt, p, 2);
  expect_close(trace[0], {0.95, 2.1}, 1e-15);  // p - 0.1 g
  expect_close(trace[1], {0.90, 2.2}, 1e-15);
}

TEST(SGD, MomentumSteps) {
  Tensor p = parameter();
  SGD opt({{{p}, 0.0}}, 0.1, /*momentum=*/0.9);
  auto trace = run(opt, p, 2);
  // step 1: buf = g;                 p = [1, 2] - 0.1 g        = [0.95, 2.1]
  // step 2: buf = 0.9 g + g = 1.9 g; p = [0.95, 2.1] - 0.19 g  = [0.855, 2.29]
  expect_close(trace[0], {0.95, 2.1}, 1e-15);
  expect_close(trace[1], {0.855, 2.29}, 1e-15);
  ASSERT_EQ(opt.momentum_buffers().size(), 1u);
  expect_close(values(opt.momentum_buffers()[0]), {0.95, -1.9}, 1e-15);
}

TEST(SGD, NesterovSteps) {
  Tensor p = parameter();
  SGD opt({{{p}, 0.0}}, 0.1, 0.9, /*nesterov=*/true);
  auto trace = run(opt, p, 2);
  // step 1: buf = g;     d = g + 0.9 g = 1.9 g;        p = [1, 2] - 0.19 g       = [0.905, 2.19]
  // step 2: buf = 1.9 g; d = g + 0.9 * 1.9 g = 2.71 g; p = [0.905, 2.19] - 0.271 g =
  // [0.7695, 2.461]
  expect_close(trace[0], {0.905, 2.19}, 1e-15);
  expect_close(trace[1], {0.7695, 2.461}, 1e-15);
}

TEST(SGD, WeightDecaySteps) {
  Tensor p = parameter();
  SGD opt({{{p}, 0.1}}, 0.1, 0.9);
  auto trace = run(opt, p, 2);
  // step 1: d = g + 0.1 [1, 2] = [0.6, -0.8]; buf = d; p = [1, 2] - 0.1 d = [0.94, 2.08]
  // step 2: d = g + 0.1 [0.94, 2.08] = [0.594, -0.792]; buf = 0.9 [0.6, -0.8] + d = [1.134, -1.512]
  //         p = [0.94, 2.08] - 0.1 buf = [0.8266, 2.2312]
  expect_close(trace[0], {0.94, 2.08}, 1e-15);
  expect_close(trace[1], {0.8266, 2.2312}, 1e-14);
  // Without momentum, weight decay alone: p = [1, 2] - 0.1 [0.6, -0.8] = [0.94, 2.08].
  Tensor q = parameter();
  SGD plain({{{q}, 0.1}}, 0.1);
  expect_close(run(plain, q, 1)[0], {0.94, 2.08}, 1e-15);
}

TEST(SGD, AGroupWithoutWeightDecay) {
  Tensor decayed = parameter(), exempt = parameter();
  SGD opt({{{decayed}, 0.1}, {{exempt}, 0.0}}, 0.1, 0.9);
  for (int i = 0; i < 2; ++i) {
    set_gradient(decayed);
    set_gradient(exempt);
    opt.step();
  }
  expect_close(values(decayed), {0.8266, 2.2312}, 1e-14);  // as in WeightDecaySteps
  expect_close(values(exempt), {0.855, 2.29}, 1e-15);      // as in MomentumSteps
  EXPECT_EQ(opt.momentum_buffers().size(), 2u);
}

TEST(SGD, UpdatesInPlaceAndSkipsParametersWithoutGradient) {
  Tensor p = parameter(), frozen = parameter();
  Tensor model_handle = p;  // the model keeps its own handle to the same tensor
  const void* storage = p.raw_data();
  SGD opt({{{p, frozen}, 0.0}}, 0.1, 0.9);
  set_gradient(p);
  opt.step();
  expect_close(values(model_handle), {0.95, 2.1}, 1e-15);
  EXPECT_EQ(p.raw_data(), storage);
  EXPECT_TRUE(p.is_leaf());
  EXPECT_TRUE(p.requires_grad());
  expect_close(values(frozen), {1, 2}, 0);
  EXPECT_TRUE(opt.momentum_buffers()[0].defined());
  EXPECT_FALSE(opt.momentum_buffers()[1].defined());
  // The buffer is not an alias of the gradient.
  EXPECT_NE(opt.momentum_buffers()[0].raw_data(), p.grad().raw_data());
}

TEST(SGD, ZeroGradAndLearningRate) {
  Tensor p = parameter();
  SGD opt({{{p}, 0.0}}, 0.1);
  set_gradient(p);
  opt.zero_grad();
  EXPECT_FALSE(p.grad().defined());
  opt.step();  // nothing to do
  expect_close(values(p), {1, 2}, 0);
  opt.set_lr(0.5);
  EXPECT_EQ(opt.lr(), 0.5);
  set_gradient(p);
  opt.step();
  expect_close(values(p), {0.75, 2.5}, 1e-15);
}

TEST(SGD, RestoredMomentumBuffersAreUsed) {
  Tensor p = parameter();
  SGD opt({{{p}, 0.0}}, 0.1, 0.9);
  opt.momentum_buffers()[0] = Tensor::from_vector<double>({1, 1}, {2});
  set_gradient(p);
  opt.step();
  // buf = 0.9 [1, 1] + [0.5, -1] = [1.4, -0.1]; p = [1, 2] - 0.1 buf = [0.86, 2.01]
  expect_close(values(p), {0.86, 2.01}, 1e-15);
}

TEST(SGD, Float32Parameters) {
  Tensor p = Tensor::from_vector<float>({1, 2}, {2});
  p.set_requires_grad(true);
  SGD opt({{{p}, 0.0}}, 0.1, 0.9);
  p.set_grad(Tensor::from_vector<float>({0.5f, -1}, {2}));
  opt.step();
  EXPECT_EQ(p.dtype(), DType::f32);
  expect_close(values(p), {0.95, 2.1}, 1e-6);
}

TEST(SGD, BadSettingsAreErrors) {
  Tensor p = parameter();
  expect_error([&] { SGD({{{p}, 0.0}}, -0.1); }, {"SGD", "learning rate"});
  expect_error([&] { SGD({{{p}, 0.0}}, 0.1, 0.0, true); }, {"SGD", "Nesterov"});
  expect_error([&] { SGD({{{p}, -1.0}}, 0.1); }, {"SGD", "weight decay"});
  expect_error([&] { SGD({{{p * 2.0}, 0.0}}, 0.1); }, {"SGD", "leaf"});
  SGD opt({{{p}, 0.0}}, 0.1);
  p.set_grad(Tensor::ones({3}, DType::f64));
  expect_error([&] { opt.step(); }, {"SGD", "[3]", "[2]"});
}

// ---- training a small network
// --------------------------------------------------------------------

// A float32 leaf with He-initialised normal values (std = sqrt(2 / fan_in)).
Tensor weight(const Shape& shape, uint64_t seed, int64_t fan_in) {
  Tensor w = Tensor::randn(shape, seed) * std::sqrt(2.0 / static_cast<double>(fan_in));
  w.set_requires_grad(true);
  return w;
}

TEST(SGD, TrainsASmallNetwork) {
  // Targets y = sin(2 x0) + x0 x1 - |x1| / 2 on 128 fixed points; the net is 2 -> 16 -> 1.
  const int64_t n = 128;
  Tensor x = Tensor::rand({n, 2}, 100) * 4.0 - 2.0;
  std::vector<float> xv = x.to_vector<float>(), yv(n);
  for (int64_t i = 0; i < n; ++i) {
    const float a = xv[2 * i], b = xv[2 * i + 1];
    yv[i] = std::sin(2 * a) + a * b - std::abs(b) / 2;
  }
  Tensor y = Tensor::from_vector(yv, {n, 1});

  Tensor w1 = weight({16, 2}, 101, 2), w2 = weight({1, 16}, 102, 16);
  Tensor b1 = Tensor::zeros({16}).set_requires_grad(true);
  Tensor b2 = Tensor::zeros({1}).set_requires_grad(true);
  SGD opt({{{w1, w2}, 1e-4}, {{b1, b2}, 0.0}}, /*lr=*/0.05, /*momentum=*/0.9);
  auto loss_of = [&] {
    Tensor prediction = linear(relu(linear(x, w1, b1)), w2, b2);
    Tensor error = prediction - y;
    return mean(error * error);
  };

  const double initial = loss_of().item();
  for (int step = 0; step < 400; ++step) {
    opt.zero_grad();
    loss_of().backward();
    opt.step();
  }
  const double final_loss = loss_of().item();
  // The loss falls from about 2.7 to below 0.01 (a factor of about 350).
  EXPECT_TRUE(std::isfinite(final_loss));
  EXPECT_LT(final_loss, 0.02 * initial) << "initial " << initial << ", final " << final_loss;
}

}  // namespace
}  // namespace kdup
