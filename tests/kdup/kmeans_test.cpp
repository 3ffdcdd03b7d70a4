// k-means with k-means++ seeding, and the chunked distances it runs on.
#include "kdup/kmeans.h"

#include <set>

#include "kdup/centroid_distances.h"
#include "kdup/planted_clusters.h"
#include "test_util.h"

namespace kdup {
namespace {

double direct_squared_distance(const std::vector<double>& x, int64_t i,
                               const std::vector<double>& c, int64_t k, int64_t dim) {
  double s = 0;
  for (int64_t j = 0; j < dim; ++j)
    s += (x[i * dim + j] - c[k * dim + j]) * (x[i * dim + j] - c[k * dim + j]);
  return s;
}

TEST(KMeansDistances, ChunkedDistancesMatchADirectComputation) {
  const int64_t n = 37, k = 5, dim = 6;
  Tensor x = Tensor::randn({n, dim}, 3, DType::f64), c = Tensor::randn({k, dim}, 4, DType::f64);
  std::vector<double> xv = x.to_vector<double>(), cv = c.to_vector<double>();
  std::vector<double> all = squared_distances(x, c).to_vector<double>();
  NearestCentroids nearest = nearest_centroids(x, c, 8);  // five chunks, the last one short
  NearestCentroids with_norms = nearest_centroids(x, c, 8, squared_row_norms(x));
  EXPECT_EQ(with_norms.index, nearest.index);
  EXPECT_EQ(with_norms.squared_distance, nearest.squared_distance);
  ASSERT_EQ(nearest.index.size(), static_cast<size_t>(n));
  for (int64_t i = 0; i < n; ++i) {
    int64_t best = 0;
    for (int64_t j = 0; j < k; ++j) {
      const double d = direct_squared_distance(xv, i, cv, j, dim);
      EXPECT_NEAR(all[i * k + j], d, 1e-10 * std::max(1.0, d));
      if (d < direct_squared_distance(xv, i, cv, best, dim)) best = j;
    }
    EXPECT_EQ(nearest.index[i], best) << "point " << i;
    EXPECT_NEAR(nearest.squared_distance[i], direct_squared_distance(xv, i, cv, best, dim), 1e-10);
  }
}

TEST(KMeans, FindsPlantedWellSeparatedClustersExactly) {
  test::PlantedClusters data = test::planted_clusters(6, 50, 8, 10.0, 0.5, 11);
  for (uint64_t seed : {0, 1, 2}) {
    KMeansConfig config;
    config.num_clusters = 6;
    config.seed = seed;
    config.chunk_rows = 64;
    KMeansResult r = kmeans(data.points, config);
    EXPECT_TRUE(test::same_partition(r.assignments, data.labels)) << "seed " << seed;
    EXPECT_EQ(r.centroids.shape(), (Shape{6, 8}));
    EXPECT_GE(r.iterations, 1);
    EXPECT_LT(r.iterations, config.max_iterations);
    // The inertia is the sum of squared distances to the assigned centroids.
    std::vector<double> x = data.points.to_vector<double>(), c = r.centroids.to_vector<double>();
    double inertia = 0;
    for (int64_t i = 0; i < 300; ++i)
      inertia += direct_squared_distance(x, i, c, r.assignments[i], 8);
    EXPECT_NEAR(r.inertia, inertia, 1e-3 * inertia);
  }
}

TEST(KMeans, IsReproducibleFromItsSeedAndDiffersAcrossSeedsOnAmbiguousData) {
  // Uniform points in a square have no planted clusters: the local optimum depends on the seeds.
  Tensor points = Tensor::rand({400, 2}, 5);
  KMeansConfig config;
  config.num_clusters = 7;
  config.seed = 42;
  KMeansResult a = kmeans(points, config), b = kmeans(points, config);
  EXPECT_EQ(a.assignments, b.assignments);
  EXPECT_EQ(a.centroids.to_vector<float>(), b.centroids.to_vector<float>());
  EXPECT_EQ(a.iterations, b.iterations);
  int differing = 0;
  for (uint64_t seed = 0; seed < 5; ++seed) {
    config.seed = seed;
    differing += !test::same_partition(kmeans(points, config).assignments, a.assignments);
  }
  EXPECT_GE(differing, 1);
}

TEST(KMeans, PlusPlusSeedingPicksDistinctCentres) {
  // Five distinct points, each repeated 20 times: D(x)^2 = 0 for every copy of a chosen point, so
  // the five centres must be the five distinct values.
  std::vector<float> values;
  for (int copy = 0; copy < 20; ++copy)
    for (int v = 0; v < 5; ++v)
      values.insert(values.end(), {static_cast<float>(v), static_cast<float>(v * v)});
  Tensor points = Tensor::from_vector<float>(values, {100, 2});
  for (uint64_t seed = 0; seed < 4; ++seed) {
    std::vector<int64_t> centres = kmeans_plus_plus(points, 5, seed);
    std::set<int64_t> distinct_values;
    for (int64_t c : centres) distinct_values.insert(c % 5);
    EXPECT_EQ(distinct_values.size(), 5u) << "seed " << seed;
  }
  // With K = N every point is a centre, once.
  Tensor few = Tensor::randn({9, 3}, 8);
  std::vector<int64_t> all = kmeans_plus_plus(few, 9, 1);
  EXPECT_EQ(std::set<int64_t>(all.begin(), all.end()).size(), 9u);
  // On planted clusters, one centre falls in each cluster.
  test::PlantedClusters data = test::planted_clusters(4, 30, 4, 20.0, 0.5, 12);
  std::set<int64_t> clusters_hit;
  for (int64_t c : kmeans_plus_plus(data.points, 4, 3)) clusters_hit.insert(data.labels[c]);
  EXPECT_EQ(clusters_hit.size(), 4u);
}

TEST(KMeans, ReseedsEmptyClustersAndStaysValidOnDegenerateData) {
  // Two distinct values and K = 3: one centroid duplicates another, its cluster empties at every
  // assignment and is re-seeded deterministically; the run ends at the cap with valid output.
  Tensor points = Tensor::from_vector<float>({0, 0, 0, 0, 0, 0, 1, 1}, {4, 2});
  KMeansConfig config;
  config.num_clusters = 3;
  config.max_iterations = 5;
  KMeansResult r = kmeans(points, config);
  EXPECT_LE(r.iterations, 5);
  ASSERT_EQ(r.assignments.size(), 4u);
  for (int64_t a : r.assignments) EXPECT_TRUE(a >= 0 && a < 3);
  EXPECT_NE(r.assignments[0], r.assignments[3]);
  EXPECT_NEAR(r.inertia, 0.0, 1e-6);
  EXPECT_EQ(kmeans(points, config).assignments, r.assignments);
  // K = N puts every point in a cluster of its own.
  Tensor distinct = Tensor::randn({6, 2}, 9);
  config.num_clusters = 6;
  KMeansResult own = kmeans(distinct, config);
  EXPECT_EQ(std::set<int64_t>(own.assignments.begin(), own.assignments.end()).size(), 6u);
  EXPECT_NEAR(own.inertia, 0.0, 1e-5);
}

TEST(KMeans, BadInputsGiveErrors) {
  Tensor points = Tensor::randn({5, 2}, 1);
  KMeansConfig config;
  config.num_clusters = 0;
  test::expect_error([&] { kmeans(points, config); }, {"kmeans", "K = 0", "[5, 2]"});
  config.num_clusters = 6;
  test::expect_error([&] { kmeans(points, config); }, {"kmeans", "K = 6", "[5, 2]"});
  config.num_clusters = 2;
  test::expect_error([&] { kmeans(Tensor::randn({10}, 1), config); }, {"kmeans", "[10]"});
  test::expect_error([&] { kmeans(Tensor::randn({2, 3, 4}, 1), config); }, {"kmeans", "[2, 3, 4]"});
  test::expect_error(
      [&] {
        kmeans(Tensor::zeros({5, 2}, DType::i64), config);
      },
      {"kmeans", "[5, 2]"});
  config.max_iterations = -1;
  test::expect_error([&] { kmeans(points, config); }, {"kmeans", "max_iterations"});
  test::expect_error([&] { kmeans_plus_plus(points, 7, 0); },
                     {"kmeans_plus_plus", "K = 7", "[5, 2]"});
  test::expect_error(
      [&] {
        squared_distances(points, Tensor::randn({3, 4}, 1));
      },
      {"squared_distances", "[5, 2]", "[3, 4]"});
}

}  // namespace
}  // namespace kdup
