#include "kdup/ood_budget.h"

#include <algorithm>
#include <cmath>
#include <numeric>

#include "kdup/cluster_tailness.h"
#include "tensor/error.h"

namespace kdup {

std::vector<int64_t> largest_remainder(const std::vector<double>& weights, int64_t total) {
  KDUP_CHECK(!weights.empty(), "largest_remainder: no weights");
  KDUP_CHECK(total >= 0, "largest_remainder: the total must be non-negative, got " << total);
  double weight_sum = 0.0;
  for (double w : weights) {
    KDUP_CHECK(std::isfinite(w) && w >= 0.0, "largest_remainder: weights must be finite and non-negative, got " << w);
    weight_sum += w;
  }
  KDUP_CHECK(weight_sum > 0.0, "largest_remainder: the weights sum to zero");
  const size_t n = weights.size();
  std::vector<int64_t> shares(n);
  std::vector<double> remainder(n);
  int64_t assigned = 0;
  for (size_t k = 0; k < n; ++k) {
    const double quota = static_cast<double>(total) * weights[k] / weight_sum;
    shares[k] = std::min<int64_t>(static_cast<int64_t>(std::floor(quota)), total);
    remainder[k] = quota - static_cast<double>(shares[k]);
    assigned += shares[k];
  }
  std::vector<size_t> order(n);
  std::iota(order.begin(), order.end(), size_t{0});
  std::stable_sort(order.begin(), order.end(), [&](size_t a, size_t b) { return remainder[a] > remainder[b]; });
  // Rounding can leave the floors a unit above or below the total; walk the remainders either way.
  for (size_t r = 0; assigned < total; r = (r + 1) % n, ++assigned) ++shares[order[r]];
  for (size_t r = n; assigned > total; --assigned) {
    do r = (r + n - 1) % n; while (shares[order[r]] == 0);
    --shares[order[r]];
  }
  return shares;
}

std::vector<int64_t> ood_budgets(const std::vector<double>& cluster_tailness, int64_t total,
                                 double temperature, TailnessDirection direction) {
  KDUP_CHECK(temperature > 0.0, "ood_budgets: the temperature must be positive, got " << temperature);
  KDUP_CHECK(!cluster_tailness.empty(), "ood_budgets: no clusters");
  for (double s : cluster_tailness)
    KDUP_CHECK(std::isfinite(s), "ood_budgets: cluster tailness must be finite, got " << s);
  std::vector<double> logits = zscore(cluster_tailness);
  const double sign = direction == TailnessDirection::high_is_tail ? 1.0 : -1.0;
  for (double& l : logits) l *= sign / temperature;
  // softmax, shifted by the maximum for stability
  const double top = *std::max_element(logits.begin(), logits.end());
  std::vector<double> weights(logits.size());
  for (size_t k = 0; k < logits.size(); ++k) weights[k] = std::exp(logits[k] - top);
  return largest_remainder(weights, total);
}

}  // namespace kdup
