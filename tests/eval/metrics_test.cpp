// The metric functions against hand-computed values.
#include <cmath>

#include "eval/metrics.h"
#include "test_util.h"

namespace kdup {
namespace {

TEST(Metrics, PerClassAccuracy) {
  std::vector<double> acc = per_class_accuracy({0, 1, 1, 2, 0}, {0, 1, 0, 2, 2}, 4);
  EXPECT_EQ(acc, (std::vector<double>{50.0, 100.0, 50.0, 0.0}));
}

TEST(Metrics, GroupsOfCifar10ByThirds) {
  // Class k has count counts[k]; accuracies fall with the count.
  std::vector<int64_t> counts{4500, 2697, 1617, 969, 581, 348, 208, 125, 75, 45};
  std::vector<double> acc{90, 80, 70, 60, 50, 40, 30, 20, 10, 0};
  GroupAccuracy g = group_accuracy(acc, counts, GroupRule::thirds);
  EXPECT_DOUBLE_EQ(g.many, 75.0);    // classes 0-3
  EXPECT_DOUBLE_EQ(g.medium, 40.0);  // classes 4-6
  EXPECT_DOUBLE_EQ(g.few, 10.0);     // classes 7-9
  EXPECT_NEAR(g.std, 26.562295750848712, 1e-12);  // population std of {75, 40, 10}
  EXPECT_DOUBLE_EQ(g.all, 45.0);
}

TEST(Metrics, GroupsFollowCountsNotClassIds) {
  std::vector<int64_t> counts{45, 4500, 75, 2697, 125, 1617, 208, 969, 348, 581};
  std::vector<double> acc{0, 90, 10, 80, 20, 70, 30, 60, 40, 50};
  GroupAccuracy g = group_accuracy(acc, counts, GroupRule::thirds);
  EXPECT_DOUBLE_EQ(g.many, 75.0);
  EXPECT_DOUBLE_EQ(g.few, 10.0);
}

TEST(Metrics, GroupsByThresholds) {
  GroupAccuracy g = group_accuracy({10, 20, 30, 40}, {500, 100, 20, 19}, GroupRule::thresholds);
  EXPECT_EQ(g.group_of_class, (std::vector<int>{0, 1, 1, 2}));
  EXPECT_DOUBLE_EQ(g.medium, 25.0);
}

TEST(Metrics, CalinskiHarabaszAndDaviesBouldinByHand) {
  // Two 1-D clusters {0, 2} and {10, 12}: centroids 1 and 11, overall mean 6.
  // B = 2*25 + 2*25 = 100, W = 4, CHI = (100 / 1) / (4 / 2) = 50.
  // Scatter 1 and 1, centroid distance 10: DBI = (1 + 1) / 10 = 0.2.
  Tensor x = Tensor::from_vector<double>({0, 2, 10, 12}, {4, 1});
  EXPECT_NEAR(calinski_harabasz(x, {3, 3, 8, 8}), 50.0, 1e-12);
  EXPECT_NEAR(davies_bouldin(x, {3, 3, 8, 8}), 0.2, 1e-12);
}

TEST(Metrics, IndicesOfThreeClustersIn2d) {
  // Cluster a {(0,0),(0,2)}, b {(4,0),(4,2)}, c {(0,8),(2,8)}: centroids (0,1), (4,1), (1,8),
  // overall (5/3, 10/3). Each cluster has scatter 1 (every point at distance 1 from its centroid).
  Tensor x = Tensor::from_vector<double>({0, 0, 0, 2, 4, 0, 4, 2, 0, 8, 2, 8}, {6, 2});
  std::vector<int64_t> y{0, 0, 1, 1, 2, 2};
  // B = 2*(25/9 + 49/9) + 2*(49/9 + 49/9) + 2*(4/9 + 196/9) = 744/9; W = 6; CHI = (744/9/2)/(6/3).
  EXPECT_NEAR(calinski_harabasz(x, y), (744.0 / 9 / 2) / 2.0, 1e-12);
  // Centroid distances: ab = 4, ac = sqrt(50), bc = sqrt(58); ratios 2/d; DBI = mean of the max.
  const double expected = (2.0 / 4 + 2.0 / 4 + 2.0 / std::sqrt(50.0)) / 3;
  EXPECT_NEAR(davies_bouldin(x, y), expected, 1e-12);
}

}  // namespace
}  // namespace kdup
