// Typed access to a loaded configuration and its resolved JSON.
#include "app/config.h"

#include "tensor/error.h"

namespace kdup {

using nlohmann::json;

const json& Config::get(const std::string& key, ConfigType wanted) const {
  auto it = entries_.find(key);
  KDUP_CHECK(it != entries_.end(), "config: no key '" << key << "' in the schema");
  const ConfigType type = it->second.type;
  const bool integer_as_number = wanted == ConfigType::number && type == ConfigType::integer;
  KDUP_CHECK(type == wanted || integer_as_number,
             "config: key '" << key << "' is a " << config_type_name(type) << ", read as a "
                             << config_type_name(wanted));
  return it->second.value;
}

bool Config::boolean(const std::string& key) const {
  return get(key, ConfigType::boolean).get<bool>();
}

int64_t Config::integer(const std::string& key) const {
  return get(key, ConfigType::integer).get<int64_t>();
}

double Config::number(const std::string& key) const {
  return get(key, ConfigType::number).get<double>();
}

const std::string& Config::string(const std::string& key) const {
  return get(key, ConfigType::string).get_ref<const std::string&>();
}

std::vector<double> Config::numbers(const std::string& key) const {
  return get(key, ConfigType::numbers).get<std::vector<double>>();
}

std::vector<std::string> Config::strings(const std::string& key) const {
  return get(key, ConfigType::strings).get<std::vector<std::string>>();
}

json Config::resolved_json() const {
  json out = json::object();
  for (const auto& [key, entry] : entries_) {
    json* node = &out;
    size_t start = 0;
    for (size_t dot = key.find('.'); dot != std::string::npos; dot = key.find('.', start)) {
      node = &(*node)[key.substr(start, dot - start)];
      start = dot + 1;
    }
    (*node)[key.substr(start)] = entry.value;
  }
  return out;
}

std::string Config::to_json_string() const { return resolved_json().dump(2) + "\n"; }

}  // namespace kdup
