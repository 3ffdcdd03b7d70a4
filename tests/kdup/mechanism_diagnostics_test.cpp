// The mechanism diagnostics of METHOD.md §6 on hand-made labels, lists and embeddings whose answers
// are known.
#include "kdup/mechanism_diagnostics.h"

#include "test_util.h"

namespace kdup {
namespace {

// Three classes of 6, 3 and 1 samples: class 0 Many, 1 Medium, 2 Few (one class per third).
LabelGroups three_classes() { return label_groups_by_thirds({0, 0, 0, 0, 0, 0, 1, 1, 1, 2}); }

TEST(MechanismDiagnostics, GroupsFollowTheClassCounts) {
  const LabelGroups g = three_classes();
  EXPECT_EQ(g.group_of_class, (std::vector<int>{0, 1, 2}));
  const auto shares = g.sample_shares();
  EXPECT_DOUBLE_EQ(shares[0], 0.6);
  EXPECT_DOUBLE_EQ(shares[1], 0.3);
  EXPECT_DOUBLE_EQ(shares[2], 0.1);
}

TEST(MechanismDiagnostics, ClusterPurityCountsMajoritiesByGroup) {
  const LabelGroups g = three_classes();
  // Cluster 0: five of class 0 and one of class 1; cluster 1: two of class 1, one of class 0;
  // cluster 2: the Few sample alone; cluster 3: empty.
  const std::vector<int64_t> assignments = {0, 0, 0, 0, 0, 1, 0, 1, 1, 2};
  const ClusterPurity p = cluster_purity(assignments, 4, g);
  EXPECT_EQ(p.majority_class, (std::vector<int64_t>{0, 1, 2, -1}));
  EXPECT_DOUBLE_EQ(p.purity[0], 5.0 / 6.0);
  EXPECT_DOUBLE_EQ(p.purity[1], 2.0 / 3.0);
  EXPECT_DOUBLE_EQ(p.purity[2], 1.0);
  EXPECT_DOUBLE_EQ(p.purity[3], 0.0);
  EXPECT_DOUBLE_EQ(p.weighted, (5.0 + 2.0 + 1.0) / 10.0);
  EXPECT_EQ(p.medium_majorities, 1);
  EXPECT_EQ(p.few_majorities, 1);
  EXPECT_THROW(cluster_purity({0, 1}, 2, g), Error);
}

TEST(MechanismDiagnostics, NeighbourPurityAveragesPerGroupAndSkipsOtherDomains) {
  const LabelGroups g = three_classes();
  // Two neighbours per row. Class-0 rows list two class-0 samples (purity 1) except row 5, which
  // lists one class-1 sample and one OOD position (10 or beyond: left out, so purity 0). Class-1
  // rows list one class-1 and one class-0 sample (0.5); the Few row lists class 0 twice (0).
  // Row 10 is an OOD row and is left out.
  std::vector<int64_t> lists = {1,  2, 0, 2, 0, 1, 0, 1, 0, 1,  6,
                                10, 7, 0, 8, 0, 6, 0, 0, 1, 11, 12};
  const NeighbourPurity p = neighbour_purity(Tensor::from_vector<int64_t>(lists, {11, 2}), g);
  EXPECT_DOUBLE_EQ(p.purity.group[0], 5.0 / 6.0);
  EXPECT_DOUBLE_EQ(p.purity.group[1], 0.5);
  EXPECT_DOUBLE_EQ(p.purity.group[2], 0.0);
  EXPECT_DOUBLE_EQ(p.purity.all, (5.0 + 1.5 + 0.0) / 10.0);
  // Random lists: each anchor's class share, averaged like the purity.
  EXPECT_DOUBLE_EQ(p.chance.all, 0.36 + 0.09 + 0.01);
  EXPECT_DOUBLE_EQ(p.chance.group[0], 0.6);
  EXPECT_DOUBLE_EQ(p.chance.group[1], 0.3);
  EXPECT_DOUBLE_EQ(p.chance.group[2], 0.1);
}

TEST(MechanismDiagnostics, NegativeCollisionsAreTheShareOfSameClassNegatives) {
  const LabelGroups g = three_classes();
  const GroupMeans m = negative_collisions({0, 1, 6, 9}, {2, 7, 8, 0}, g);
  EXPECT_DOUBLE_EQ(m.group[0], 0.5);  // anchor 0 collides (class 0), anchor 1 does not
  EXPECT_DOUBLE_EQ(m.group[1], 1.0);
  EXPECT_DOUBLE_EQ(m.group[2], 0.0);
  EXPECT_DOUBLE_EQ(m.all, 0.5);
}

TEST(MechanismDiagnostics, OodImagesArePlacedAtTheirNearestIdImagesClass) {
  const LabelGroups g = three_classes();
  // ID sample i points along axis labels[i] (with a small tilt per sample); OOD images along
  // axes 2, 2, 1 and 0: placed next to Few, Few, Medium, Many.
  std::vector<float> id;
  for (size_t i = 0; i < g.labels.size(); ++i) {
    std::vector<float> v = {0.01f * static_cast<float>(i), 0, 0};
    v[g.labels[i]] = 1;
    id.insert(id.end(), v.begin(), v.end());
  }
  const std::vector<float> ood = {0, 0.1f, 1, 0.1f, 0, 1, 0, 1, 0.2f, 1, 0, 0};
  const OodPlacement p = ood_placement(Tensor::from_vector<float>(ood, {4, 3}),
                                       Tensor::from_vector<float>(id, {10, 3}), g);
  EXPECT_DOUBLE_EQ(p.placed[0], 0.25);
  EXPECT_DOUBLE_EQ(p.placed[1], 0.25);
  EXPECT_DOUBLE_EQ(p.placed[2], 0.5);
  EXPECT_DOUBLE_EQ(p.id_share[2], 0.1);
}

}  // namespace
}  // namespace kdup
