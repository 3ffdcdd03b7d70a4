// Spearman rank correlation, a diagnostic: e.g. how well the cluster tailness ranks the true class
// sizes of the clusters' members.
#pragma once
#include <vector>

namespace kdup {

// 1-based ranks of the values, ascending; tied values share the average of their ranks.
std::vector<double> average_ranks(const std::vector<double>& values);

// Pearson correlation of the average ranks of a and b (equal lengths, at least 2). When either
// vector is constant its ranks carry no ordering, and the result is 0.
double spearman_correlation(const std::vector<double>& a, const std::vector<double>& b);

}  // namespace kdup
