#include "kdup/kl_refinement.h"

#include <algorithm>
#include <numeric>

#include "kdup/centroid_distances.h"
#include "kdup/kl_cluster_loss.h"
#include "nn/sgd.h"
#include "ops/ops.h"
#include "tensor/philox.h"

namespace kdup {
namespace {

void check_config(const KlRefinementConfig& c) {
  KDUP_CHECK(c.learning_rate > 0,
             "refine_centroids_kl: learning_rate = " << c.learning_rate << " must be > 0");
  KDUP_CHECK(c.momentum >= 0 && c.momentum < 1,
             "refine_centroids_kl: momentum = " << c.momentum << " must lie in [0, 1)");
  KDUP_CHECK(c.batch_size >= 1,
             "refine_centroids_kl: batch_size = " << c.batch_size << " must be >= 1");
  KDUP_CHECK(c.max_passes >= 0,
             "refine_centroids_kl: max_passes = " << c.max_passes << " must be >= 0");
  KDUP_CHECK(c.stop_change_fraction >= 0, "refine_centroids_kl: stop_change_fraction = "
                                              << c.stop_change_fraction << " must be >= 0");
  KDUP_CHECK(c.degrees_of_freedom > 0, "refine_centroids_kl: degrees_of_freedom = "
                                           << c.degrees_of_freedom << " must be > 0");
  KDUP_CHECK(c.chunk_rows >= 1,
             "refine_centroids_kl: chunk_rows = " << c.chunk_rows << " must be >= 1");
}

// A Fisher-Yates shuffle of 0..n-1 drawn from Philox stream `pass` under `seed`.
std::vector<int64_t> shuffled_order(int64_t n, uint64_t seed, uint64_t pass) {
  std::vector<int64_t> order(n);
  std::iota(order.begin(), order.end(), 0);
  for (int64_t i = n - 1; i > 0; --i) {
    Philox4 r = philox(seed, pass, static_cast<uint64_t>(i));
    const uint64_t bits = (static_cast<uint64_t>(r.v[0]) << 32) | r.v[1];
    std::swap(order[i], order[static_cast<int64_t>(bits % static_cast<uint64_t>(i + 1))]);
  }
  return order;
}

double changed_fraction(const std::vector<int64_t>& before, const std::vector<int64_t>& after) {
  int64_t changed = 0;
  for (size_t i = 0; i < before.size(); ++i) changed += before[i] != after[i];
  return static_cast<double>(changed) / static_cast<double>(before.size());
}

}  // namespace

KlRefinementResult refine_centroids_kl(const Tensor& embeddings, const Tensor& initial_centroids,
                                       const KlRefinementConfig& config) {
  check_points_and_centroids("refine_centroids_kl", embeddings, initial_centroids);
  check_config(config);
  const int64_t n = embeddings.shape()[0], k = initial_centroids.shape()[0];
  KDUP_CHECK(n >= 1, "refine_centroids_kl: embeddings " << shape_str(embeddings.shape())
                                                        << " hold no points");
  Tensor z, initial, mu, norms;
  {
    NoGradGuard no_grad;
    z = embeddings.detach();
    initial = initial_centroids.detach().to(z.device()).to(z.dtype());
    mu = initial.clone();
    norms = squared_row_norms(z);  // [N, 1], for the hard assignments after every pass
  }
  mu.set_requires_grad(true);
  SGD optimizer({ParamGroup{{mu}, 0.0}}, config.learning_rate, config.momentum);

  KlRefinementResult result;
  result.loss_before =
      kl_cluster_loss_in_chunks(z, mu, config.degrees_of_freedom, config.chunk_rows);
  std::vector<int64_t> assignments = nearest_centroids(z, mu, config.chunk_rows, norms).index;
  while (result.passes < config.max_passes) {
    std::vector<int64_t> order =
        shuffled_order(n, config.seed, static_cast<uint64_t>(result.passes));
    for (int64_t start = 0; start < n; start += config.batch_size) {
      const int64_t end = std::min(n, start + config.batch_size);
      std::vector<int64_t> rows(order.begin() + start, order.begin() + end);
      Tensor batch =
          index_select(z, Tensor::from_vector<int64_t>(rows, {end - start}).to(z.device()));
      Tensor log_q = student_t_log_assignments(batch, mu, config.degrees_of_freedom);
      // p from h over this minibatch, held fixed within the step (METHOD.md §1.2).
      Tensor target = kl_target_log_distribution(log_q);
      Tensor loss = kl_cluster_loss(target, log_q);
      optimizer.zero_grad();
      loss.backward();
      optimizer.step();
    }
    ++result.passes;
    std::vector<int64_t> next = nearest_centroids(z, mu, config.chunk_rows, norms).index;
    result.change_rate = changed_fraction(assignments, next);
    assignments = std::move(next);
    if (result.change_rate < config.stop_change_fraction) break;
  }

  result.centroids = mu.detach();
  result.loss_after =
      kl_cluster_loss_in_chunks(z, result.centroids, config.degrees_of_freedom, config.chunk_rows);
  result.loss_after_initial_target = kl_cluster_loss_against_target_in_chunks(
      z, result.centroids, initial, config.degrees_of_freedom, config.chunk_rows);
  result.cluster_sizes.assign(k, 0);
  for (int64_t a : assignments) ++result.cluster_sizes[a];
  result.assignments = std::move(assignments);
  return result;
}

}  // namespace kdup
