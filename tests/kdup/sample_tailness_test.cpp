// Per-sample tailness (METHOD.md §1.3), its momentum, and the planted head/tail structure through
// cluster tailness and budgets.
#include <algorithm>
#include <numeric>

#include "kdup/cluster_tailness.h"
#include "kdup/ood_budget.h"
#include "kdup/sample_tailness.h"
#include "kdup/tailness_momentum.h"
#include "planted_embeddings.h"
#include "test_util.h"

namespace kdup {
namespace {

// The formula term by term: cosine matrix, neighbours by sorting, then the ordered-pair sum.
std::vector<double> brute_force_tailness(const Tensor& x, int64_t k) {
  const int64_t n = x.shape()[0], d = x.shape()[1];
  const std::vector<double> v = x.to_vector<double>();
  std::vector<double> cos(n * n);
  for (int64_t a = 0; a < n; ++a)
    for (int64_t b = 0; b < n; ++b) {
      double ab = 0, aa = 0, bb = 0;
      for (int64_t j = 0; j < d; ++j) {
        ab += v[a * d + j] * v[b * d + j];
        aa += v[a * d + j] * v[a * d + j];
        bb += v[b * d + j] * v[b * d + j];
      }
      cos[a * n + b] = ab / std::sqrt(aa * bb);
    }
  std::vector<double> out(n);
  for (int64_t i = 0; i < n; ++i) {
    std::vector<int64_t> others;
    for (int64_t j = 0; j < n; ++j)
      if (j != i) others.push_back(j);
    std::stable_sort(others.begin(), others.end(), [&](int64_t a, int64_t b) { return cos[i * n + a] > cos[i * n + b]; });
    std::vector<int64_t> z{i};
    z.insert(z.end(), others.begin(), others.begin() + k);
    double sum = 0.0;
    for (int64_t m : z)
      for (int64_t q : z)
        if (m != q) sum += std::exp(cos[m * n + q]);
    out[i] = -sum / static_cast<double>(k * (k + 1));
  }
  return out;
}

TEST(Tailness, MatchesTheFormulaByBruteForce) {
  Tensor x = Tensor::randn({40, 6}, 11, DType::f64);
  for (int64_t chunk : {7, 1024}) {
    Tensor s = sample_tailness(x, 5, chunk);
    ASSERT_EQ(s.shape(), (Shape{40}));
    test::expect_close(s.to_vector<double>(), brute_force_tailness(x, 5), 1e-5, "chunk " + std::to_string(chunk));
  }
}

TEST(Tailness, IdenticalPointsGiveTheDensestValue) {
  // All cosines are 1, so every ordered pair contributes e: ŝ = -e.
  Tensor x = Tensor::ones({12, 4}, DType::f64);
  for (double s : sample_tailness(x, 10).to_vector<double>()) EXPECT_NEAR(s, -std::exp(1.0), 1e-5);
}

TEST(Tailness, KMustLeaveRoomForTheNeighbours) {
  Tensor x = Tensor::randn({8, 4}, 3, DType::f64);
  test::expect_error([&] { sample_tailness(x, 8); }, {"sample_tailness", "K = 8", "got 8"});
  test::expect_error([&] { sample_tailness(Tensor::randn({8}, 3), 2); }, {"sample_tailness", "[N, D]"});
}

TEST(Tailness, PlantedTailClustersGetTheHighestTailnessAndLargestBudgets) {
  test::PlantedClusters p = test::planted_clusters(4, 4, 32, 5);
  Tensor s = sample_tailness(p.embeddings, 10, 64);
  std::vector<double> clusters = cluster_mean_tailness(s, p.assignments, 8);
  std::vector<int64_t> budgets = ood_budgets(clusters, 1000);
  double head_max_tailness = -1e9, tail_min_tailness = 1e9;
  int64_t head_max_budget = 0, tail_min_budget = 1000;
  for (int64_t k = 0; k < 8; ++k) {
    if (p.is_tail[k]) {
      tail_min_tailness = std::min(tail_min_tailness, clusters[k]);
      tail_min_budget = std::min(tail_min_budget, budgets[k]);
    } else {
      head_max_tailness = std::max(head_max_tailness, clusters[k]);
      head_max_budget = std::max(head_max_budget, budgets[k]);
    }
  }
  EXPECT_GT(tail_min_tailness, head_max_tailness);
  EXPECT_GT(tail_min_budget, head_max_budget);
  EXPECT_EQ(std::accumulate(budgets.begin(), budgets.end(), int64_t{0}), 1000);
}

TEST(Tailness, MomentumFollowsTheFormula) {
  TailnessMomentum momentum(0.9, true);
  EXPECT_FALSE(momentum.has_scores());
  Tensor first = Tensor::from_vector(std::vector<double>{-2.0, -1.0, -3.0}, {3});
  Tensor second = Tensor::from_vector(std::vector<double>{-1.0, -2.5, -2.0}, {3});
  Tensor kept = momentum.update(first);
  test::expect_close(kept.to_vector<double>(), {-2.0, -1.0, -3.0}, 1e-6, "first refresh");
  momentum.update(second);
  test::expect_close(momentum.scores().to_vector<double>(),
                     {0.9 * -2.0 + 0.1 * -1.0, 0.9 * -1.0 + 0.1 * -2.5, 0.9 * -3.0 + 0.1 * -2.0}, 1e-6,
                     "second refresh");
  test::expect_close(kept.to_vector<double>(), {-2.0, -1.0, -3.0}, 1e-6, "an earlier result is unchanged");
  EXPECT_EQ(momentum.scores().dtype(), DType::f32);
}

TEST(Tailness, MomentumSwitchedOffKeepsTheFreshValue) {
  TailnessMomentum momentum(0.9, false);
  momentum.update(Tensor::from_vector(std::vector<double>{-2.0, -1.0}, {2}));
  momentum.update(Tensor::from_vector(std::vector<double>{-1.0, -4.0}, {2}));
  test::expect_close(momentum.scores().to_vector<double>(), {-1.0, -4.0}, 1e-6);
}

TEST(Tailness, MomentumRestoresFromACheckpointAndChecksSizes) {
  TailnessMomentum momentum(0.5);
  momentum.load(Tensor::from_vector(std::vector<float>{2.0f, 4.0f}, {2}));
  momentum.update(Tensor::from_vector(std::vector<float>{0.0f, 0.0f}, {2}));
  test::expect_close(momentum.scores().to_vector<double>(), {1.0, 2.0}, 1e-6);
  test::expect_error([&] { momentum.update(Tensor::zeros({3})); }, {"TailnessMomentum", "3 samples", "2"});
  test::expect_error([] { TailnessMomentum bad(1.0); }, {"TailnessMomentum", "rho"});
}

}  // namespace
}  // namespace kdup
