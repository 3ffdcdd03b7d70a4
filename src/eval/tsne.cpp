#include "eval/tsne.h"

#include <algorithm>
#include <cmath>
#include <limits>

#include "tensor/philox.h"

namespace kdup {

namespace {

std::vector<double> squared_distances(const std::vector<double>& x, int64_t n, int64_t d) {
  std::vector<double> dist(n * n, 0.0);
#pragma omp parallel for schedule(dynamic, 16)
  for (int64_t i = 0; i < n; ++i)
    for (int64_t j = i + 1; j < n; ++j) {
      double s = 0;
      for (int64_t k = 0; k < d; ++k) s += (x[i * d + k] - x[j * d + k]) * (x[i * d + k] - x[j * d + k]);
      dist[i * n + j] = dist[j * n + i] = s;
    }
  return dist;
}

// Conditional affinities p_{j|i} = exp(-beta_i d_ij) / sum_k exp(-beta_i d_ik), with beta_i found by
// bisection so that the entropy of row i equals log(perplexity); then symmetrised:
// p_ij = (p_{j|i} + p_{i|j}) / 2n.
std::vector<double> joint_affinities(const std::vector<double>& dist, int64_t n, double perplexity) {
  std::vector<double> p(n * n, 0.0);
  const double target = std::log(perplexity);
#pragma omp parallel for schedule(dynamic, 16)
  for (int64_t i = 0; i < n; ++i) {
    double beta = 1.0, lo = 0.0, hi = std::numeric_limits<double>::infinity();
    const double* row = &dist[i * n];
    double* out = &p[i * n];
    for (int step = 0; step < 100; ++step) {
      double total = 0, weighted = 0;
      for (int64_t j = 0; j < n; ++j) {
        out[j] = j == i ? 0.0 : std::exp(-beta * row[j]);
        total += out[j];
        weighted += out[j] * row[j];
      }
      total = std::max(total, 1e-300);
      const double entropy = std::log(total) + beta * weighted / total;  // H = log Z + beta E[d]
      for (int64_t j = 0; j < n; ++j) out[j] /= total;
      if (std::abs(entropy - target) < 1e-5) break;
      if (entropy > target) {  // too flat: sharpen
        lo = beta;
        beta = std::isinf(hi) ? beta * 2 : (beta + hi) / 2;
      } else {
        hi = beta;
        beta = (beta + lo) / 2;
      }
    }
  }
  std::vector<double> joint(n * n);
  for (int64_t i = 0; i < n; ++i)
    for (int64_t j = 0; j < n; ++j)
      joint[i * n + j] = std::max((p[i * n + j] + p[j * n + i]) / (2.0 * n), 1e-12);
  return joint;
}

}  // namespace

Tensor tsne(const Tensor& features, const TsneConfig& c) {
  KDUP_CHECK(features.dim() == 2, "tsne: features must be [N, D], got " << shape_str(features.shape()));
  const int64_t n = features.shape()[0], d = features.shape()[1];
  KDUP_CHECK(n > 3 * c.perplexity, "tsne: " << n << " points are too few for perplexity "
                                            << c.perplexity << " (need more than 3x)");
  const std::vector<double> p = joint_affinities(squared_distances(features.to_vector<double>(), n, d), n,
                                                 c.perplexity);
  // Start from a small Gaussian cloud; gradient descent with momentum and per-coordinate gains.
  std::vector<double> y(n * 2), velocity(n * 2, 0.0), gains(n * 2, 1.0), grad(n * 2);
  for (int64_t i = 0; i < n * 2; ++i) y[i] = 1e-4 * philox_normal(c.seed, 7, i);
  std::vector<double> q(n * n);
  for (int64_t it = 0; it < c.iterations; ++it) {
    const double exaggeration = it < c.exaggeration_iterations ? c.exaggeration : 1.0;
    const double momentum = it < c.exaggeration_iterations ? 0.5 : 0.8;
    // Student-t similarities of the embedding: q_ij = (1 + |y_i - y_j|^2)^-1 / Z.
    double z = 0;
#pragma omp parallel for reduction(+ : z)
    for (int64_t i = 0; i < n; ++i)
      for (int64_t j = 0; j < n; ++j) {
        const double dy0 = y[2 * i] - y[2 * j], dy1 = y[2 * i + 1] - y[2 * j + 1];
        q[i * n + j] = i == j ? 0.0 : 1.0 / (1.0 + dy0 * dy0 + dy1 * dy1);
        z += q[i * n + j];
      }
    // dC/dy_i = 4 sum_j (exaggeration * p_ij - q_ij / Z) (1 + |y_i - y_j|^2)^-1 (y_i - y_j)
#pragma omp parallel for
    for (int64_t i = 0; i < n; ++i) {
      double g0 = 0, g1 = 0;
      for (int64_t j = 0; j < n; ++j) {
        const double w = q[i * n + j];
        const double f = (exaggeration * p[i * n + j] - w / z) * w;
        g0 += f * (y[2 * i] - y[2 * j]);
        g1 += f * (y[2 * i + 1] - y[2 * j + 1]);
      }
      grad[2 * i] = 4 * g0;
      grad[2 * i + 1] = 4 * g1;
    }
    for (int64_t k = 0; k < n * 2; ++k) {  // gains grow where the gradient keeps its sign
      gains[k] = (grad[k] > 0) != (velocity[k] > 0) ? gains[k] + 0.2 : std::max(gains[k] * 0.8, 0.01);
      velocity[k] = momentum * velocity[k] - c.learning_rate * gains[k] * grad[k];
      y[k] += velocity[k];
    }
  }
  return Tensor::from_vector(y, {n, 2});
}

double knn_label_purity(const Tensor& points, const std::vector<int64_t>& labels, int64_t k) {
  const int64_t n = points.shape()[0], d = points.shape()[1];
  KDUP_CHECK(static_cast<int64_t>(labels.size()) == n && k >= 1 && k < n,
             "knn_label_purity: " << labels.size() << " labels, k = " << k << ", points "
                                  << shape_str(points.shape()));
  const std::vector<double> dist = squared_distances(points.to_vector<double>(), n, d);
  int64_t pure = 0;
  std::vector<int64_t> order(n);
  for (int64_t i = 0; i < n; ++i) {
    for (int64_t j = 0; j < n; ++j) order[j] = j;
    std::partial_sort(order.begin(), order.begin() + k + 1, order.end(),
                      [&](int64_t a, int64_t b) { return dist[i * n + a] < dist[i * n + b]; });
    int64_t same = 0;
    for (int64_t m = 0; m <= k; ++m)
      if (order[m] != i) same += labels[order[m]] == labels[i];
    pure += 2 * same > k;
  }
  return static_cast<double>(pure) / n;
}

}  // namespace kdup
