// Loading a configuration: JSON files with "extends" chains, --set overrides, defaults, and
// one-line errors naming the file (or the --set argument) and the key.
#include <algorithm>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "app/config.h"
#include "tensor/error.h"

namespace kdup {

namespace fs = std::filesystem;
using nlohmann::json;

namespace {

size_t edit_distance(const std::string& a, const std::string& b) {
  std::vector<size_t> row(b.size() + 1);
  for (size_t j = 0; j <= b.size(); ++j) row[j] = j;
  for (size_t i = 1; i <= a.size(); ++i) {
    size_t diagonal = row[0];
    row[0] = i;
    for (size_t j = 1; j <= b.size(); ++j) {
      const size_t substitute = diagonal + (a[i - 1] == b[j - 1] ? 0 : 1);
      diagonal = row[j];
      row[j] = std::min({row[j] + 1, row[j - 1] + 1, substitute});
    }
  }
  return row[b.size()];
}

std::string last_segment(const std::string& key) { return key.substr(key.rfind('.') + 1); }

// The closest schema key by edit distance when it is close enough, else one with the same last
// segment ("train.lr" -> "optim.lr"), else "".
std::string closest_key(const std::string& unknown, const ConfigSchema& schema) {
  std::string best;
  size_t best_distance = std::string::npos;
  for (const auto& k : schema.keys()) {
    const size_t d = edit_distance(unknown, k.name);
    if (d < best_distance) best_distance = d, best = k.name;
  }
  if (!best.empty() && best_distance <= std::max<size_t>(2, unknown.size() / 3)) return best;
  for (const auto& k : schema.keys())
    if (last_segment(k.name) == last_segment(unknown)) return k.name;
  return "";
}

std::string read_text(const std::string& path) {
  std::error_code ec;
  KDUP_CHECK(fs::exists(path, ec), path << ": config file not found");
  std::ifstream in(path, std::ios::binary);
  KDUP_CHECK(in, path << ": cannot read config file (" << std::strerror(errno) << ")");
  std::ostringstream text;
  text << in.rdbuf();
  KDUP_CHECK(!in.bad(), path << ": cannot read config file");
  return text.str();
}

json parse_json_file(const std::string& path) {
  const std::string text = read_text(path);
  json j;
  try {
    j = json::parse(text, nullptr, /*allow_exceptions=*/true, /*ignore_comments=*/true);
  } catch (const json::exception& e) {  // a syntax error, or a number too large (out_of_range)
    std::string what = e.what();  // "[json.exception.parse_error.101] parse error at line 3, ..."
    const size_t bracket = what.find("] ");
    if (bracket != std::string::npos) what = what.substr(bracket + 2);
    KDUP_CHECK(false, path << ": invalid JSON: " << what);
  }
  KDUP_CHECK(j.is_object(),
             path << ": expected a JSON object at the top level, found " << j.type_name());
  return j;
}

}  // namespace

// Collects checked values from files and overrides, later ones replacing earlier ones.
class ConfigLoader {
 public:
  explicit ConfigLoader(const ConfigSchema& schema) : schema_(schema) {}

  // Reads a file after the files it extends; `chain` holds the files including it.
  void read_file(const std::string& path, std::vector<std::string> chain) {
    const std::string canonical = fs::weakly_canonical(fs::absolute(path)).string();
    if (std::find(chain.begin(), chain.end(), canonical) != chain.end()) {
      std::string cycle;
      for (const auto& f : chain) cycle += f + " -> ";
      KDUP_CHECK(false, path << ": 'extends' cycle: " << cycle << canonical);
    }
    chain.push_back(canonical);
    json j = parse_json_file(path);
    if (j.contains("extends")) {
      const json base = j["extends"];
      KDUP_CHECK(base.is_string(),
                 path << ": 'extends' expects a file name (a string), found " << base.dump());
      const fs::path base_path = fs::path(path).parent_path() / base.get<std::string>();
      read_file(base_path.string(), chain);
      j.erase("extends");
    }
    read_json(j, path);
  }

  void read_json(const json& j, const std::string& source) {
    KDUP_CHECK(!j.contains("extends"), source << ": 'extends' is followed only in config files");
    flatten(j, "", source);
  }

  // "key=value": the value is JSON when it parses as JSON, else the text itself as a string.
  void apply_override(const std::string& assignment) {
    const std::string source = "--set " + assignment;
    const size_t eq = assignment.find('=');
    KDUP_CHECK(eq != std::string::npos && eq > 0, source << ": expected key=value");
    const std::string key = assignment.substr(0, eq);
    const std::string text = assignment.substr(eq + 1);
    json value = json::parse(text, nullptr, /*allow_exceptions=*/false);
    const ConfigKey* declared = schema_.find(key);
    // A string key takes the text as written: --set run.name=123 is the name "123".
    if (value.is_discarded() ||
        (declared && declared->type == ConfigType::string && !value.is_string()))
      value = text;
    flatten(value, key, source);
  }

  Config finish() const {
    Config config;
    for (const auto& k : schema_.keys()) {
      auto it = values_.find(k.name);
      config.entries_[k.name] = {k.type, it != values_.end() ? it->second : k.default_value};
    }
    return config;
  }

 private:
  void flatten(const json& node, const std::string& prefix, const std::string& source) {
    if (const ConfigKey* key = schema_.find(prefix)) {
      values_[prefix] = checked_config_value(*key, node, source);
      return;
    }
    const bool section = prefix.empty() || schema_.is_section(prefix);
    if (node.is_object() && (section || !node.empty())) {
      for (const auto& [name, child] : node.items())
        flatten(child, prefix.empty() ? name : prefix + "." + name, source);
      return;
    }
    KDUP_CHECK(!section, source << ": '" << prefix << "' is a section of keys; expected an "
                                << "object such as {\"" << prefix << "\": {...}}, found "
                                << node.dump());
    const std::string suggestion = closest_key(prefix, schema_);
    KDUP_CHECK(false, source << ": unknown key '" << prefix << "'"
                             << (suggestion.empty() ? " (kdup --help lists the keys)"
                                                    : " (did you mean '" + suggestion + "'?)"));
  }

  const ConfigSchema& schema_;
  std::map<std::string, json> values_;
};

Config load_config(const std::string& path, const ConfigSchema& schema,
                   const std::vector<std::string>& overrides) {
  ConfigLoader loader(schema);
  if (!path.empty()) loader.read_file(path, {});
  for (const auto& assignment : overrides) loader.apply_override(assignment);
  return loader.finish();
}

Config config_from_json(const json& j, const ConfigSchema& schema, const std::string& source,
                        const std::vector<std::string>& overrides) {
  ConfigLoader loader(schema);
  KDUP_CHECK(j.is_object(), source << ": expected a JSON object, found " << j.type_name());
  loader.read_json(j, source);
  for (const auto& assignment : overrides) loader.apply_override(assignment);
  return loader.finish();
}

}  // namespace kdup
