#include "kdup/kl_cluster_loss.h"

#include <algorithm>

#include "kdup/centroid_distances.h"
#include "ops/ops.h"

namespace kdup {

Tensor student_t_log_assignments(const Tensor& z, const Tensor& centroids,
                                 double degrees_of_freedom) {
  KDUP_CHECK(degrees_of_freedom > 0, "student_t_log_assignments: degrees_of_freedom = "
                                         << degrees_of_freedom << " must be > 0");
  // log of the unnormalised kernel: -(d+1)/2 * log(1 + |z - mu|^2 / d); the row normalisation over
  // k' is a log-softmax.
  Tensor squared = squared_distances(z, centroids);
  Tensor log_kernel =
      log(squared * (1.0 / degrees_of_freedom) + 1.0) * (-(degrees_of_freedom + 1.0) / 2.0);
  return log_softmax(log_kernel, 1);
}

Tensor kl_target_log_distribution(const Tensor& log_q, const Tensor& log_cluster_frequency) {
  KDUP_CHECK(log_q.dim() == 2 && log_cluster_frequency.dim() == 2 &&
                 log_cluster_frequency.shape()[0] == 1 &&
                 log_cluster_frequency.shape()[1] == log_q.shape()[1],
             "kl_target_log_distribution: log q " << shape_str(log_q.shape()) << " and log h "
                                                  << shape_str(log_cluster_frequency.shape())
                                                  << " must be [B, K] and [1, K]");
  NoGradGuard no_grad;
  // log(q^2 / h) = 2 log q - log h, normalised over k' by a log-softmax.
  return log_softmax(log_q.detach() * 2.0 - log_cluster_frequency.detach(), 1);
}

Tensor kl_target_log_distribution(const Tensor& log_q) {
  KDUP_CHECK(log_q.dim() == 2,
             "kl_target_log_distribution: log q " << shape_str(log_q.shape()) << " must be [B, K]");
  NoGradGuard no_grad;
  Tensor log_h = logsumexp(log_q.detach(), 0, true);  // log sum_i q_ik, [1, K]
  return kl_target_log_distribution(log_q, log_h);
}

Tensor kl_cluster_loss(const Tensor& target_log_p, const Tensor& log_q) {
  KDUP_CHECK(target_log_p.dim() == 2 && target_log_p.shape() == log_q.shape(),
             "kl_cluster_loss: log p " << shape_str(target_log_p.shape()) << " and log q "
                                       << shape_str(log_q.shape()) << " must both be [B, K]");
  Tensor log_p = target_log_p.detach();
  const double batch = static_cast<double>(log_q.shape()[0]);
  return sum(exp(log_p) * (log_p - log_q)) * (1.0 / batch);
}

double kl_cluster_loss_against_target_in_chunks(const Tensor& z, const Tensor& centroids,
                                                const Tensor& target_centroids,
                                                double degrees_of_freedom, int64_t chunk_rows) {
  const char* op = "kl_cluster_loss_in_chunks";
  check_points_and_centroids(op, z, centroids);
  check_points_and_centroids(op, z, target_centroids);
  KDUP_CHECK(target_centroids.shape() == centroids.shape(),
             op << ": target centroids " << shape_str(target_centroids.shape()) << " and centroids "
                << shape_str(centroids.shape()) << " differ in shape");
  KDUP_CHECK(chunk_rows >= 1, op << ": chunk_rows = " << chunk_rows << " must be >= 1");
  NoGradGuard no_grad;
  const int64_t n = z.shape()[0];
  auto log_q_of = [&](int64_t start, const Tensor& mu) {
    return student_t_log_assignments(z.slice(0, start, std::min(n, start + chunk_rows)), mu,
                                     degrees_of_freedom);
  };
  // Pass 1: h_k = sum_i q_ik (of the target centroids) over every point, kept as log h by
  // log-sum-exp across chunks.
  std::vector<Tensor> chunk_log_h;
  for (int64_t start = 0; start < n; start += chunk_rows)
    chunk_log_h.push_back(logsumexp(log_q_of(start, target_centroids), 0, true));
  Tensor log_h = logsumexp(concat(chunk_log_h, 0), 0, true);
  // Pass 2: sum_i sum_k p_ik log(p_ik / q_ik) with that h, divided by N.
  double total = 0;
  for (int64_t start = 0; start < n; start += chunk_rows) {
    Tensor log_q = log_q_of(start, centroids);
    Tensor log_p = kl_target_log_distribution(log_q_of(start, target_centroids), log_h);
    total += kl_cluster_loss(log_p, log_q).item() * static_cast<double>(log_q.shape()[0]);
  }
  return total / static_cast<double>(n);
}

double kl_cluster_loss_in_chunks(const Tensor& z, const Tensor& centroids,
                                 double degrees_of_freedom, int64_t chunk_rows) {
  return kl_cluster_loss_against_target_in_chunks(z, centroids, centroids, degrees_of_freedom,
                                                  chunk_rows);
}

}  // namespace kdup
