#include "kdup/spearman.h"

#include <algorithm>
#include <cmath>
#include <numeric>

#include "tensor/error.h"

namespace kdup {

std::vector<double> average_ranks(const std::vector<double>& values) {
  const size_t n = values.size();
  std::vector<size_t> order(n);
  std::iota(order.begin(), order.end(), size_t{0});
  std::stable_sort(order.begin(), order.end(), [&](size_t a, size_t b) { return values[a] < values[b]; });
  std::vector<double> ranks(n);
  for (size_t start = 0; start < n;) {
    size_t end = start + 1;
    while (end < n && values[order[end]] == values[order[start]]) ++end;
    const double rank = 0.5 * static_cast<double>(start + 1 + end);  // mean of ranks start+1 .. end
    for (size_t j = start; j < end; ++j) ranks[order[j]] = rank;
    start = end;
  }
  return ranks;
}

double spearman_correlation(const std::vector<double>& a, const std::vector<double>& b) {
  KDUP_CHECK(a.size() == b.size() && a.size() >= 2,
             "spearman_correlation: needs two vectors of equal length >= 2, got " << a.size() << " and " << b.size());
  for (size_t i = 0; i < a.size(); ++i)
    KDUP_CHECK(!std::isnan(a[i]) && !std::isnan(b[i]), "spearman_correlation: NaN at position " << i);
  const std::vector<double> ra = average_ranks(a), rb = average_ranks(b);
  const double mean = 0.5 * static_cast<double>(a.size() + 1);  // both rank vectors average (n+1)/2
  double cov = 0.0, var_a = 0.0, var_b = 0.0;
  for (size_t i = 0; i < a.size(); ++i) {
    cov += (ra[i] - mean) * (rb[i] - mean);
    var_a += (ra[i] - mean) * (ra[i] - mean);
    var_b += (rb[i] - mean) * (rb[i] - mean);
  }
  if (var_a == 0.0 || var_b == 0.0) return 0.0;
  return cov / std::sqrt(var_a * var_b);
}

}  // namespace kdup
