#include "app/run_artifacts.h"

#include <filesystem>
#include <fstream>
#include <sstream>

#include "tensor/error.h"

namespace kdup {

namespace fs = std::filesystem;
using nlohmann::json;

namespace {

// The parsed file, or nullopt with `problem` set to a sentence naming the file.
std::optional<json> read_json_file(const fs::path& path, const std::string& when_missing,
                                   std::string& problem) {
  std::ifstream in(path);
  if (!in) {
    problem = path.filename().string() + " missing: " + when_missing;
    return std::nullopt;
  }
  json parsed = json::parse(in, nullptr, /*allow_exceptions=*/false);
  if (parsed.is_discarded()) {
    problem = path.filename().string() + " unreadable: not valid JSON (written while interrupted?)";
    return std::nullopt;
  }
  return parsed;
}

void read_log_records(const fs::path& path, RunArtifacts& run) {
  std::ifstream in(path);
  if (!in) {
    run.log_problem = "log.jsonl missing: the run did not finish its first epoch";
    return;
  }
  int64_t skipped = 0;
  for (std::string line; std::getline(in, line);) {
    if (line.find_first_not_of(" \t\r") == std::string::npos) continue;
    json record = json::parse(line, nullptr, /*allow_exceptions=*/false);
    if (record.is_discarded() || !record.is_object()) ++skipped;
    else run.log.push_back(std::move(record));
  }
  if (skipped > 0)
    run.problems.push_back("log.jsonl: " + std::to_string(skipped) +
                           " unreadable line(s) skipped (a line cut short by an interrupted run)");
}

std::string string_or(const std::optional<json>& root, const std::string& key,
                      const std::string& fallback) {
  if (!root) return fallback;
  std::optional<json> value = json_at(*root, key);
  return value && value->is_string() && !value->get<std::string>().empty()
             ? value->get<std::string>()
             : fallback;
}

}  // namespace

std::optional<json> json_at(const json& root, const std::string& dotted_key) {
  if (root.is_object() && root.contains(dotted_key)) return root.at(dotted_key);
  const json* node = &root;
  std::istringstream parts(dotted_key);
  for (std::string part; std::getline(parts, part, '.');) {
    if (!node->is_object() || !node->contains(part)) return std::nullopt;
    node = &node->at(part);
  }
  return *node;
}

RunArtifacts load_run_artifacts(const std::string& dir) {
  std::error_code ec;
  KDUP_CHECK(fs::is_directory(dir, ec), dir << ": no such run directory");
  RunArtifacts run;
  run.dir = dir;
  const fs::path root(dir);
  std::string config_problem;
  run.config = read_json_file(root / "config.json", "not a kdup run directory?", config_problem);
  run.results = read_json_file(root / "results.json", "the run did not finish its evaluation",
                               run.results_problem);
  run.tsne = read_json_file(root / "tsne.json",
                            "the run did not finish its evaluation (or was evaluated before "
                            "t-SNE maps were written)",
                            run.tsne_problem);
  read_log_records(root / "log.jsonl", run);
  std::vector<std::string> problems;
  for (const std::string* p : {&config_problem, &run.results_problem, &run.tsne_problem,
                               &run.log_problem})
    if (!p->empty()) problems.push_back(*p);
  run.problems.insert(run.problems.begin(), problems.begin(), problems.end());
  fs::path normal = fs::path(dir).lexically_normal();
  if (normal.filename().empty()) normal = normal.parent_path();
  const std::string dir_name = normal.filename().string();
  run.name = string_or(run.results, "name",
                       string_or(run.config, "run.label", dir_name.empty() ? dir : dir_name));
  return run;
}

}  // namespace kdup
