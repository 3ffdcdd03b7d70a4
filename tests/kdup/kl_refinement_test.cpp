// The KL clustering loss and the refinement of k-means centroids by SGD on it (METHOD.md §1.2).
#include "kdup/kl_refinement.h"

#include <cmath>

#include "kdup/kl_cluster_loss.h"
#include "kdup/kmeans.h"
#include "kdup/planted_clusters.h"
#include "test_util.h"

namespace kdup {
namespace {

KMeansResult kmeans_of(const Tensor& points, int64_t k) {
  KMeansConfig config;
  config.num_clusters = k;
  config.seed = 7;
  return kmeans(points, config);
}

// L_cluster over all rows written out with plain loops, straight from METHOD.md §1.2 with d = 1.
// q of every point, normalised per row.
std::vector<double> direct_q(const std::vector<double>& z, const std::vector<double>& mu, int64_t n,
                             int64_t k, int64_t dim) {
  std::vector<double> q(n * k);
  for (int64_t i = 0; i < n; ++i) {
    double row = 0;
    for (int64_t c = 0; c < k; ++c) {
      double d2 = 0;
      for (int64_t j = 0; j < dim; ++j)
        d2 += (z[i * dim + j] - mu[c * dim + j]) * (z[i * dim + j] - mu[c * dim + j]);
      q[i * k + c] = 1.0 / (1.0 + d2);
      row += q[i * k + c];
    }
    for (int64_t c = 0; c < k; ++c) q[i * k + c] /= row;
  }
  return q;
}

// q from mu, the target p from target_mu.
double direct_kl_loss(const std::vector<double>& z, const std::vector<double>& mu,
                      const std::vector<double>& target_mu, int64_t n, int64_t k, int64_t dim) {
  std::vector<double> q = direct_q(z, mu, n, k, dim), t = direct_q(z, target_mu, n, k, dim);
  std::vector<double> h(k, 0.0);
  for (int64_t i = 0; i < n; ++i)
    for (int64_t c = 0; c < k; ++c) h[c] += t[i * k + c];
  double loss = 0;
  for (int64_t i = 0; i < n; ++i) {
    double row = 0;
    for (int64_t c = 0; c < k; ++c) row += t[i * k + c] * t[i * k + c] / h[c];
    for (int64_t c = 0; c < k; ++c) {
      const double p = t[i * k + c] * t[i * k + c] / h[c] / row;
      loss += p * std::log(p / q[i * k + c]);
    }
  }
  return loss / static_cast<double>(n);
}

TEST(KlRefinement, LossInChunksMatchesTheFormula) {
  const int64_t n = 23, k = 4, dim = 5;
  Tensor z = Tensor::randn({n, dim}, 21, DType::f64), mu = Tensor::randn({k, dim}, 22, DType::f64);
  std::vector<double> zv = z.to_vector<double>(), muv = mu.to_vector<double>();
  const double expected = direct_kl_loss(zv, muv, muv, n, k, dim);
  EXPECT_NEAR(kl_cluster_loss_in_chunks(z, mu, 1.0, 6), expected, 1e-12);
  EXPECT_NEAR(kl_cluster_loss_in_chunks(z, mu, 1.0, n), expected, 1e-12);
  // With the target from other centroids.
  Tensor other = Tensor::randn({k, dim}, 23, DType::f64);
  EXPECT_NEAR(kl_cluster_loss_against_target_in_chunks(z, mu, other, 1.0, 6),
              direct_kl_loss(zv, muv, other.to_vector<double>(), n, k, dim), 1e-12);
  // One batch of all rows gives the same value through the minibatch functions.
  Tensor log_q = student_t_log_assignments(z, mu);
  EXPECT_NEAR(kl_cluster_loss(kl_target_log_distribution(log_q), log_q).item(), expected, 1e-12);
  // Each row of q and of p is a distribution.
  std::vector<double> q = exp(log_q).to_vector<double>(),
                      p = exp(kl_target_log_distribution(log_q)).to_vector<double>();
  for (int64_t i = 0; i < n; ++i) {
    double q_row = 0, p_row = 0;
    for (int64_t c = 0; c < k; ++c) q_row += q[i * k + c], p_row += p[i * k + c];
    EXPECT_NEAR(q_row, 1.0, 1e-12);
    EXPECT_NEAR(p_row, 1.0, 1e-12);
  }
}

TEST(KlRefinement, GradientOfTheLossWithRespectToTheCentroidsIsRight) {
  // p is computed once from the starting centroids and held fixed, as within one step of the
  // method.
  Tensor z = Tensor::randn({7, 3}, 31, DType::f64);
  Tensor mu = test::leaf({4, 3}, 32);
  Tensor target = kl_target_log_distribution(student_t_log_assignments(z, mu));
  EXPECT_FALSE(target.requires_grad());
  for (double dof : {1.0, 2.5})
    test::expect_gradients_match(
        [&](const std::vector<Tensor>& in) {
          return kl_cluster_loss(target, student_t_log_assignments(z, in[0], dof));
        },
        {mu});
}

TEST(KlRefinement, LowersTheLossOnPlantedData) {
  // Overlapping clusters on the unit-sphere scale of the embeddings, starting from k-means. The
  // steps minimise KL(p || q) with p fixed, so against the initial target the loss must fall.
  test::PlantedClusters data = test::planted_clusters(5, 120, 6, 1.0, 0.3, 41);
  KMeansResult init = kmeans_of(data.points, 5);
  for (double lr : {0.001, 0.01, 0.1}) {
    KlRefinementConfig config;
    config.learning_rate = lr;
    config.batch_size = 64;
    KlRefinementResult r = refine_centroids_kl(data.points, init.centroids, config);
    EXPECT_LT(r.loss_after_initial_target, r.loss_before) << "lr " << lr;
    EXPECT_NEAR(r.loss_before, kl_cluster_loss_in_chunks(data.points, init.centroids, 1.0), 1e-6);
    EXPECT_NEAR(r.loss_after, kl_cluster_loss_in_chunks(data.points, r.centroids, 1.0), 1e-6);
    EXPECT_GE(r.passes, 1);
    int64_t total = 0;
    for (int64_t s : r.cluster_sizes) total += s;
    EXPECT_EQ(total, 600);
  }
  // A larger step lowers it further.
  KlRefinementConfig small, large;
  small.learning_rate = 0.001;
  large.learning_rate = 0.1;
  EXPECT_LT(refine_centroids_kl(data.points, init.centroids, large).loss_after_initial_target,
            refine_centroids_kl(data.points, init.centroids, small).loss_after_initial_target);
}

TEST(KlRefinement, StopsByItsRuleAndKeepsWellSeparatedClusters) {
  test::PlantedClusters data = test::planted_clusters(4, 100, 8, 4.0, 0.3, 51);
  KMeansResult init = kmeans_of(data.points, 4);
  ASSERT_TRUE(test::same_partition(init.assignments, data.labels));
  KlRefinementConfig config;
  KlRefinementResult r = refine_centroids_kl(data.points, init.centroids, config);
  EXPECT_LT(r.passes, config.max_passes);
  EXPECT_LT(r.change_rate, config.stop_change_fraction);
  EXPECT_TRUE(test::same_partition(r.assignments, data.labels));
  EXPECT_EQ(r.cluster_sizes, (std::vector<int64_t>{100, 100, 100, 100}));
  EXPECT_EQ(r.centroids.shape(), (Shape{4, 8}));
  EXPECT_EQ(r.centroids.dtype(), DType::f32);
  EXPECT_FALSE(r.centroids.requires_grad());
  // Reproducible from its seed.
  KlRefinementResult again = refine_centroids_kl(data.points, init.centroids, config);
  EXPECT_EQ(again.centroids.to_vector<float>(), r.centroids.to_vector<float>());
  EXPECT_EQ(again.passes, r.passes);
}

TEST(KlRefinement, RespectsThePassCap) {
  test::PlantedClusters data = test::planted_clusters(3, 40, 4, 1.0, 0.5, 61);
  KMeansResult init = kmeans_of(data.points, 3);
  KlRefinementConfig config;
  config.max_passes = 2;
  config.stop_change_fraction = 0.0;  // a change rate is never below 0: only the cap can stop it
  EXPECT_EQ(refine_centroids_kl(data.points, init.centroids, config).passes, 2);
  config.max_passes = 0;
  KlRefinementResult none = refine_centroids_kl(data.points, init.centroids, config);
  EXPECT_EQ(none.passes, 0);
  EXPECT_EQ(none.centroids.to_vector<float>(), init.centroids.to_vector<float>());
  EXPECT_EQ(none.assignments, init.assignments);
  EXPECT_NEAR(none.loss_after, none.loss_before, 1e-12);
}

TEST(KlRefinement, BadInputsGiveErrors) {
  Tensor z = Tensor::randn({10, 3}, 1), mu = Tensor::randn({2, 3}, 2);
  test::expect_error(
      [&] {
        refine_centroids_kl(z, Tensor::randn({2, 4}, 2));
      },
      {"refine_centroids_kl", "[10, 3]", "[2, 4]"});
  test::expect_error([&] { refine_centroids_kl(Tensor::randn({10}, 1), mu); },
                     {"refine_centroids_kl", "[10]"});
  KlRefinementConfig config;
  config.batch_size = 0;
  test::expect_error([&] { refine_centroids_kl(z, mu, config); },
                     {"refine_centroids_kl", "batch_size = 0"});
  config = {};
  config.learning_rate = -1;
  test::expect_error([&] { refine_centroids_kl(z, mu, config); },
                     {"refine_centroids_kl", "learning_rate"});
  config = {};
  config.degrees_of_freedom = 0;
  test::expect_error([&] { refine_centroids_kl(z, mu, config); },
                     {"refine_centroids_kl", "degrees_of_freedom"});
  test::expect_error(
      [&] {
        kl_cluster_loss(Tensor::zeros({3, 2}), Tensor::zeros({3, 4}));
      },
      {"kl_cluster_loss", "[3, 2]", "[3, 4]"});
}

}  // namespace
}  // namespace kdup
