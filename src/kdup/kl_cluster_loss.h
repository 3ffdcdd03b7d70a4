// The KL clustering objective of METHOD.md §1.2 (the paper's clustering equations, after DEC: Xie
// et al., "Unsupervised deep embedding for clustering analysis", ICML 2016). All three functions
// work in log space, so assignments far from every centroid stay finite.
#pragma once
#include <cstdint>

#include "tensor/tensor.h"

namespace kdup {

// Student-t soft assignment with `degrees_of_freedom` = d (the method's d = 1):
//   q_ik = (1 + |z_i - mu_k|^2 / d)^(-(d+1)/2) / sum_k' (1 + |z_i - mu_k'|^2 / d)^(-(d+1)/2).
// z [B, D], centroids [K, D] -> log q [B, K]; differentiable in both.
Tensor student_t_log_assignments(const Tensor& z, const Tensor& centroids,
                                 double degrees_of_freedom = 1.0);

// The sharpened target, from log q [B, K]:
//   p_ik = (q_ik^2 / h_k) / sum_k' (q_ik'^2 / h_k'),  h_k = sum_i q_ik over the rows given.
// Returns log p [B, K] without history: p is a fixed target within a step.
Tensor kl_target_log_distribution(const Tensor& log_q);
// The same with the cluster frequencies log h [1, K] given (for h summed over more rows than B).
Tensor kl_target_log_distribution(const Tensor& log_q, const Tensor& log_cluster_frequency);

// L_cluster = (1/B) sum_i sum_k p_ik log(p_ik / q_ik), a scalar differentiable through log_q only.
Tensor kl_cluster_loss(const Tensor& target_log_p, const Tensor& log_q);

// L_cluster of the whole set as one batch (h_k summed over all N points), computed chunk_rows
// points at a time: one pass for h, one for the loss. Records no graph.
double kl_cluster_loss_in_chunks(const Tensor& z, const Tensor& centroids,
                                 double degrees_of_freedom, int64_t chunk_rows = 4096);
// The same with the target p taken from other centroids (q from `centroids`, p and h from
// `target_centroids`): the objective a step minimises, p held fixed while mu moves.
double kl_cluster_loss_against_target_in_chunks(const Tensor& z, const Tensor& centroids,
                                                const Tensor& target_centroids,
                                                double degrees_of_freedom,
                                                int64_t chunk_rows = 4096);

}  // namespace kdup
