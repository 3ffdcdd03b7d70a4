// matmul and linear: values against a naive product, gradients, transposed views as operands.
#include "test_util.h"

namespace kdup {
namespace {

using test::expect_close;
using test::expect_gradients_match;
using test::leaf;

// The textbook triple loop over row-major [m, k] and [k, n].
std::vector<double> naive_matmul(const std::vector<double>& a, const std::vector<double>& b,
                                 int64_t m, int64_t k, int64_t n) {
  std::vector<double> c(m * n, 0.0);
  for (int64_t i = 0; i < m; ++i)
    for (int64_t j = 0; j < n; ++j)
      for (int64_t p = 0; p < k; ++p) c[i * n + j] += a[i * k + p] * b[p * n + j];
  return c;
}

TEST(Matmul, HandComputedValues) {
  Tensor a = Tensor::from_vector<double>({1, 2, 3, 4, 5, 6}, {2, 3});
  Tensor b = Tensor::from_vector<double>({7, 8, 9, 10, 11, 12}, {3, 2});
  Tensor c = matmul(a, b);
  EXPECT_EQ(c.shape(), (Shape{2, 2}));
  expect_close(c.to_vector<double>(), {58, 64, 139, 154}, 0);
  Tensor c32 = matmul(a.to(DType::f32), b.to(DType::f32));
  EXPECT_EQ(c32.dtype(), DType::f32);
  expect_close(c32.to_vector<double>(), {58, 64, 139, 154}, 0);
}

TEST(Matmul, TransposedViewsAsOperands) {
  Tensor a = Tensor::randn({5, 3}, 1, DType::f64), b = Tensor::randn({4, 5}, 2, DType::f64);
  std::vector<double> at = a.t().contiguous().to_vector<double>();
  std::vector<double> bt = b.t().contiguous().to_vector<double>();
  std::vector<double> av = a.to_vector<double>(), bv = b.to_vector<double>();
  // a^T [3, 5] @ b^T [5, 4]
  expect_close(matmul(a.t(), b.t()).to_vector<double>(), naive_matmul(at, bt, 3, 5, 4), 1e-12);
  // a^T [3, 5] @ a [5, 3]
  expect_close(matmul(a.t(), a).to_vector<double>(), naive_matmul(at, av, 3, 5, 3), 1e-12);
  // b [4, 5] @ b^T [5, 4]
  expect_close(matmul(b, b.t()).to_vector<double>(), naive_matmul(bv, bt, 4, 5, 4), 1e-12);
  // A column slice is neither contiguous nor a transposed matrix: it is copied.
  Tensor s = b.slice(1, 1, 4);  // [4, 3]
  expect_close(matmul(s, a.t()).to_vector<double>(),
               naive_matmul(s.contiguous().to_vector<double>(), at, 4, 3, 5), 1e-12);
}

TEST(Matmul, EmptyInnerDimensionGivesZeros) {
  Tensor c = matmul(Tensor::zeros({2, 0}, DType::f64), Tensor::zeros({0, 3}, DType::f64));
  EXPECT_EQ(c.shape(), (Shape{2, 3}));
  expect_close(c.to_vector<double>(), std::vector<double>(6, 0.0), 0);
  EXPECT_EQ(matmul(Tensor::zeros({0, 4}), Tensor::zeros({4, 3})).shape(), (Shape{0, 3}));
}

TEST(Matmul, Gradients) {
  Tensor a = leaf({3, 4}, 3), b = leaf({4, 2}, 4);
  expect_gradients_match([](const std::vector<Tensor>& in) { return matmul(in[0], in[1]); },
                         {a, b});
}

TEST(Matmul, GradientsThroughTransposedOperands) {
  Tensor a = leaf({4, 3}, 5), b = leaf({2, 4}, 6);
  expect_gradients_match([](const std::vector<Tensor>& in) { return matmul(in[0].t(), in[1].t()); },
                         {a, b});
  Tensor c = leaf({4, 3}, 7);
  expect_gradients_match([](const std::vector<Tensor>& in) { return matmul(in[0].t(), in[0]); },
                         {c});
  expect_gradients_match([](const std::vector<Tensor>& in) { return matmul(in[0], in[0].t()); },
                         {c});
}

TEST(Linear, ValuesWithAndWithoutBias) {
  Tensor x = Tensor::from_vector<double>({1, 2, 3, 4}, {2, 2});
  Tensor w = Tensor::from_vector<double>({1, 0, 0, 1, 1, 1}, {3, 2});  // out = 3, in = 2
  Tensor b = Tensor::from_vector<double>({10, 20, 30}, {3});
  expect_close(linear(x, w).to_vector<double>(), {1, 2, 3, 3, 4, 7}, 0);
  expect_close(linear(x, w, b).to_vector<double>(), {11, 22, 33, 13, 24, 37}, 0);
  EXPECT_EQ(linear(x, w, b).shape(), (Shape{2, 3}));
}

TEST(Linear, Gradients) {
  Tensor x = leaf({5, 3}, 8), w = leaf({4, 3}, 9), b = leaf({4}, 10);
  expect_gradients_match([](const std::vector<Tensor>& in) { return linear(in[0], in[1], in[2]); },
                         {x, w, b});
  expect_gradients_match([](const std::vector<Tensor>& in) { return linear(in[0], in[1]); },
                         {x, w});
}

}  // namespace
}  // namespace kdup
