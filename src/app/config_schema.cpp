// The schema: declaring keys, checking one value against its key, and the --help listing.
#include <cmath>
#include <cstdint>
#include <sstream>

#include "app/config.h"
#include "tensor/error.h"

namespace kdup {

namespace {

using nlohmann::json;

std::string format_number(double x) {
  std::ostringstream s;
  s << x;
  return s.str();
}

// A value as it appears in a message: its JSON text, shortened when long.
std::string shown(const json& value) {
  std::string text = value.dump();
  if (text.size() > 60) text = text.substr(0, 57) + "...";
  return text;
}

bool has_range(const NumberRange& r) { return std::isfinite(r.min) || std::isfinite(r.max); }

std::string describe_range(const NumberRange& r) {
  if (std::isfinite(r.min) && std::isfinite(r.max))
    return "[" + format_number(r.min) + ", " + format_number(r.max) + "]";
  if (std::isfinite(r.min)) return ">= " + format_number(r.min);
  return "<= " + format_number(r.max);
}

std::string join(const std::vector<std::string>& items, const std::string& separator) {
  std::string out;
  for (size_t i = 0; i < items.size(); ++i) out += (i ? separator : "") + items[i];
  return out;
}

// "SOURCE: key 'name'" or, for a list element, "SOURCE: key 'name' element 2".
std::string where(const std::string& source, const ConfigKey& key, int64_t element = -1) {
  std::string out = source + ": key '" + key.name + "'";
  if (element >= 0) out += " element " + std::to_string(element);
  return out;
}

void check_in_range(double x, const ConfigKey& key, const std::string& source, int64_t element) {
  KDUP_CHECK(x >= key.range.min && x <= key.range.max,
             where(source, key, element)
                 << " = " << format_number(x)
                 << " is out of range (allowed: " << describe_range(key.range) << ")");
}

void check_allowed(const std::string& s, const ConfigKey& key, const std::string& source,
                   int64_t element) {
  if (key.allowed.empty()) return;
  for (const auto& a : key.allowed)
    if (a == s) return;
  KDUP_CHECK(false, where(source, key, element)
                        << " = \"" << s << "\" is not one of: " << join(key.allowed, ", "));
}

[[noreturn]] void wrong_type(const ConfigKey& key, const json& value, const std::string& source,
                             const char* expected, int64_t element = -1) {
  throw Error(where(source, key, element) + " expects " + expected + ", found " + shown(value) +
              " (" + value.type_name() + ")");
}

json checked_number(const ConfigKey& key, const json& value, const std::string& source,
                    int64_t element) {
  if (!value.is_number()) wrong_type(key, value, source, "a number", element);
  const double x = value.get<double>();
  check_in_range(x, key, source, element);
  return x;
}

json checked_integer(const ConfigKey& key, const json& value, const std::string& source) {
  int64_t n = 0;
  if (value.is_number_unsigned()) {
    if (value.get<uint64_t>() > static_cast<uint64_t>(INT64_MAX))
      wrong_type(key, value, source, "an integer that fits 64 bits");
    n = value.get<int64_t>();
  } else if (value.is_number_integer()) {
    n = value.get<int64_t>();
  } else if (value.is_number()) {
    // 1e3 or 1000.0 written for an integer is fine; 0.5 is not.
    const double x = value.get<double>();
    if (x != std::floor(x) || std::abs(x) > 9.0e18) wrong_type(key, value, source, "an integer");
    n = static_cast<int64_t>(x);
  } else {
    wrong_type(key, value, source, "an integer");
  }
  check_in_range(static_cast<double>(n), key, source, -1);
  return n;
}

json checked_string(const ConfigKey& key, const json& value, const std::string& source,
                    int64_t element) {
  if (!value.is_string()) wrong_type(key, value, source, "a string", element);
  check_allowed(value.get<std::string>(), key, source, element);
  return value;
}

}  // namespace

const char* config_type_name(ConfigType type) {
  switch (type) {
    case ConfigType::boolean: return "bool";
    case ConfigType::integer: return "integer";
    case ConfigType::number: return "number";
    case ConfigType::string: return "string";
    case ConfigType::numbers: return "list of numbers";
    case ConfigType::strings: return "list of strings";
  }
  return "";
}

json checked_config_value(const ConfigKey& key, const json& value, const std::string& source) {
  switch (key.type) {
    case ConfigType::boolean:
      if (!value.is_boolean()) wrong_type(key, value, source, "a bool (true or false)");
      return value;
    case ConfigType::integer: return checked_integer(key, value, source);
    case ConfigType::number: return checked_number(key, value, source, -1);
    case ConfigType::string: return checked_string(key, value, source, -1);
    case ConfigType::numbers:
    case ConfigType::strings: {
      const bool numbers = key.type == ConfigType::numbers;
      if (!value.is_array())
        wrong_type(key, value, source, numbers ? "a list of numbers" : "a list of strings");
      json out = json::array();
      for (size_t i = 0; i < value.size(); ++i) {
        const auto element = static_cast<int64_t>(i);
        out.push_back(numbers ? checked_number(key, value[i], source, element)
                              : checked_string(key, value[i], source, element));
      }
      return out;
    }
  }
  return value;
}

ConfigSchema& ConfigSchema::add(ConfigKey key) {
  const std::string& name = key.name;
  KDUP_CHECK(
      !name.empty() && name.front() != '.' && name.back() != '.' &&
          name.find("..") == std::string::npos &&
          name.find_first_not_of("abcdefghijklmnopqrstuvwxyz"
                                 "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_.") == std::string::npos,
      "config schema: bad key name '" << name << "' (letters, digits, '_', dotted sections)");
  KDUP_CHECK(name != "extends", "config schema: 'extends' is reserved for including a file");
  for (const auto& k : keys_) {
    KDUP_CHECK(k.name != name, "config schema: key '" << name << "' declared twice");
    const bool clash = k.name.rfind(name + ".", 0) == 0 || name.rfind(k.name + ".", 0) == 0;
    KDUP_CHECK(!clash, "config schema: key '" << name << "' clashes with key '" << k.name
                                              << "' (a key cannot also be a section)");
  }
  KDUP_CHECK(key.range.min <= key.range.max, "config schema: key '" << name
                                                                    << "' has an empty range "
                                                                    << describe_range(key.range));
  key.default_value = checked_config_value(key, key.default_value, "config schema default");
  keys_.push_back(std::move(key));
  return *this;
}

ConfigSchema& ConfigSchema::add_bool(const std::string& name, bool default_value,
                                     const std::string& description) {
  return add({name, ConfigType::boolean, default_value, description, {}, {}});
}

ConfigSchema& ConfigSchema::add_integer(const std::string& name, int64_t default_value,
                                        const std::string& description, NumberRange range) {
  return add({name, ConfigType::integer, default_value, description, range, {}});
}

ConfigSchema& ConfigSchema::add_number(const std::string& name, double default_value,
                                       const std::string& description, NumberRange range) {
  return add({name, ConfigType::number, default_value, description, range, {}});
}

ConfigSchema& ConfigSchema::add_string(const std::string& name, const std::string& default_value,
                                       const std::string& description,
                                       std::vector<std::string> allowed) {
  return add({name, ConfigType::string, default_value, description, {}, std::move(allowed)});
}

ConfigSchema& ConfigSchema::add_numbers(const std::string& name, std::vector<double> default_value,
                                        const std::string& description, NumberRange range) {
  return add({name, ConfigType::numbers, default_value, description, range, {}});
}

ConfigSchema& ConfigSchema::add_strings(const std::string& name,
                                        std::vector<std::string> default_value,
                                        const std::string& description,
                                        std::vector<std::string> allowed) {
  return add({name, ConfigType::strings, default_value, description, {}, std::move(allowed)});
}

const ConfigKey* ConfigSchema::find(const std::string& name) const {
  for (const auto& k : keys_)
    if (k.name == name) return &k;
  return nullptr;
}

bool ConfigSchema::is_section(const std::string& name) const {
  for (const auto& k : keys_)
    if (k.name.rfind(name + ".", 0) == 0) return true;
  return false;
}

std::string schema_help(const ConfigSchema& schema) {
  // Two lines a key:   optim.lr = 0.5  (number, [0, 1e+09])
  //                        base learning rate
  std::ostringstream out;
  std::string section;
  for (const auto& k : schema.keys()) {
    const std::string key_section = k.name.substr(0, k.name.find('.'));
    if (!section.empty() && key_section != section) out << "\n";
    section = key_section;
    out << "  " << k.name << " = " << k.default_value.dump() << "  (" << config_type_name(k.type);
    if (!k.allowed.empty()) out << ": " << join(k.allowed, " | ");
    if (has_range(k.range) && (k.type == ConfigType::integer || k.type == ConfigType::number ||
                               k.type == ConfigType::numbers))
      out << ", " << describe_range(k.range);
    out << ")\n      " << k.description << "\n";
  }
  return out.str();
}

}  // namespace kdup
