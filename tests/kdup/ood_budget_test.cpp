// Cluster tailness and OOD budgets (METHOD.md §1.4): z-score, softmax, largest remainder.
#include <numeric>
#include <random>

#include "kdup/cluster_tailness.h"
#include "kdup/ood_budget.h"
#include "test_util.h"

namespace kdup {
namespace {

int64_t total_of(const std::vector<int64_t>& v) { return std::accumulate(v.begin(), v.end(), int64_t{0}); }

TEST(Budget, LargestRemainderOnKnownCases) {
  EXPECT_EQ(largest_remainder({1, 1, 1}, 10), (std::vector<int64_t>{4, 3, 3}));
  EXPECT_EQ(largest_remainder({0.5, 0.3, 0.2}, 7), (std::vector<int64_t>{4, 2, 1}));
  EXPECT_EQ(largest_remainder({0, 1}, 5), (std::vector<int64_t>{0, 5}));
  EXPECT_EQ(largest_remainder({2, 3}, 0), (std::vector<int64_t>{0, 0}));
}

TEST(Budget, IsTheSoftmaxOfTheZscore) {
  // s = {1, 2, 3}: mean 2, unbiased std 1, z = {-1, 0, 1}.
  const std::vector<double> weights = {std::exp(-1.0), 1.0, std::exp(1.0)};
  const double sum = weights[0] + weights[1] + weights[2];
  std::vector<int64_t> u = ood_budgets({1, 2, 3}, 1000);
  EXPECT_EQ(u, (std::vector<int64_t>{90, 245, 665}));
  for (int k = 0; k < 3; ++k) EXPECT_LT(std::abs(u[k] - 1000 * weights[k] / sum), 1.0);
  // A temperature of 2 halves the logits.
  std::vector<int64_t> warm = ood_budgets({1, 2, 3}, 1000, 2.0);
  const double warm_sum = std::exp(-0.5) + 1.0 + std::exp(0.5);
  EXPECT_LT(std::abs(warm[2] - 1000 * std::exp(0.5) / warm_sum), 1.0);
}

TEST(Budget, HeadLikeScoresFlipTheOrder) {
  std::vector<int64_t> tail = ood_budgets({1, 2, 3}, 1000, 1.0, TailnessDirection::high_is_tail);
  std::vector<int64_t> head = ood_budgets({1, 2, 3}, 1000, 1.0, TailnessDirection::high_is_head);
  EXPECT_EQ(head, (std::vector<int64_t>{tail[2], tail[1], tail[0]}));
}

TEST(Budget, SumsExactlyToTheTotalForManyRandomInputs) {
  std::mt19937_64 rng(7);
  for (int trial = 0; trial < 2000; ++trial) {
    const int64_t clusters = 1 + static_cast<int64_t>(rng() % 30);
    const int64_t total = static_cast<int64_t>(rng() % 20001);
    const double scale = std::pow(10.0, std::uniform_real_distribution<double>(-6, 3)(rng));
    const double temperature = std::uniform_real_distribution<double>(0.05, 5.0)(rng);
    std::vector<double> s(clusters);
    for (double& v : s) v = scale * std::normal_distribution<double>()(rng);
    if (trial % 10 == 0) s.assign(clusters, 1.5);  // constant tailness
    std::vector<int64_t> u = ood_budgets(s, total, temperature,
                                         trial % 2 ? TailnessDirection::high_is_head : TailnessDirection::high_is_tail);
    ASSERT_EQ(static_cast<int64_t>(u.size()), clusters);
    ASSERT_EQ(total_of(u), total) << "trial " << trial;
    for (int64_t b : u) ASSERT_GE(b, 0);
  }
}

TEST(Budget, ConstantTailnessSharesEvenly) {
  EXPECT_EQ(ood_budgets({5, 5, 5, 5}, 10), (std::vector<int64_t>{3, 3, 2, 2}));
  EXPECT_EQ(ood_budgets({-0.3}, 17), (std::vector<int64_t>{17}));
  EXPECT_EQ(zscore({2, 2, 2}), (std::vector<double>{0, 0, 0}));
}

TEST(Budget, ClusterMeansAndTheEmptyClusterChoice) {
  Tensor s = Tensor::from_vector(std::vector<double>{1, 3, 10, -2, 0}, {5});
  Tensor a = Tensor::from_vector(std::vector<int64_t>{0, 0, 1, 3, 3}, {5});
  // Cluster 2 is empty: it gets the mean of the other clusters' means, (2 + 10 - 1) / 3.
  test::expect_close(cluster_mean_tailness(s, a, 4), {2.0, 10.0, 11.0 / 3.0, -1.0}, 1e-12);
  EXPECT_NEAR(zscore(cluster_mean_tailness(s, a, 4))[2], 0.0, 1e-12);
}

TEST(Budget, BadInputsGiveClearErrors) {
  Tensor s = Tensor::zeros({3});
  test::expect_error([&] { cluster_mean_tailness(s, Tensor::from_vector(std::vector<int64_t>{0, 5, 1}, {3}), 2); },
                     {"cluster_mean_tailness", "cluster 5", "[0, 2)"});
  test::expect_error([&] { cluster_mean_tailness(s, Tensor::zeros({2}, DType::i64), 2); },
                     {"cluster_mean_tailness", "[N]"});
  test::expect_error([] { ood_budgets({1, 2}, 10, 0.0); }, {"ood_budgets", "temperature"});
  test::expect_error([] { ood_budgets({}, 10); }, {"ood_budgets", "no clusters"});
  test::expect_error([] { ood_budgets({1, std::nan("")}, 10); }, {"ood_budgets", "finite"});
  test::expect_error([] { largest_remainder({1, 2}, -1); }, {"largest_remainder", "non-negative"});
}

}  // namespace
}  // namespace kdup
