#include "app/run_dir.h"

#include <algorithm>
#include <cstdio>
#include <filesystem>
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

// The dotted keys ("optim.lr") whose values differ between two nested configurations.
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

std::string describe_value(const json& flat, const std::string& key) {
  std::string pointer = "/" + key;
  std::replace(pointer.begin(), pointer.end(), '.', '/');
  return flat.contains(pointer) ? flat[pointer].dump() : "(absent)";
}

}  // namespace

void write_file_atomic(const std::string& path, const std::string& text) {
  const std::string tmp = path + ".tmp";
  {
    std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
    KDUP_CHECK(out, tmp << ": cannot open for writing");
    out.write(text.data(), static_cast<std::streamsize>(text.size()));
    out.flush();
    KDUP_CHECK(out.good(), tmp << ": write failed (disk full?)");
  }
  KDUP_CHECK(std::rename(tmp.c_str(), path.c_str()) == 0, path << ": cannot rename " << tmp);
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
    if (changed_keys_.empty()) return;  // same configuration: config.json stays as it is
  }
  write_file_atomic(config_path, config.dump(2) + "\n");
}

std::string RunDir::path(const std::string& relative_name) const {
  return (fs::path(dir_) / relative_name).string();
}

void RunDir::append_log(const json& record) {
  const std::string log_path = path(kLogFile);
  if (!log_.is_open()) {
    // A run killed mid-line leaves a last line without its newline; start on a fresh line.
    const std::string existing = read_file(log_path);
    log_.open(log_path, std::ios::binary | std::ios::app);
    KDUP_CHECK(log_, log_path << ": cannot open for appending");
    if (!existing.empty() && existing.back() != '\n') log_ << '\n';
  }
  log_ << record.dump() << '\n';
  log_.flush();
  KDUP_CHECK(log_.good(), log_path << ": write failed (disk full?)");
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

}  // namespace kdup
