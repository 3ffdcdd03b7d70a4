// The mechanism diagnostics (kdup/mechanism_diagnostics.h, METHOD.md §6) as log.jsonl /
// results.json records and as one console line each.
#pragma once
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "kdup/guided_pairs.h"
#include "kdup/mechanism_diagnostics.h"
#include "kdup/stage1_refresh.h"

namespace kdup {

nlohmann::json to_json(const GroupMeans& m);
nlohmann::json to_json(const ClusterPurity& p);
nlohmann::json to_json(const NeighbourPurity& p);
nlohmann::json to_json(const OodPlacement& p);

// A refresh's diagnostics (r.has_diagnostics), and its console line.
nlohmann::json refresh_diagnostics_json(const RefreshReport& r);
std::string refresh_diagnostics_line(const RefreshReport& r);

// Stage 2's pairs against the true classes: the purity of the K_kd neighbour lists and of the
// clusters the negatives come from, and the share of anchors whose negative (drawn as in stage
// 2's first epoch) has the anchor's class.
nlohmann::json stage2_diagnostics_json(const GuidedPairs& pairs, int64_t num_clusters,
                                       const LabelGroups& groups, uint64_t seed);
std::string stage2_diagnostics_line(const nlohmann::json& d);

// The diagnostics records of a run's log.jsonl, for results.json: {"refreshes": [...], "stage2":
// {...}}, each with its epoch; a refresh logged twice (run again after a resume) counts once.
nlohmann::json diagnostics_from_log(const std::vector<nlohmann::json>& log);

}  // namespace kdup
