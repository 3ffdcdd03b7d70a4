#include "kdup/ood_sampler.h"

#include <algorithm>
#include <numeric>
#include <unordered_set>
#include <utility>

#include "autograd/grad_mode.h"
#include "ops/ops.h"

namespace kdup {

namespace {

// (similarity, pool index), best first: higher similarity, then lower index.
using Candidate = std::pair<double, int64_t>;
bool better(const Candidate& a, const Candidate& b) {
  return a.first > b.first || (a.first == b.first && a.second < b.second);
}

void check_budgets(const Tensor& pool, const Tensor& centroids, const std::vector<int64_t>& budgets) {
  KDUP_CHECK(pool.dim() == 2 && centroids.dim() == 2 && pool.shape()[1] == centroids.shape()[1],
             "sample_ood_nearest_centroids: pool " << shape_str(pool.shape()) << " and centroids "
                                                   << shape_str(centroids.shape()) << " must be [P, D] and [K, D]");
  KDUP_CHECK(static_cast<int64_t>(budgets.size()) == centroids.shape()[0],
             "sample_ood_nearest_centroids: " << budgets.size() << " budgets for " << centroids.shape()[0]
                                              << " centroids");
  int64_t total = 0;
  for (size_t k = 0; k < budgets.size(); ++k) {
    KDUP_CHECK(budgets[k] >= 0, "sample_ood_nearest_centroids: cluster " << k << " has a negative budget "
                                                                         << budgets[k]);
    total += budgets[k];
  }
  KDUP_CHECK(total <= pool.shape()[0], "sample_ood_nearest_centroids: N_b = " << total
                                           << " OOD samples requested but the pool holds only "
                                           << pool.shape()[0]);
}

}  // namespace

OodSelection sample_ood_nearest_centroids(const Tensor& pool, const Tensor& centroids,
                                          const std::vector<int64_t>& budgets, int64_t chunk) {
  check_budgets(pool, centroids, budgets);
  KDUP_CHECK(chunk >= 1, "sample_ood_nearest_centroids: chunk must be positive, got " << chunk);
  NoGradGuard no_grad;
  const int64_t clusters = centroids.shape()[0], pool_size = pool.shape()[0];

  std::vector<int64_t> order(clusters);
  std::iota(order.begin(), order.end(), int64_t{0});
  std::stable_sort(order.begin(), order.end(), [&](int64_t a, int64_t b) { return budgets[a] > budgets[b]; });
  // A cluster can lose at most the items taken before it, so its best (budget + taken before)
  // candidates always contain the budget it finally gets.
  std::vector<int64_t> keep(clusters);
  int64_t taken_before = 0;
  for (int64_t k : order) {
    keep[k] = std::min(pool_size, budgets[k] + taken_before);
    taken_before += budgets[k];
  }
  if (taken_before == 0) return {Tensor::zeros({0}, DType::i64), Tensor::zeros({0}, DType::i64)};
  const int64_t widest = *std::max_element(keep.begin(), keep.end());

  Tensor centroid_rows = l2_normalize(centroids.to(pool.dtype()).to(pool.device()), 1);
  std::vector<std::vector<Candidate>> candidates(clusters);
  for (int64_t start = 0; start < pool_size; start += chunk) {
    const int64_t end = std::min(pool_size, start + chunk);
    Tensor sims = matmul(centroid_rows, l2_normalize(pool.slice(0, start, end), 1).t());  // [K, chunk]
    auto [values, positions] = topk(sims, std::min(widest, end - start), 1, true);
    const std::vector<double> v = values.to_vector<double>();
    const std::vector<int64_t> p = positions.to_vector<int64_t>();
    const int64_t width = values.shape()[1];
    for (int64_t k = 0; k < clusters; ++k) {
      if (keep[k] == 0) continue;
      std::vector<Candidate>& list = candidates[k];
      for (int64_t j = 0; j < std::min(width, keep[k]); ++j) list.emplace_back(v[k * width + j], start + p[k * width + j]);
      const auto cut = list.begin() + std::min<int64_t>(keep[k], static_cast<int64_t>(list.size()));
      std::partial_sort(list.begin(), cut, list.end(), better);
      list.erase(cut, list.end());
    }
  }

  std::vector<int64_t> indices, owner;
  std::unordered_set<int64_t> taken;
  for (int64_t k : order) {
    int64_t got = 0;
    for (const Candidate& c : candidates[k]) {
      if (got == budgets[k]) break;
      if (!taken.insert(c.second).second) continue;
      indices.push_back(c.second);
      owner.push_back(k);
      ++got;
    }
    KDUP_CHECK(got == budgets[k], "sample_ood_nearest_centroids: cluster " << k << " found only " << got
                                                                           << " of its " << budgets[k] << " items");
  }
  const int64_t n = static_cast<int64_t>(indices.size());
  return {Tensor::from_vector(indices, {n}), Tensor::from_vector(owner, {n})};
}

Tensor sample_ood_random(int64_t pool_size, int64_t count, uint64_t seed) {
  KDUP_CHECK(count >= 0, "sample_ood_random: the count must be non-negative, got " << count);
  KDUP_CHECK(count <= pool_size, "sample_ood_random: N_b = " << count
                                     << " OOD samples requested but the pool holds only " << pool_size);
  if (count == 0) return Tensor::zeros({0}, DType::i64);
  NoGradGuard no_grad;
  // A uniformly random permutation: sort seeded uniform keys; keep its first `count` entries.
  Tensor keys = Tensor::rand({pool_size}, seed, DType::f64);
  std::vector<int64_t> perm = argsort(keys).to_vector<int64_t>();
  perm.resize(count);
  std::sort(perm.begin(), perm.end());
  return Tensor::from_vector(perm, {count});
}

}  // namespace kdup
