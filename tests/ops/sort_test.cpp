// topk and argsort against std::stable_sort, with ties, NaN, infinities, both zeros and leading
// dimensions; k out of range.
#include <algorithm>
#include <cmath>
#include <limits>
#include <numeric>
#include <random>

#include "test_util.h"

namespace kdup {
namespace {

// a < b, with NaN above every number (and equal to itself).
bool ranks_below(double a, double b) {
  if (std::isnan(a)) return false;
  return std::isnan(b) || a < b;
}

// Positions 0..n-1 of one row ordered by value (descending or ascending), ties by position.
std::vector<int64_t> reference_order(const std::vector<double>& row, bool descending) {
  std::vector<int64_t> order(row.size());
  std::iota(order.begin(), order.end(), int64_t{0});
  std::stable_sort(order.begin(), order.end(), [&](int64_t a, int64_t b) {
    return descending ? ranks_below(row[b], row[a]) : ranks_below(row[a], row[b]);
  });
  return order;
}

bool same_value(double a, double b) { return (std::isnan(a) && std::isnan(b)) || a == b; }

// Rows of a [rows, n] tensor, as doubles.
std::vector<std::vector<double>> rows_of(const Tensor& x) {
  std::vector<double> flat = x.to_vector<double>();
  const int64_t n = x.shape().back();
  std::vector<std::vector<double>> rows;
  for (size_t at = 0; at < flat.size(); at += n) rows.emplace_back(flat.begin() + at, flat.begin() + at + n);
  return rows;
}

void expect_topk_matches_sort(const Tensor& x, int64_t k, bool largest) {
  auto [values, indices] = topk(x, k, -1, largest);
  ASSERT_EQ(values.shape(), (Shape{x.shape()[0], k}));
  std::vector<double> v = values.to_vector<double>();
  std::vector<int64_t> i = indices.to_vector<int64_t>();
  auto rows = rows_of(x);
  for (size_t r = 0; r < rows.size(); ++r) {
    std::vector<int64_t> order = reference_order(rows[r], largest);
    for (int64_t j = 0; j < k; ++j) {
      EXPECT_EQ(i[r * k + j], order[j]) << "row " << r << " rank " << j;
      EXPECT_TRUE(same_value(v[r * k + j], rows[r][order[j]])) << "row " << r << " rank " << j;
    }
  }
}

void expect_argsort_matches_sort(const Tensor& x, bool descending) {
  std::vector<int64_t> got = argsort(x, -1, descending).to_vector<int64_t>();
  auto rows = rows_of(x);
  const size_t n = rows[0].size();
  for (size_t r = 0; r < rows.size(); ++r) {
    std::vector<int64_t> order = reference_order(rows[r], descending);
    for (size_t j = 0; j < n; ++j) EXPECT_EQ(got[r * n + j], order[j]) << "row " << r << " at " << j;
  }
}

TEST(Sort, TopkMatchesStdSortOnRandomData) {
  Tensor x = Tensor::randn({5, 9}, 61, DType::f32);
  expect_topk_matches_sort(x, 4, true);
  expect_topk_matches_sort(x, 4, false);
  expect_topk_matches_sort(x, 9, true);
  expect_topk_matches_sort(x, 0, true);
}

TEST(Sort, TopkBreaksTiesByLowerIndex) {
  Tensor x = Tensor::from_vector<double>({1, 3, 3, 0, 3, 1, 2, 2, 2, 2, 0, 0}, {2, 6});
  expect_topk_matches_sort(x, 3, true);
  expect_topk_matches_sort(x, 3, false);
  auto [values, indices] = topk(x, 2);
  test::expect_close(values.to_vector<double>(), {3, 3, 2, 2}, 0);
  EXPECT_EQ(indices.to_vector<int64_t>(), (std::vector<int64_t>{1, 2, 0, 1}));
}

// Long rows drawn from a few values with NaN, infinities and both zeros, so that ties are
// everywhere and the selection's buffer fills and is cut down many times.
Tensor special_rows(int64_t rows, int64_t n, DType dtype, uint32_t seed) {
  const double nan = std::numeric_limits<double>::quiet_NaN(), inf = HUGE_VAL;
  const std::vector<double> pool = {nan, -inf, inf, -0.0, 0.0, 1.0, -1.0, 2.5, 0.5, -3.0};
  std::mt19937 rng(seed);
  std::vector<double> values(static_cast<size_t>(rows * n));
  for (double& v : values) v = pool[rng() % pool.size()];
  return Tensor::from_vector<double>(values, {rows, n}).to(dtype);
}

TEST(Sort, TopkAndArgsortOrderNanInfinitiesAndZerosOnLongRows) {
  for (DType dtype : {DType::f32, DType::f64}) {
    Tensor x = special_rows(3, 700, dtype, 66);
    for (int64_t k : {1, 7, 250, 700}) {
      expect_topk_matches_sort(x, k, true);
      expect_topk_matches_sort(x, k, false);
    }
    expect_argsort_matches_sort(x, true);
    expect_argsort_matches_sort(x, false);
  }
}

TEST(Sort, ArgsortMatchesStdSortAndIsStable) {
  expect_argsort_matches_sort(Tensor::randn({4, 11}, 62, DType::f64), false);
  expect_argsort_matches_sort(Tensor::randn({4, 11}, 63, DType::f64), true);
  Tensor ties = Tensor::from_vector<float>({2, 1, 2, 1, 0, 2, 5, 5, 5}, {1, 9});
  expect_argsort_matches_sort(ties, false);
  expect_argsort_matches_sort(ties, true);
  EXPECT_EQ(argsort(ties).to_vector<int64_t>(), (std::vector<int64_t>{4, 1, 3, 0, 2, 5, 6, 7, 8}));
}

TEST(Sort, LeadingDimension) {
  // Along dim 0 equals the transposed problem along the last dimension.
  Tensor x = Tensor::randn({6, 3}, 64, DType::f64);
  auto [values, indices] = topk(x, 2, 0);
  EXPECT_EQ(values.shape(), (Shape{2, 3}));
  auto [values_t, indices_t] = topk(x.t(), 2, -1);
  EXPECT_EQ(values.to_vector<double>(), values_t.t().contiguous().to_vector<double>());
  EXPECT_EQ(indices.to_vector<int64_t>(), indices_t.t().contiguous().to_vector<int64_t>());
  EXPECT_EQ(argsort(x, 0, true).to_vector<int64_t>(),
            argsort(x.t(), 1, true).t().contiguous().to_vector<int64_t>());
}

TEST(Sort, CarriesNoGradient) {
  Tensor x = test::leaf({2, 4}, 65);
  EXPECT_FALSE(topk(x, 2).first.requires_grad());
  EXPECT_FALSE(argsort(x).requires_grad());
}

TEST(Sort, RejectsKLargerThanTheRow) {
  Tensor x = Tensor::zeros({2, 3});
  test::expect_error([&] { topk(x, 4); }, {"topk", "k = 4", "3"});
  test::expect_error([&] { topk(x, -1); }, {"topk", "k = -1"});
  test::expect_error([&] { argsort(x, 2); }, {"argsort", "dimension 2"});
}

}  // namespace
}  // namespace kdup
