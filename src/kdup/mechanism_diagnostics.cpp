#include "kdup/mechanism_diagnostics.h"

#include <algorithm>
#include <map>

#include "eval/knn.h"
#include "eval/metrics.h"

namespace kdup {

namespace {

// Sums a per-anchor value into per-group and overall means.
class GroupAverager {
 public:
  void add(int group, double value) {
    sum_[group] += value, ++count_[group];
    total_ += value, ++n_;
  }
  GroupMeans means() const {
    GroupMeans m;
    m.all = n_ ? total_ / static_cast<double>(n_) : 0.0;
    for (int g = 0; g < 3; ++g)
      m.group[g] = count_[g] ? sum_[g] / static_cast<double>(count_[g]) : 0.0;
    return m;
  }

 private:
  std::array<double, 3> sum_{};
  std::array<int64_t, 3> count_{};
  double total_ = 0;
  int64_t n_ = 0;
};

}  // namespace

std::array<double, 3> LabelGroups::sample_shares() const {
  std::array<double, 3> shares{};
  for (size_t i = 0; i < labels.size(); ++i) shares[group_of_sample(static_cast<int64_t>(i))] += 1;
  for (double& s : shares) s /= std::max<double>(1.0, static_cast<double>(labels.size()));
  return shares;
}

LabelGroups label_groups_by_thirds(std::vector<int64_t> labels) {
  if (labels.empty()) return {};
  const int64_t classes = labels.empty() ? 0 : *std::max_element(labels.begin(), labels.end()) + 1;
  std::vector<int64_t> counts(static_cast<size_t>(classes), 0);
  for (int64_t y : labels) ++counts[y];
  std::vector<int> groups =
      group_accuracy(std::vector<double>(counts.size(), 0.0), counts, GroupRule::thirds)
          .group_of_class;
  return {std::move(labels), std::move(groups)};
}

ClusterPurity cluster_purity(const std::vector<int64_t>& assignments, int64_t num_clusters,
                             const LabelGroups& groups) {
  KDUP_CHECK(assignments.size() == groups.labels.size(),
             "cluster_purity: " << assignments.size() << " assignments for " << groups.labels.size()
                                << " labels");
  std::vector<std::map<int64_t, int64_t>> votes(static_cast<size_t>(num_clusters));
  for (size_t i = 0; i < assignments.size(); ++i) ++votes[assignments[i]][groups.labels[i]];
  ClusterPurity p;
  double weighted = 0;
  for (const auto& cluster : votes) {
    int64_t best = -1, best_votes = 0, size = 0;
    for (const auto& [label, n] : cluster) {  // ties keep the lower label
      size += n;
      if (n > best_votes) best = label, best_votes = n;
    }
    p.majority_class.push_back(best);
    p.purity.push_back(size ? static_cast<double>(best_votes) / static_cast<double>(size) : 0.0);
    weighted += static_cast<double>(best_votes);
    if (best >= 0 && groups.group_of_class[best] == 1) ++p.medium_majorities;
    if (best >= 0 && groups.group_of_class[best] == 2) ++p.few_majorities;
  }
  p.weighted = weighted / std::max<double>(1.0, static_cast<double>(assignments.size()));
  return p;
}

NeighbourPurity neighbour_purity(const Tensor& lists, const LabelGroups& groups) {
  KDUP_CHECK(lists.dim() == 2,
             "neighbour_purity: lists must be [N, K], got " << shape_str(lists.shape()));
  const int64_t n_id = static_cast<int64_t>(groups.labels.size());
  const int64_t rows = std::min(lists.size(0), n_id), k = lists.size(1);
  const std::vector<int64_t> entries = lists.to(Device::cpu).to_vector<int64_t>();
  std::map<int64_t, int64_t> class_count;
  for (int64_t y : groups.labels) ++class_count[y];
  GroupAverager purity, chance;
  for (int64_t i = 0; i < rows; ++i) {
    int64_t same = 0, counted = 0;
    for (int64_t t = 0; t < k; ++t) {
      const int64_t j = entries[i * k + t];
      if (j < 0 || j >= n_id) continue;
      ++counted;
      same += groups.labels[j] == groups.labels[i];
    }
    if (counted == 0) continue;
    const int group = groups.group_of_sample(i);
    purity.add(group, static_cast<double>(same) / static_cast<double>(counted));
    chance.add(group, static_cast<double>(class_count[groups.labels[i]]) / static_cast<double>(n_id));
  }
  return {purity.means(), chance.means()};
}

GroupMeans negative_collisions(const std::vector<int64_t>& anchors,
                               const std::vector<int64_t>& negatives, const LabelGroups& groups) {
  KDUP_CHECK(anchors.size() == negatives.size(),
             "negative_collisions: " << anchors.size() << " anchors, " << negatives.size()
                                     << " negatives");
  GroupAverager averager;
  for (size_t i = 0; i < anchors.size(); ++i)
    averager.add(groups.group_of_sample(anchors[i]),
                 groups.labels[negatives[i]] == groups.labels[anchors[i]] ? 1.0 : 0.0);
  return averager.means();
}

OodPlacement ood_placement(const Tensor& ood_embeddings, const Tensor& id_embeddings,
                           const LabelGroups& groups) {
  OodPlacement p;
  p.id_share = groups.sample_shares();
  if (!ood_embeddings.defined() || ood_embeddings.size(0) == 0) return p;
  const std::vector<int64_t> nearest =
      nearest_neighbours(ood_embeddings, id_embeddings, 1, false).indices.to_vector<int64_t>();
  for (int64_t j : nearest) p.placed[groups.group_of_sample(j)] += 1;
  for (double& s : p.placed) s /= static_cast<double>(nearest.size());
  return p;
}

}  // namespace kdup
