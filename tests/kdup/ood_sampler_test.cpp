// OOD sampling (METHOD.md §1.5) against a brute-force reference, and the random baseline.
#include <algorithm>
#include <numeric>
#include <set>

#include "kdup/ood_sampler.h"
#include "test_util.h"

namespace kdup {
namespace {

// Clusters by budget (largest first, ties by index); each sorts the whole pool by cosine to its
// centroid and takes the first items nobody took yet.
std::pair<std::vector<int64_t>, std::vector<int64_t>> brute_force(const Tensor& pool, const Tensor& centroids,
                                                                  const std::vector<int64_t>& budgets) {
  const int64_t p = pool.shape()[0], d = pool.shape()[1], k = centroids.shape()[0];
  const std::vector<double> x = pool.to_vector<double>(), c = centroids.to_vector<double>();
  std::vector<int64_t> order(k);
  std::iota(order.begin(), order.end(), int64_t{0});
  std::stable_sort(order.begin(), order.end(), [&](int64_t a, int64_t b) { return budgets[a] > budgets[b]; });
  std::set<int64_t> taken;
  std::vector<int64_t> indices, owners;
  for (int64_t cluster : order) {
    std::vector<double> cos(p);
    for (int64_t i = 0; i < p; ++i) {
      double xc = 0, xx = 0, cc = 0;
      for (int64_t j = 0; j < d; ++j) {
        xc += x[i * d + j] * c[cluster * d + j];
        xx += x[i * d + j] * x[i * d + j];
        cc += c[cluster * d + j] * c[cluster * d + j];
      }
      cos[i] = xc / std::sqrt(xx * cc);
    }
    std::vector<int64_t> ranked(p);
    std::iota(ranked.begin(), ranked.end(), int64_t{0});
    std::stable_sort(ranked.begin(), ranked.end(), [&](int64_t a, int64_t b) { return cos[a] > cos[b]; });
    int64_t got = 0;
    for (int64_t i : ranked) {
      if (got == budgets[cluster]) break;
      if (taken.insert(i).second) {
        indices.push_back(i);
        owners.push_back(cluster);
        ++got;
      }
    }
  }
  return {indices, owners};
}

TEST(OodSampler, TakesExactlyTheNearestPoolItemsWithoutDuplicates) {
  Tensor pool = Tensor::randn({300, 8}, 21, DType::f64);
  Tensor centroids = Tensor::randn({4, 8}, 22, DType::f64);
  // Cluster 3 shares cluster 0's direction, so it must skip everything cluster 0 took.
  std::vector<double> c = centroids.to_vector<double>();
  for (int j = 0; j < 8; ++j) c[3 * 8 + j] = 2.0 * c[j];
  centroids = Tensor::from_vector(c, {4, 8});
  const std::vector<int64_t> budgets = {40, 25, 0, 40};
  auto [expected_indices, expected_owners] = brute_force(pool, centroids, budgets);
  for (int64_t chunk : {1, 37, 8192}) {
    OodSelection s = sample_ood_nearest_centroids(pool, centroids, budgets, chunk);
    const std::vector<int64_t> indices = s.indices.to_vector<int64_t>();
    EXPECT_EQ(indices, expected_indices) << "chunk " << chunk;
    EXPECT_EQ(s.clusters.to_vector<int64_t>(), expected_owners) << "chunk " << chunk;
    EXPECT_EQ(std::set<int64_t>(indices.begin(), indices.end()).size(), indices.size());
    std::vector<int64_t> per_cluster(4, 0);
    for (int64_t owner : s.clusters.to_vector<int64_t>()) ++per_cluster[owner];
    EXPECT_EQ(per_cluster, budgets);
  }
}

TEST(OodSampler, CanTakeTheWholePool) {
  Tensor pool = Tensor::randn({30, 5}, 3, DType::f64);
  OodSelection s = sample_ood_nearest_centroids(pool, Tensor::randn({3, 5}, 4, DType::f64), {10, 15, 5}, 7);
  std::vector<int64_t> indices = s.indices.to_vector<int64_t>();
  std::sort(indices.begin(), indices.end());
  std::vector<int64_t> all(30);
  std::iota(all.begin(), all.end(), int64_t{0});
  EXPECT_EQ(indices, all);
}

TEST(OodSampler, InconsistentInputsGiveClearErrors) {
  Tensor pool = Tensor::randn({20, 4}, 5), centroids = Tensor::randn({3, 4}, 6);
  test::expect_error([&] { sample_ood_nearest_centroids(pool, centroids, {10, 10, 1}); },
                     {"N_b = 21", "pool holds only 20"});
  test::expect_error([&] { sample_ood_nearest_centroids(pool, centroids, {1, 1}); }, {"2 budgets", "3 centroids"});
  test::expect_error([&] { sample_ood_nearest_centroids(pool, centroids, {1, -1, 1}); }, {"negative budget"});
  test::expect_error([&] { sample_ood_nearest_centroids(pool, Tensor::randn({3, 5}, 6), {1, 1, 1}); },
                     {"[20, 4]", "[3, 5]"});
}

TEST(OodSampler, RandomDrawsAreDistinctSeededAndInRange) {
  const std::vector<int64_t> a = sample_ood_random(1000, 100, 9).to_vector<int64_t>();
  EXPECT_EQ(a.size(), 100u);
  EXPECT_EQ(std::set<int64_t>(a.begin(), a.end()).size(), 100u);
  EXPECT_TRUE(std::is_sorted(a.begin(), a.end()));
  EXPECT_GE(a.front(), 0);
  EXPECT_LT(a.back(), 1000);
  EXPECT_EQ(sample_ood_random(1000, 100, 9).to_vector<int64_t>(), a);
  EXPECT_NE(sample_ood_random(1000, 100, 10).to_vector<int64_t>(), a);
  EXPECT_EQ(sample_ood_random(5, 5, 1).to_vector<int64_t>(), (std::vector<int64_t>{0, 1, 2, 3, 4}));
  test::expect_error([] { sample_ood_random(10, 11, 1); }, {"N_b = 11", "pool holds only 10"});
}

}  // namespace
}  // namespace kdup
