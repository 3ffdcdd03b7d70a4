// A typed, validated configuration: a schema of dotted keys ("optim.lr") read from nested JSON
// files ({"optim": {"lr": 0.5}}) with `--set key=value` overrides on top.
//
//   ConfigSchema schema;
//   schema.add_number("optim.lr", 0.5, "base learning rate", {0.0, 1e9})
//         .add_string("model.depth", "resnet18", "backbone", {"resnet18", "resnet50"});
//   Config cfg = load_config("configs/cifar.json", schema, {"optim.lr=0.1"});
//   double lr = cfg.number("optim.lr");
//
// Every value is checked before load_config returns; errors are one line naming the file (or the
// --set argument) and the key.
#pragma once
#include <cstdint>
#include <limits>
#include <map>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

namespace kdup {

enum class ConfigType { boolean, integer, number, string, numbers, strings };

// "bool", "integer", "number", "string", "list of numbers", "list of strings".
const char* config_type_name(ConfigType type);

// An inclusive range for numbers, integers and the elements of number lists.
struct NumberRange {
  double min = -std::numeric_limits<double>::infinity();
  double max = std::numeric_limits<double>::infinity();
};

struct ConfigKey {
  std::string name;  // dotted: "section.key"
  ConfigType type = ConfigType::string;
  nlohmann::json default_value;
  std::string description;
  NumberRange range;                 // numbers, integers, number lists
  std::vector<std::string> allowed;  // strings, string lists; empty: any string
};

class ConfigSchema {
 public:
  // Each adder checks the name (unique, not clashing with a section) and that the default is valid,
  // and returns the schema so declarations can be chained.
  ConfigSchema& add_bool(const std::string& name, bool default_value,
                         const std::string& description);
  ConfigSchema& add_integer(const std::string& name, int64_t default_value,
                            const std::string& description, NumberRange range = {});
  ConfigSchema& add_number(const std::string& name, double default_value,
                           const std::string& description, NumberRange range = {});
  ConfigSchema& add_string(const std::string& name, const std::string& default_value,
                           const std::string& description, std::vector<std::string> allowed = {});
  ConfigSchema& add_numbers(const std::string& name, std::vector<double> default_value,
                            const std::string& description, NumberRange range = {});
  ConfigSchema& add_strings(const std::string& name, std::vector<std::string> default_value,
                            const std::string& description, std::vector<std::string> allowed = {});

  const ConfigKey* find(const std::string& name) const;  // nullptr when not declared
  bool is_section(const std::string& name) const;        // "optim" when "optim.lr" is declared
  const std::vector<ConfigKey>& keys() const { return keys_; }  // in declaration order

 private:
  ConfigSchema& add(ConfigKey key);
  std::vector<ConfigKey> keys_;
};

class Config {
 public:
  // Typed access. A wrong type or an undeclared key is an error naming the key; number() also
  // reads integer keys.
  bool boolean(const std::string& key) const;
  int64_t integer(const std::string& key) const;
  double number(const std::string& key) const;
  const std::string& string(const std::string& key) const;
  std::vector<double> numbers(const std::string& key) const;
  std::vector<std::string> strings(const std::string& key) const;

  // The complete nested configuration, every key present (defaults included).
  nlohmann::json resolved_json() const;
  std::string to_json_string() const;  // resolved_json(), indented, ending in a newline

 private:
  struct Entry {
    ConfigType type;
    nlohmann::json value;
  };
  const nlohmann::json& get(const std::string& key, ConfigType wanted) const;

  std::map<std::string, Entry> entries_;

  friend class ConfigLoader;  // fills entries_ (config_load.cpp)
};

// Checks `value` against the key's type and constraints and returns it in canonical form (an
// integral float such as 1e3 becomes an integer). Errors read "SOURCE: key 'name' ...".
nlohmann::json checked_config_value(const ConfigKey& key, const nlohmann::json& value,
                                    const std::string& source);

// Reads `path` (an empty path: defaults only), follows its "extends" chain, applies the overrides
// ("key=value", value parsed as JSON when it parses, else taken as a string), fills defaults and
// validates everything.
Config load_config(const std::string& path, const ConfigSchema& schema,
                   const std::vector<std::string>& overrides = {});

// The same from JSON already in memory; `source` names it in errors. "extends" is not followed.
Config config_from_json(const nlohmann::json& json, const ConfigSchema& schema,
                        const std::string& source = "<json>",
                        const std::vector<std::string>& overrides = {});

// Every key with its type, default, constraint and description, for `kdup --help`.
std::string schema_help(const ConfigSchema& schema);

}  // namespace kdup
