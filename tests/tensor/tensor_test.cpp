// Tensors: factories, seeded random draws, views, host access, and gradients through views and
// conversions.
#include <cmath>
#include <numeric>

#include "ops/dispatch.h"
#include "test_util.h"

namespace kdup {
namespace {

using test::expect_close;
using test::expect_gradients_match;
using test::leaf;

std::vector<double> values(const Tensor& t) { return t.to_vector<double>(); }

TEST(TensorFactory, ZerosOnesFull) {
  Tensor z = Tensor::zeros({2, 3});
  EXPECT_EQ(z.shape(), (Shape{2, 3}));
  EXPECT_EQ(z.dtype(), DType::f32);
  EXPECT_EQ(z.device(), Device::cpu);
  EXPECT_EQ(z.numel(), 6);
  EXPECT_EQ(z.dim(), 2);
  EXPECT_TRUE(z.is_contiguous());
  EXPECT_FALSE(z.requires_grad());
  EXPECT_EQ(values(z), std::vector<double>(6, 0.0));
  EXPECT_EQ(values(Tensor::ones({4}, DType::f64)), std::vector<double>(4, 1.0));
  Tensor f = Tensor::full({2, 2}, 2.5, DType::f64);
  EXPECT_EQ(f.dtype(), DType::f64);
  EXPECT_EQ(values(f), std::vector<double>(4, 2.5));
  EXPECT_EQ(Tensor::full({3}, 7, DType::i64).to_vector<int64_t>(), (std::vector<int64_t>{7, 7, 7}));
  Tensor s = Tensor::full({}, 4.0);
  EXPECT_EQ(s.dim(), 0);
  EXPECT_EQ(s.numel(), 1);
  EXPECT_EQ(s.item(), 4.0);
  EXPECT_EQ(Tensor::zeros({0, 3}).numel(), 0);
}

TEST(TensorFactory, ArangeAndFromVector) {
  EXPECT_EQ(Tensor::arange(5).to_vector<int64_t>(), (std::vector<int64_t>{0, 1, 2, 3, 4}));
  EXPECT_EQ(Tensor::arange(5).dtype(), DType::i64);
  EXPECT_EQ(values(Tensor::arange(3, DType::f32)), (std::vector<double>{0, 1, 2}));
  Tensor v = Tensor::from_vector<float>({1.5f, -2, 3, 4, 5, 6}, {3, 2});
  EXPECT_EQ(v.dtype(), DType::f32);
  EXPECT_EQ(v.shape(), (Shape{3, 2}));
  EXPECT_EQ(v.to_vector<float>(), (std::vector<float>{1.5f, -2, 3, 4, 5, 6}));
  EXPECT_EQ(Tensor::from_vector<uint8_t>({1, 255}, {2}).dtype(), DType::u8);
  EXPECT_EQ(Tensor::from_vector<int64_t>({-3}, {}).item(), -3);
  EXPECT_THROW(Tensor::from_vector<double>({1, 2, 3}, {2, 2}), Error);
}

TEST(TensorRandom, ReproducibleFromTheSeed) {
  EXPECT_EQ(Tensor::randn({100}, 7).to_vector<float>(), Tensor::randn({100}, 7).to_vector<float>());
  EXPECT_EQ(Tensor::rand({100}, 7).to_vector<float>(), Tensor::rand({100}, 7).to_vector<float>());
  EXPECT_NE(Tensor::randn({100}, 7).to_vector<float>(), Tensor::randn({100}, 8).to_vector<float>());
  EXPECT_NE(Tensor::rand({100}, 7).to_vector<float>(), Tensor::rand({100}, 8).to_vector<float>());
  // The shape does not change the draw of element i; float32 is float64 rounded.
  std::vector<double> flat = values(Tensor::randn({12}, 9, DType::f64));
  EXPECT_EQ(values(Tensor::randn({3, 4}, 9, DType::f64)), flat);
  expect_close(values(Tensor::randn({12}, 9, DType::f32)), flat, 1e-6);
}

void expect_moments(const std::vector<double>& v, double mean, double stddev, double tol) {
  const double n = static_cast<double>(v.size());
  const double m = std::accumulate(v.begin(), v.end(), 0.0) / n;
  double var = 0;
  for (double x : v) var += (x - m) * (x - m);
  EXPECT_NEAR(m, mean, tol);
  EXPECT_NEAR(std::sqrt(var / n), stddev, tol);
}

TEST(TensorRandom, RoughlyRightMoments) {
  std::vector<double> normal = values(Tensor::randn({20000}, 11, DType::f64));
  expect_moments(normal, 0.0, 1.0, 0.03);
  std::vector<double> uniform = values(Tensor::rand({20000}, 12, DType::f64));
  expect_moments(uniform, 0.5, std::sqrt(1.0 / 12.0), 0.01);
  for (double u : uniform) {
    ASSERT_GE(u, 0.0);
    ASSERT_LT(u, 1.0);
  }
  EXPECT_THROW(Tensor::randn({2}, 1, DType::i64), Error);
}

TEST(TensorView, ReshapeAndFlatten) {
  Tensor x = Tensor::arange(24, DType::f64);
  Tensor r = x.reshape({2, -1, 4});
  EXPECT_EQ(r.shape(), (Shape{2, 3, 4}));
  EXPECT_EQ(r.raw_data(), x.raw_data());  // a view of contiguous data
  EXPECT_EQ(values(r), values(x));
  EXPECT_EQ(r.flatten().shape(), (Shape{24}));
  EXPECT_EQ(r.flatten(1).shape(), (Shape{2, 12}));
  EXPECT_EQ(r.flatten(-1).shape(), (Shape{2, 3, 4}));
  EXPECT_EQ(x.reshape({-1, 6}).shape(), (Shape{4, 6}));
  EXPECT_THROW(x.reshape({5, -1}), Error);
  EXPECT_THROW(x.reshape({-1, -1}), Error);
  EXPECT_THROW(x.reshape({2, 3}), Error);
}

TEST(TensorView, TransposeSliceContiguous) {
  Tensor x = Tensor::arange(6, DType::f64).reshape({2, 3});  // [[0, 1, 2], [3, 4, 5]]
  Tensor t = x.t();
  EXPECT_EQ(t.shape(), (Shape{3, 2}));
  EXPECT_FALSE(t.is_contiguous());
  EXPECT_EQ(t.raw_data(), x.raw_data());
  EXPECT_EQ(values(t), (std::vector<double>{0, 3, 1, 4, 2, 5}));
  Tensor c = t.contiguous();
  EXPECT_TRUE(c.is_contiguous());
  EXPECT_EQ(values(c), (std::vector<double>{0, 3, 1, 4, 2, 5}));
  EXPECT_EQ(x.contiguous().raw_data(), x.raw_data());  // already contiguous: no copy
  EXPECT_EQ(values(x.slice(1, 1, 3)), (std::vector<double>{1, 2, 4, 5}));
  EXPECT_EQ(values(x.slice(0, 1, 2)), (std::vector<double>{3, 4, 5}));
  EXPECT_EQ(values(x.slice(-1, 0, 1)), (std::vector<double>{0, 3}));
  EXPECT_EQ(x.slice(1, 2, 2).numel(), 0);
  // Reshaping a non-contiguous view copies.
  EXPECT_EQ(values(t.reshape({6})), (std::vector<double>{0, 3, 1, 4, 2, 5}));
  Tensor y = Tensor::arange(24, DType::f64).reshape({2, 3, 4});
  EXPECT_EQ(y.transpose(0, 2).shape(), (Shape{4, 3, 2}));
  EXPECT_EQ(y.transpose(-1, 1).shape(), (Shape{2, 4, 3}));
  EXPECT_EQ(values(y.transpose(0, 2).slice(0, 1, 2).slice(1, 2, 3)), (std::vector<double>{9, 21}));
}

TEST(TensorView, ViewsShareData) {
  Tensor x = Tensor::zeros({2, 3}, DType::f64);
  Tensor column = x.slice(1, 1, 2);
  Tensor source = Tensor::ones({2, 1}, DType::f64);
  KDUP_DISPATCH(column.device(), copy, source, column);
  EXPECT_EQ(values(x), (std::vector<double>{0, 1, 0, 0, 1, 0}));
}

TEST(TensorConvert, DtypesAndClone) {
  Tensor x = Tensor::from_vector<double>({1.75, -2.5, 3.0}, {3});
  EXPECT_EQ(x.to(DType::f32).to_vector<float>(), (std::vector<float>{1.75f, -2.5f, 3.0f}));
  EXPECT_EQ(x.to(DType::i64).to_vector<int64_t>(), (std::vector<int64_t>{1, -2, 3}));
  EXPECT_TRUE(x.to(DType::f64).is_same(x));
  EXPECT_TRUE(x.to(Device::cpu).is_same(x));
  Tensor c = x.clone();
  EXPECT_NE(c.raw_data(), x.raw_data());
  EXPECT_EQ(values(c), values(x));
}

TEST(TensorAccess, ToVectorAndItem) {
  Tensor x = Tensor::from_vector<double>({1, 2, 3, 4}, {2, 2});
  EXPECT_EQ(x.to_vector<float>(), (std::vector<float>{1, 2, 3, 4}));
  EXPECT_EQ(x.t().to_vector<int64_t>(), (std::vector<int64_t>{1, 3, 2, 4}));  // row-major order
  EXPECT_EQ(x.slice(0, 1, 2).slice(1, 0, 1).item(), 3.0);
  EXPECT_EQ(sum(x).item(), 10.0);
  EXPECT_THROW(x.item(), Error);
}

TEST(TensorAutograd, GradientsThroughViewsAndConversions) {
  Tensor x = leaf({2, 3, 4}, 1);
  expect_gradients_match([](const std::vector<Tensor>& in) { return in[0].reshape({4, -1}); }, {x});
  expect_gradients_match([](const std::vector<Tensor>& in) { return in[0].flatten(1); }, {x});
  expect_gradients_match([](const std::vector<Tensor>& in) { return in[0].transpose(0, 2); }, {x});
  expect_gradients_match([](const std::vector<Tensor>& in) { return in[0].slice(1, 1, 3); }, {x});
  expect_gradients_match([](const std::vector<Tensor>& in) { return in[0].slice(-1, 0, 2) * 3.0; },
                         {x});
  expect_gradients_match(
      [](const std::vector<Tensor>& in) {
        return in[0].transpose(1, 2).reshape({2, 12});
      },
      {x});
  expect_gradients_match(
      [](const std::vector<Tensor>& in) {
        return in[0].transpose(0, 1).contiguous() * in[0].transpose(0, 1);
      },
      {x});
  expect_gradients_match([](const std::vector<Tensor>& in) { return in[0].clone(); }, {x});
  // Through float32 and back: the round trip is exact in the gradient, lossy in the value, so the
  // float32 result is scaled back to float64 only for the comparison.
  GradcheckOptions loose;
  loose.eps = 1e-2;
  loose.tol = 1e-4;
  expect_gradients_match(
      [](const std::vector<Tensor>& in) { return in[0].to(DType::f32).to(DType::f64) * 2.0; }, {x},
      0, loose);
}

TEST(TensorAutograd, ToDtypeCarriesTheGradientBack) {
  Tensor x = leaf({3}, 2);
  Tensor y = x.to(DType::f32) * 2.0;
  EXPECT_TRUE(y.requires_grad());
  sum(y).backward();
  EXPECT_EQ(x.grad().dtype(), DType::f64);
  EXPECT_EQ(values(x.grad()), (std::vector<double>{2, 2, 2}));
  EXPECT_FALSE(x.to(DType::i64).requires_grad());  // integers carry no gradient
}

TEST(TensorAutograd, DetachCutsTheGraph) {
  Tensor x = leaf({3}, 3);
  Tensor d = (x * 2.0).detach();
  EXPECT_FALSE(d.requires_grad());
  EXPECT_TRUE(d.is_leaf());
  // d's contribution carries no gradient: only the direct path reaches x.
  Tensor loss = sum(x * 3.0 + d * x.detach());
  loss.backward();
  EXPECT_EQ(values(x.grad()), (std::vector<double>{3, 3, 3}));
  // The detached tensor shares the data.
  Tensor e = x.detach();
  EXPECT_EQ(e.raw_data(), x.raw_data());
  EXPECT_THROW(sum(d).backward(), Error);  // no graph to run
}

TEST(TensorAutograd, RequiresGradOnlyOnFloatingLeaves) {
  Tensor i = Tensor::arange(3);
  EXPECT_THROW(i.set_requires_grad(true), Error);
  Tensor x = leaf({2}, 4);
  Tensor y = x * 2.0;
  EXPECT_FALSE(y.is_leaf());
  EXPECT_THROW(y.set_requires_grad(false), Error);
}

}  // namespace
}  // namespace kdup
