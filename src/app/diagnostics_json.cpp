#include "app/diagnostics_json.h"

#include <cstdio>
#include <numeric>

namespace kdup {

namespace {

std::string fixed(double v, int digits = 2) {
  char buffer[64];
  std::snprintf(buffer, sizeof buffer, "%.*f", digits, v);
  return buffer;
}

nlohmann::json shares_json(const std::array<double, 3>& s) {
  return {{"many", s[0]}, {"medium", s[1]}, {"few", s[2]}};
}

std::string shares_text(const nlohmann::json& s) {
  return fixed(s.at("many")) + "/" + fixed(s.at("medium")) + "/" + fixed(s.at("few"));
}

// "all 0.68 (M/M/F 0.74/0.33/0.06, chance 0.25)"
std::string purity_text(const nlohmann::json& p) {
  std::string text = fixed(p.at("all")) + " (Many/Medium/Few " + shares_text(p);
  if (p.contains("chance")) text += ", chance " + fixed(p.at("chance"));
  if (p.contains("chance_few")) text += " / Few " + fixed(p.at("chance_few"), 3);
  return text + ")";
}

}  // namespace

nlohmann::json to_json(const GroupMeans& m) {
  return {{"all", m.all}, {"many", m.group[0]}, {"medium", m.group[1]}, {"few", m.group[2]}};
}

nlohmann::json to_json(const ClusterPurity& p) {
  return {{"weighted_purity", p.weighted},
          {"medium_majorities", p.medium_majorities},
          {"few_majorities", p.few_majorities},
          {"majority_class", p.majority_class},
          {"purity", p.purity}};
}

nlohmann::json to_json(const NeighbourPurity& p) {
  nlohmann::json j = to_json(p.purity);
  j["chance"] = p.chance.all;
  j["chance_many"] = p.chance.group[0];
  j["chance_medium"] = p.chance.group[1];
  j["chance_few"] = p.chance.group[2];
  return j;
}

nlohmann::json to_json(const OodPlacement& p) {
  return {{"placed", shares_json(p.placed)}, {"id_share", shares_json(p.id_share)}};
}

nlohmann::json refresh_diagnostics_json(const RefreshReport& r) {
  nlohmann::json d = {{"positive_purity", to_json(r.positive_purity)}};
  if (!r.cluster_purity.purity.empty()) d["cluster_purity"] = to_json(r.cluster_purity);
  if (r.sampled > 0 && r.ood_placement.placed != std::array<double, 3>{})
    d["ood_placement"] = to_json(r.ood_placement);
  if (r.random_placement.placed != std::array<double, 3>{})
    d["random_ood_placement"] = to_json(r.random_placement);
  return d;
}

std::string refresh_diagnostics_line(const RefreshReport& r) {
  const nlohmann::json d = refresh_diagnostics_json(r);
  std::string line = "kdup: refresh " + std::to_string(r.refresh) + " diagnostics: ";
  if (d.contains("cluster_purity")) {
    const auto& c = d.at("cluster_purity");
    line += "cluster purity " + fixed(c.at("weighted_purity")) + ", Medium/Few majorities " +
            std::to_string(c.at("medium_majorities").get<int64_t>()) + "/" +
            std::to_string(c.at("few_majorities").get<int64_t>()) + " of " +
            std::to_string(r.cluster_sizes.size()) + "; ";
  }
  line += "K_pos purity " + purity_text(d.at("positive_purity"));
  if (d.contains("ood_placement")) {
    const auto& p = d.at("ood_placement");
    line += "; OOD next to Many/Medium/Few " + shares_text(p.at("placed"));
    if (d.contains("random_ood_placement"))
      line += " (random " + shares_text(d.at("random_ood_placement").at("placed")) + ")";
    line += ", D_ID " + shares_text(p.at("id_share"));
  }
  return line;
}

nlohmann::json stage2_diagnostics_json(const GuidedPairs& pairs, int64_t num_clusters,
                                       const LabelGroups& groups, uint64_t seed) {
  std::vector<int64_t> anchors(groups.labels.size());
  std::iota(anchors.begin(), anchors.end(), 0);
  const AnchorPairs drawn = draw_anchor_pairs(pairs, anchors, seed, 0);
  return {{"neighbour_purity", to_json(neighbour_purity(pairs.neighbours, groups))},
          {"cluster_purity",
           to_json(cluster_purity(pairs.clusters.to_vector<int64_t>(), num_clusters, groups))},
          {"negative_collisions", to_json(negative_collisions(anchors, drawn.negatives, groups))}};
}

std::string stage2_diagnostics_line(const nlohmann::json& d) {
  const auto& c = d.at("cluster_purity");
  return "kdup: stage 2 diagnostics: K_kd purity " + purity_text(d.at("neighbour_purity")) +
         "; cluster purity " + fixed(c.at("weighted_purity")) + ", Medium/Few majorities " +
         std::to_string(c.at("medium_majorities").get<int64_t>()) + "/" +
         std::to_string(c.at("few_majorities").get<int64_t>()) +
         "; negatives of the anchor's class " + purity_text(d.at("negative_collisions"));
}

nlohmann::json diagnostics_from_log(const std::vector<nlohmann::json>& log) {
  nlohmann::json out = {{"refreshes", nlohmann::json::array()}};
  for (const nlohmann::json& record : log) {
    if (!record.contains("diagnostics")) continue;
    nlohmann::json d = record.at("diagnostics");
    d["epoch"] = record.at("epoch");
    nlohmann::json& refreshes = out["refreshes"];
    if (record.value("stage", "") == "stage2")
      out["stage2"] = d;
    else if (!refreshes.empty() && refreshes.back().at("epoch") == d.at("epoch"))
      refreshes.back() = d;  // a refresh run again after a resume
    else
      refreshes.push_back(d);
  }
  return out;
}

}  // namespace kdup
