// Positive lists for L_PSD (METHOD.md §1.6) and the Spearman diagnostic.
#include "eval/knn.h"
#include "kdup/positive_lists.h"
#include "kdup/spearman.h"
#include "test_util.h"

namespace kdup {
namespace {

TEST(PositiveLists, StayWithinTheirDomainAndExcludeSelf) {
  Tensor id = Tensor::randn({50, 8}, 1, DType::f64), ood = Tensor::randn({30, 8}, 2, DType::f64);
  Tensor lists = positive_lists(id, ood, 3, 16);
  ASSERT_EQ(lists.shape(), (Shape{80, 3}));
  ASSERT_EQ(lists.dtype(), DType::i64);
  const std::vector<int64_t> l = lists.to_vector<int64_t>();
  const std::vector<int64_t> id_nn = nearest_neighbours(id, id, 3, true).indices.to_vector<int64_t>();
  const std::vector<int64_t> ood_nn = nearest_neighbours(ood, ood, 3, true).indices.to_vector<int64_t>();
  for (int64_t row = 0; row < 80; ++row)
    for (int64_t j = 0; j < 3; ++j) {
      const int64_t n = l[row * 3 + j];
      EXPECT_NE(n, row);
      if (row < 50) {
        EXPECT_LT(n, 50) << "ID row " << row;
        EXPECT_EQ(n, id_nn[row * 3 + j]);
      } else {
        EXPECT_GE(n, 50) << "OOD row " << row;
        EXPECT_EQ(n, 50 + ood_nn[(row - 50) * 3 + j]);
      }
    }
}

TEST(PositiveLists, PlantedPairsFindEachOther) {
  // Rows 2i and 2i+1 are near-copies; with K_pos = 1 each lists its twin.
  Tensor base = Tensor::randn({10, 16}, 3, DType::f64);
  std::vector<double> b = base.to_vector<double>(), rows;
  for (int64_t i = 0; i < 10; ++i)
    for (int copy = 0; copy < 2; ++copy)
      for (int64_t j = 0; j < 16; ++j) rows.push_back(b[i * 16 + j] * (1.0 + 0.01 * copy));
  Tensor twins = Tensor::from_vector(rows, {20, 16});
  const std::vector<int64_t> l = positive_lists(twins, twins, 1).to_vector<int64_t>();
  for (int64_t row = 0; row < 40; ++row) EXPECT_EQ(l[row], row ^ 1) << "row " << row;
}

TEST(PositiveLists, WithoutOodDataListsTheIdRowsOnly) {
  Tensor id = Tensor::randn({12, 4}, 4);
  EXPECT_EQ(positive_lists(id, Tensor(), 3).shape(), (Shape{12, 3}));
  EXPECT_EQ(positive_lists(id, Tensor::zeros({0, 4}), 3).shape(), (Shape{12, 3}));
}

TEST(PositiveLists, TooFewRowsGiveClearErrors) {
  Tensor id = Tensor::randn({12, 4}, 4);
  test::expect_error([&] { positive_lists(id, Tensor::randn({3, 4}, 5), 3); }, {"K_pos = 3", "4 OOD rows", "got 3"});
  test::expect_error([&] { positive_lists(Tensor::randn({2, 4}, 5), Tensor(), 3); }, {"K_pos = 3", "ID rows"});
  test::expect_error([&] { positive_lists(id, Tensor::randn({8, 5}, 5), 3); }, {"width 4"});
}

TEST(TailnessDiagnostics, SpearmanOnKnownVectors) {
  EXPECT_EQ(average_ranks({10, 20, 10, 30}), (std::vector<double>{1.5, 3, 1.5, 4}));
  EXPECT_NEAR(spearman_correlation({1, 2, 3, 4, 5}, {1, 8, 27, 64, 125}), 1.0, 1e-12);
  EXPECT_NEAR(spearman_correlation({1, 2, 3, 4, 5}, {5, 4, 3, 2, 1}), -1.0, 1e-12);
  // Ties: ranks of b are {1, 2, 3.5, 5, 3.5}; Pearson of the ranks is 8 / sqrt(10 · 9.5).
  EXPECT_NEAR(spearman_correlation({1, 2, 3, 4, 5}, {5, 6, 7, 8, 7}), 0.8207826816681233, 1e-12);
  EXPECT_EQ(spearman_correlation({1, 2, 3}, {4, 4, 4}), 0.0);
  test::expect_error([] { spearman_correlation({1, 2}, {1, 2, 3}); }, {"spearman_correlation", "equal length"});
}

}  // namespace
}  // namespace kdup
