#include "app/run_dir.h"

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <regex>
#include <sstream>
#include <tuple>

#include "tensor/error.h"

namespace kdup {

namespace fs = std::filesystem;
using nlohmann::json;

namespace {

const char* const kConfigFile = "config.json";
const char* const kLogFile = "log.jsonl";

std::string read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return "";
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

std::string describe_value(const json& flat, const std::string& key) {
  std::string pointer = "/" + key;
  std::replace(pointer.begin(), pointer.end(), '.', '/');
  return flat.contains(pointer) ? flat[pointer].dump() : "(absent)";
}

}  // namespace

std::vector<std::string> differing_keys(const json& a, const json& b) {
  const json flat_a = a.flatten(), flat_b = b.flatten();
  std::vector<std::string> keys;
  auto note = [&](const std::string& pointer) {
    if (pointer.empty()) return;  // an empty object flattens to {"": null}
    std::string key = pointer.substr(1);
    std::replace(key.begin(), key.end(), '/', '.');
    if (std::find(keys.begin(), keys.end(), key) == keys.end()) keys.push_back(key);
  };
  for (const auto& [pointer, value] : flat_a.items())
    if (!flat_b.contains(pointer) || flat_b[pointer] != value) note(pointer);
  for (const auto& [pointer, value] : flat_b.items())
    if (!flat_a.contains(pointer)) note(pointer);
  return keys;
}

RunDir::RunDir(std::string dir, const json& config, bool resume) : dir_(std::move(dir)) {
  std::error_code ec;
  fs::create_directories(dir_, ec);
  KDUP_CHECK(!ec && fs::is_directory(dir_), dir_ << ": cannot create the run directory ("
                                                 << (ec ? ec.message() : "not a directory") << ")");
  const std::string config_path = path(kConfigFile);
  if (fs::exists(config_path)) {
    const json stored = json::parse(read_file(config_path), nullptr, /*allow_exceptions=*/false);
    const json previous = stored.is_discarded() ? json::object() : stored;
    changed_keys_ = differing_keys(previous, config);
    if (!changed_keys_.empty() && !resume) {
      std::ostringstream changes;
      const json flat_old = previous.flatten(), flat_new = config.flatten();
      const size_t shown = std::min<size_t>(changed_keys_.size(), 4);
      for (size_t i = 0; i < shown; ++i)
        changes << (i ? ", " : "") << changed_keys_[i] << " "
                << describe_value(flat_old, changed_keys_[i]) << " -> "
                << describe_value(flat_new, changed_keys_[i]);
      if (changed_keys_.size() > shown) changes << ", ...";
      KDUP_CHECK(false,
                 dir_ << ": the run directory exists with a different config ("
                      << (stored.is_discarded() ? "its config.json is unreadable" : changes.str())
                      << "); pass --resume to continue it, or choose another run name");
    }
  }
  // A fresh run would add its records to the old run's log and replace its checkpoints.
  std::error_code size_error;
  const auto log_size = fs::file_size(path(kLogFile), size_error);
  KDUP_CHECK(resume || ((size_error || log_size == 0) && checkpoints().empty()),
             dir_ << ": the run directory holds a run already (log.jsonl, checkpoints); pass "
                     "--resume to continue it, or choose another run name");
  if (fs::exists(config_path) && changed_keys_.empty()) return;  // config.json stays as it is
  write_file_atomic(config_path, config.dump(2) + "\n");
}

std::string RunDir::path(const std::string& relative_name) const {
  return (fs::path(dir_) / relative_name).string();
}

void RunDir::append_log(const json& record) {
  const std::string log_path = path(kLogFile);
  std::string line = record.dump() + "\n";
  if (!log_checked_) {
    // A run killed mid-line leaves a last line without its newline; start on a fresh line.
    std::ifstream in(log_path, std::ios::binary | std::ios::ate);
    if (in && in.tellg() > 0) {
      in.seekg(-1, std::ios::end);
      if (in.get() != '\n') line.insert(line.begin(), '\n');
    }
    log_checked_ = true;
  }
  append_file_durable(log_path, line);
}

std::vector<json> RunDir::read_log() const {
  std::vector<json> records;
  std::istringstream lines(read_file(path(kLogFile)));
  for (std::string line; std::getline(lines, line);) {
    json record = json::parse(line, nullptr, /*allow_exceptions=*/false);
    if (!record.is_discarded()) records.push_back(std::move(record));
  }
  return records;
}

int64_t RunDir::drop_log_records(const std::function<bool(const json&)>& drop) {
  const std::string log_path = path(kLogFile);
  const std::string text = read_file(log_path);
  std::string kept;
  int64_t removed = 0;
  for (size_t begin = 0; begin < text.size();) {
    const size_t end = text.find('\n', begin);
    const bool whole = end != std::string::npos;  // a last line without '\n' was cut short
    const std::string line = text.substr(begin, whole ? end - begin : std::string::npos);
    begin = whole ? end + 1 : text.size();
    if (line.empty()) continue;
    const json record = json::parse(line, nullptr, /*allow_exceptions=*/false);
    if (!whole || record.is_discarded() || drop(record))
      ++removed;
    else
      kept += line + "\n";
  }
  if (removed > 0) write_file_atomic(log_path, kept);
  log_checked_ = true;  // the log now ends with a whole line
  return removed;
}

void RunDir::write_text_atomic(const std::string& relative_name, const std::string& text) const {
  const fs::path target = path(relative_name);
  if (target.has_parent_path()) {
    std::error_code ec;
    fs::create_directories(target.parent_path(), ec);
    KDUP_CHECK(!ec, target.parent_path().string()
                        << ": cannot create directory (" << ec.message() << ")");
  }
  write_file_atomic(target.string(), text);
}

std::string RunDir::checkpoint_name(int64_t epoch, int64_t step) {
  char name[96];
  if (step == 0)
    std::snprintf(name, sizeof name, "checkpoint_epoch_%04lld.safetensors",
                  static_cast<long long>(epoch));
  else
    std::snprintf(name, sizeof name, "checkpoint_epoch_%04lld_step_%04lld.safetensors",
                  static_cast<long long>(epoch), static_cast<long long>(step));
  return name;
}

std::vector<CheckpointFile> RunDir::checkpoints() const {
  static const std::regex pattern(
      R"(checkpoint_epoch_(\d{1,18})(?:_step_(\d{1,18}))?\.safetensors)");
  std::vector<CheckpointFile> found;
  std::error_code ec;
  for (const auto& entry : fs::directory_iterator(dir_, ec)) {
    const std::string name = entry.path().filename().string();
    std::smatch match;
    if (entry.is_regular_file() && std::regex_match(name, match, pattern))
      found.push_back({std::stoll(match[1].str()),
                       match[2].matched ? std::stoll(match[2].str()) : 0, entry.path().string()});
  }
  std::sort(found.begin(), found.end(), [](const CheckpointFile& a, const CheckpointFile& b) {
    return std::tie(a.epoch, a.step) < std::tie(b.epoch, b.step);
  });
  return found;
}

std::optional<CheckpointFile> RunDir::latest_checkpoint() const {
  std::vector<CheckpointFile> all = checkpoints();
  if (all.empty()) return std::nullopt;
  return all.back();
}

std::vector<std::string> RunDir::prune_checkpoints(int64_t keep_last, int64_t keep_every) const {
  std::vector<std::string> removed;
  if (keep_last <= 0) return removed;
  const std::vector<CheckpointFile> all = checkpoints();
  const size_t first_of_last =
      all.size() > static_cast<size_t>(keep_last) ? all.size() - static_cast<size_t>(keep_last) : 0;
  for (size_t i = 0; i < first_of_last; ++i) {  // the latest is among the last keep_last >= 1
    const CheckpointFile& c = all[i];
    if (keep_every > 0 && c.step == 0 && c.epoch % keep_every == 0) continue;
    std::error_code ec;
    if (fs::remove(c.path, ec)) removed.push_back(c.path);
  }
  static const std::regex temporary(R"(checkpoint_epoch_\d+(?:_step_\d+)?\.safetensors\.tmp)");
  std::error_code ec;
  for (const auto& entry : fs::directory_iterator(dir_, ec)) {
    const std::string name = entry.path().filename().string();
    std::error_code remove_ec;
    if (std::regex_match(name, temporary) && fs::remove(entry.path(), remove_ec))
      removed.push_back(entry.path().string());
  }
  if (!removed.empty()) fsync_directory(dir_);
  return removed;
}

}  // namespace kdup
