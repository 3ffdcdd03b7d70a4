// The diagnostics of the mechanism (METHOD.md §6): how closely the structure the method builds
// without labels — clusters, L_PSD's positive lists, stage 2's neighbours and negatives, the
// sampled OOD images — follows the true classes of D_ID. The true labels are read here for
// diagnosis only; nothing the method computes depends on them.
#pragma once
#include <array>
#include <cstdint>
#include <vector>

#include "tensor/tensor.h"

namespace kdup {

// The true class of every D_ID sample (by position) and the group of every class:
// 0 Many, 1 Medium, 2 Few (eval/metrics.h's rule on the D_ID class counts).
struct LabelGroups {
  std::vector<int64_t> labels;
  std::vector<int> group_of_class;

  int group_of_sample(int64_t position) const { return group_of_class[labels[position]]; }
  // Share of the D_ID samples in each group.
  std::array<double, 3> sample_shares() const;
};

// Many/Medium/Few by the thirds of the class counts of `labels` (CIFAR's rule, METHOD.md §5); no
// labels: no groups.
LabelGroups label_groups_by_thirds(std::vector<int64_t> labels);

// A quantity averaged over the anchors of each group and over all anchors.
struct GroupMeans {
  double all = 0;
  std::array<double, 3> group{};  // Many, Medium, Few
};

struct ClusterPurity {
  std::vector<int64_t> majority_class;  // per cluster; -1 for an empty cluster
  std::vector<double> purity;           // per cluster: its majority class's share of its members
  double weighted = 0;                  // size-weighted mean of the purities
  int64_t medium_majorities = 0;        // clusters whose majority class is a Medium class
  int64_t few_majorities = 0;           // ... a Few class
};
// assignments: the cluster of every D_ID position, in [0, num_clusters).
ClusterPurity cluster_purity(const std::vector<int64_t>& assignments, int64_t num_clusters,
                             const LabelGroups& groups);

// Neighbour purity of lists int64 [N, K] whose first rows are D_ID positions (rows and entries at
// or beyond labels.size(), e.g. the OOD part of stage 1's merged set, are left out): the share of a
// row's neighbours with the row's class, averaged per group of the anchor. `chance` is the purity
// of random lists, averaged the same way: the D_ID share of each anchor's class (over all anchors,
// the sum of the squared class shares).
struct NeighbourPurity {
  GroupMeans purity;
  GroupMeans chance;
};
NeighbourPurity neighbour_purity(const Tensor& lists, const LabelGroups& groups);

// The share of anchors (D_ID positions) whose negative has the anchor's class, per group.
GroupMeans negative_collisions(const std::vector<int64_t>& anchors,
                               const std::vector<int64_t>& negatives, const LabelGroups& groups);

// OOD placement: each sampled OOD image is placed at the class of its most cosine-similar D_ID
// image; the shares of placements in the Many / Medium / Few groups against those groups' share of
// D_ID. ood_embeddings [N_b, D] and id_embeddings [N_id, D], the embeddings used for sampling.
struct OodPlacement {
  std::array<double, 3> placed{};  // share of OOD images placed next to each group
  std::array<double, 3> id_share{};
};
OodPlacement ood_placement(const Tensor& ood_embeddings, const Tensor& id_embeddings,
                           const LabelGroups& groups);

}  // namespace kdup
