// l2_normalize and cosine_similarity_matrix: values and gradients.
#include <cmath>

#include "test_util.h"

namespace kdup {
namespace {

using test::leaf;

TEST(Similarity, NormalizeGivesUnitRows) {
  Tensor x = Tensor::from_vector<double>({3, 4, 0, 0, 0, 2}, {2, 3});
  test::expect_close(l2_normalize(x).to_vector<double>(), {0.6, 0.8, 0, 0, 0, 1}, 1e-12);
  // Along dim 0: columns have norms 3, 4, 2.
  test::expect_close(l2_normalize(x, 0).to_vector<double>(), {1, 1, 0, 0, 0, 1}, 1e-12);
}

TEST(Similarity, NormalizeOfZeroIsZeroWithFiniteGradient) {
  Tensor x = Tensor::zeros({1, 3}, DType::f64);
  x.set_requires_grad(true);
  Tensor y = l2_normalize(x);
  test::expect_close(y.to_vector<double>(), {0, 0, 0}, 0);
  sum(y).backward();
  for (double g : x.grad().to_vector<double>()) EXPECT_TRUE(std::isfinite(g)) << g;
}

TEST(Similarity, CosineOfAVectorWithItselfIsOne) {
  Tensor a = Tensor::randn({4, 6}, 41, DType::f64);
  std::vector<double> s = cosine_similarity_matrix(a, a).to_vector<double>();
  for (int i = 0; i < 4; ++i) EXPECT_NEAR(s[i * 4 + i], 1.0, 1e-12) << "row " << i;
  for (double v : s) EXPECT_LE(std::abs(v), 1.0 + 1e-12);
}

TEST(Similarity, CosineMatchesAHandComputation) {
  Tensor a = Tensor::from_vector<double>({1, 0, 1, 1}, {2, 2});
  Tensor b = Tensor::from_vector<double>({0, 2, -3, 0, 1, 1}, {3, 2});
  const double r = 1 / std::sqrt(2.0);
  test::expect_close(cosine_similarity_matrix(a, b).to_vector<double>(), {0, -1, r, r, -r, 1},
                     1e-12);
}

TEST(Similarity, NormalizeGradient) {
  test::expect_gradients_match([](const std::vector<Tensor>& in) { return l2_normalize(in[0]); },
                               {leaf({3, 4}, 42)});
  test::expect_gradients_match(
      [](const std::vector<Tensor>& in) { return l2_normalize(in[0], 0); }, {leaf({3, 4}, 43)});
}

TEST(Similarity, CosineGradientBothInputs) {
  test::expect_gradients_match(
      [](const std::vector<Tensor>& in) { return cosine_similarity_matrix(in[0], in[1]); },
      {leaf({3, 4}, 44), leaf({2, 4}, 45)});
}

TEST(Similarity, RejectsMismatchedFeatures) {
  test::expect_error([] { cosine_similarity_matrix(Tensor::zeros({2, 3}), Tensor::zeros({2, 4})); },
                     {"cosine_similarity_matrix", "[2, 3]", "[2, 4]"});
}

}  // namespace
}  // namespace kdup
