// What a run directory holds for the report, read without changing anything: config.json,
// results.json, tsne.json and the records of log.jsonl. Each part that is missing or unreadable
// leaves an explanation instead, so a report of an interrupted run shows what exists.
#pragma once
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

namespace kdup {

struct RunArtifacts {
  std::string dir;
  std::string name;  // results.json "name", else config.json run.label, else the directory name
  std::optional<nlohmann::json> config, results, tsne;
  std::vector<nlohmann::json> log;         // the readable records of log.jsonl, in order
  std::vector<std::string> problems;       // one sentence per missing or damaged part
  std::string results_problem, tsne_problem, log_problem;  // empty when that part was read
};

// Throws an Error naming `dir` when it is not a directory; never for a missing part inside it.
RunArtifacts load_run_artifacts(const std::string& dir);

// The value at a dotted key ("ood.pool_file") of a nested JSON object, if present.
std::optional<nlohmann::json> json_at(const nlohmann::json& root, const std::string& dotted_key);

}  // namespace kdup
