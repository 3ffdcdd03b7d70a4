#include "app/config.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "test_util.h"

namespace kdup {
namespace {

namespace fs = std::filesystem;

ConfigSchema test_schema() {
  ConfigSchema schema;
  schema.add_number("optim.lr", 0.5, "base learning rate", {0.0, 1e9})
      .add_integer("train.epochs", 200, "epochs to train", {1, 100000})
      .add_bool("train.amp", false, "mixed precision")
      .add_string("model.depth", "resnet18", "backbone", {"resnet18", "resnet50"})
      .add_string("data.split_file", "", "fixed train/val split, empty: none")
      .add_numbers("optim.milestones", {0.5, 0.75}, "fractions of training", {0.0, 1.0})
      .add_strings("eval.ood", {"svhn"}, "OOD sets", {"svhn", "cifar100", "lsun"});
  return schema;
}

// A fresh directory under the test temp dir, named after the running test.
std::string test_dir() {
  const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
  fs::path dir = fs::path(::testing::TempDir()) / "config_test" / info->name();
  fs::remove_all(dir);
  fs::create_directories(dir);
  return dir.string();
}

std::string write_file(const std::string& dir, const std::string& name, const std::string& text) {
  const std::string path = (fs::path(dir) / name).string();
  std::ofstream(path) << text;
  return path;
}

TEST(Config, DefaultsFilled) {
  Config cfg = load_config("", test_schema());
  EXPECT_DOUBLE_EQ(cfg.number("optim.lr"), 0.5);
  EXPECT_EQ(cfg.integer("train.epochs"), 200);
  EXPECT_FALSE(cfg.boolean("train.amp"));
  EXPECT_EQ(cfg.string("model.depth"), "resnet18");
  EXPECT_EQ(cfg.numbers("optim.milestones"), (std::vector<double>{0.5, 0.75}));
  EXPECT_EQ(cfg.strings("eval.ood"), (std::vector<std::string>{"svhn"}));
}

TEST(Config, NestedJsonRead) {
  const std::string dir = test_dir();
  const std::string path = write_file(dir, "c.json", R"({
    // comments are allowed
    "optim": {"lr": 0.1, "milestones": [0.3]},
    "train": {"epochs": 5, "amp": true},
    "model.depth": "resnet50"
  })");
  Config cfg = load_config(path, test_schema());
  EXPECT_DOUBLE_EQ(cfg.number("optim.lr"), 0.1);
  EXPECT_EQ(cfg.integer("train.epochs"), 5);
  EXPECT_TRUE(cfg.boolean("train.amp"));
  EXPECT_EQ(cfg.string("model.depth"), "resnet50");
  EXPECT_EQ(cfg.numbers("optim.milestones"), (std::vector<double>{0.3}));
  EXPECT_EQ(cfg.strings("eval.ood"), (std::vector<std::string>{"svhn"}));  // default kept
}

TEST(Config, OverridesOfEachType) {
  Config cfg = load_config("", test_schema(),
                           {"optim.lr=0.1", "train.epochs=1e3", "train.amp=true",
                            "model.depth=resnet50", "data.split_file=\"splits/a.json\"",
                            "optim.milestones=[0.25,1]", R"(eval.ood=["lsun","cifar100"])"});
  EXPECT_DOUBLE_EQ(cfg.number("optim.lr"), 0.1);
  EXPECT_EQ(cfg.integer("train.epochs"), 1000);
  EXPECT_TRUE(cfg.boolean("train.amp"));
  EXPECT_EQ(cfg.string("model.depth"), "resnet50");
  EXPECT_EQ(cfg.string("data.split_file"), "splits/a.json");
  EXPECT_EQ(cfg.numbers("optim.milestones"), (std::vector<double>{0.25, 1.0}));
  EXPECT_EQ(cfg.strings("eval.ood"), (std::vector<std::string>{"lsun", "cifar100"}));
}

TEST(Config, OverrideOfAStringKeyKeepsTheTextAsWritten) {
  Config cfg =
      load_config("", test_schema(), {"data.split_file=123", "optim.lr=1", "train.epochs=2"});
  EXPECT_EQ(cfg.string("data.split_file"), "123");
  EXPECT_DOUBLE_EQ(cfg.number("optim.lr"), 1.0);
  EXPECT_DOUBLE_EQ(cfg.number("train.epochs"), 2.0);  // an integer reads as a number too
}

TEST(Config, OverridesReplaceFileValues) {
  const std::string path = write_file(test_dir(), "c.json", R"({"optim": {"lr": 0.1}})");
  Config cfg = load_config(path, test_schema(), {"optim.lr=0.2"});
  EXPECT_DOUBLE_EQ(cfg.number("optim.lr"), 0.2);
}

TEST(Config, UnknownKeySuggestsTheClosest) {
  const std::string path = write_file(test_dir(), "c.json", R"({"optim": {"lrr": 0.1}})");
  test::expect_error([&] { load_config(path, test_schema()); },
                     {path, "unknown key 'optim.lrr'", "did you mean 'optim.lr'?"});
  test::expect_error([&] { load_config("", test_schema(), {"train.epoch=3"}); },
                     {"--set train.epoch=3", "unknown key 'train.epoch'", "'train.epochs'"});
  test::expect_error([&] { load_config("", test_schema(), {"sched.lr=3"}); },
                     {"unknown key 'sched.lr'", "did you mean 'optim.lr'?"});
  test::expect_error([&] { load_config("", test_schema(), {"zzzzzzzz=3"}); },
                     {"unknown key 'zzzzzzzz'", "kdup --help"});
}

TEST(Config, WrongType) {
  const std::string path = write_file(test_dir(), "c.json", R"({"optim": {"lr": "fast"}})");
  test::expect_error([&] { load_config(path, test_schema()); },
                     {path, "key 'optim.lr'", "expects a number", "\"fast\""});
  test::expect_error([&] { load_config("", test_schema(), {"train.epochs=2.5"}); },
                     {"key 'train.epochs'", "expects an integer", "2.5"});
  test::expect_error([&] { load_config("", test_schema(), {"train.amp=1"}); },
                     {"key 'train.amp'", "expects a bool", "1"});
  test::expect_error([&] { load_config("", test_schema(), {"optim.milestones=[0.5,\"x\"]"}); },
                     {"key 'optim.milestones' element 1", "expects a number"});
  test::expect_error([&] { load_config("", test_schema(), {"optim=3"}); },
                     {"'optim' is a section"});
}

TEST(Config, OutOfRange) {
  const std::string path = write_file(test_dir(), "c.json", R"({"optim": {"lr": -1}})");
  test::expect_error([&] { load_config(path, test_schema()); },
                     {path, "key 'optim.lr'", "-1", "out of range", "[0, 1e+09]"});
  test::expect_error([&] { load_config("", test_schema(), {"train.epochs=0"}); },
                     {"key 'train.epochs' = 0", "[1, 100000]"});
  test::expect_error([&] { load_config("", test_schema(), {"optim.milestones=[0.5,2]"}); },
                     {"key 'optim.milestones' element 1 = 2", "out of range"});
}

TEST(Config, BadEnum) {
  const std::string path = write_file(test_dir(), "c.json", R"({"model": {"depth": "resnet34"}})");
  test::expect_error(
      [&] { load_config(path, test_schema()); },
      {path, "key 'model.depth'", "\"resnet34\"", "not one of", "resnet18, resnet50"});
  test::expect_error([&] { load_config("", test_schema(), {"eval.ood=[\"svhn\",\"mnist\"]"}); },
                     {"key 'eval.ood' element 1", "\"mnist\"", "svhn, cifar100, lsun"});
}

TEST(Config, SyntaxErrorNamesTheFile) {
  const std::string path = write_file(test_dir(), "bad.json", "{\n  \"optim\": {\"lr\": 0.1,}\n}");
  test::expect_error([&] { load_config(path, test_schema()); }, {path, "invalid JSON", "line 2"});
  const std::string list = write_file(test_dir(), "list.json", "[1, 2]");
  test::expect_error([&] { load_config(list, test_schema()); }, {list, "JSON object"});
  // A number beyond a double's range (found by fuzz_config).
  const std::string huge = write_file(test_dir(), "huge.json", "{\"optim\": {\"lr\": 1E999}}");
  test::expect_error([&] { load_config(huge, test_schema()); }, {huge, "invalid JSON", "1E999"});
  test::expect_error([&] { load_config("/nonexistent/c.json", test_schema()); },
                     {"/nonexistent/c.json", "not found"});
}

TEST(Config, ExtendsChain) {
  const std::string dir = test_dir();
  fs::create_directories(fs::path(dir) / "paper");
  write_file(dir, "paper/base.json", R"({"optim": {"lr": 0.1}, "train": {"epochs": 800}})");
  write_file(dir, "paper/cifar.json",
             R"({"extends": "base.json", "model": {"depth": "resnet50"}, "train": {"amp": true}})");
  const std::string cpu =
      write_file(dir, "cpu.json", R"({"extends": "paper/cifar.json", "train": {"epochs": 2}})");
  Config cfg = load_config(cpu, test_schema(), {"train.amp=false"});
  EXPECT_DOUBLE_EQ(cfg.number("optim.lr"), 0.1);     // from the base
  EXPECT_EQ(cfg.string("model.depth"), "resnet50");  // from the middle
  EXPECT_EQ(cfg.integer("train.epochs"), 2);         // the including file wins
  EXPECT_FALSE(cfg.boolean("train.amp"));            // --set wins over all files
}

TEST(Config, ExtendsErrorsNameTheBaseFile) {
  const std::string dir = test_dir();
  const std::string base = write_file(dir, "base.json", R"({"optim": {"lrr": 0.1}})");
  const std::string top = write_file(dir, "top.json", R"({"extends": "base.json"})");
  test::expect_error([&] { load_config(top, test_schema()); }, {base, "unknown key 'optim.lrr'"});
  const std::string missing = write_file(dir, "missing.json", R"({"extends": "nope.json"})");
  test::expect_error([&] { load_config(missing, test_schema()); }, {"nope.json", "not found"});
}

TEST(Config, ExtendsCycleDetected) {
  const std::string dir = test_dir();
  const std::string a = write_file(dir, "a.json", R"({"extends": "b.json"})");
  write_file(dir, "b.json", R"({"extends": "a.json"})");
  test::expect_error([&] { load_config(a, test_schema()); }, {"a.json", "'extends' cycle"});
  const std::string self = write_file(dir, "self.json", R"({"extends": "self.json"})");
  test::expect_error([&] { load_config(self, test_schema()); }, {"self.json", "cycle"});
}

TEST(Config, ResolvedJsonContainsEveryKey) {
  Config cfg = load_config("", test_schema(), {"optim.lr=0.25"});
  const nlohmann::json j = cfg.resolved_json();
  const ConfigSchema schema = test_schema();
  for (const auto& key : schema.keys()) {
    const std::string pointer = "/" + std::string(key.name).replace(key.name.find('.'), 1, "/");
    EXPECT_TRUE(j.contains(nlohmann::json::json_pointer(pointer))) << key.name;
  }
  EXPECT_DOUBLE_EQ(j["optim"]["lr"].get<double>(), 0.25);
  // The resolved JSON loads back to the same configuration.
  Config again = config_from_json(nlohmann::json::parse(cfg.to_json_string()), test_schema());
  EXPECT_EQ(again.resolved_json(), j);
}

TEST(Config, ReadingWithTheWrongTypeOrAnUnknownKeyFails) {
  Config cfg = load_config("", test_schema());
  test::expect_error([&] { cfg.integer("optim.lr"); }, {"'optim.lr'", "number", "integer"});
  test::expect_error([&] { cfg.string("train.amp"); }, {"'train.amp'", "bool"});
  test::expect_error([&] { cfg.number("optim.lrr"); }, {"no key 'optim.lrr'"});
}

TEST(Config, SchemaRejectsBadDeclarations) {
  ConfigSchema schema;
  schema.add_number("optim.lr", 0.5, "lr");
  test::expect_error([&] { schema.add_number("optim.lr", 0.5, "again"); }, {"declared twice"});
  test::expect_error([&] { schema.add_bool("optim", true, "x"); }, {"clashes"});
  test::expect_error([&] { schema.add_bool("optim.lr.warm", true, "x"); }, {"clashes"});
  test::expect_error(
      [&] {
        schema.add_integer("a.b", 0, "x", {1, 10});
      },
      {"'a.b'", "out of range"});
  test::expect_error([&] { schema.add_string("a.c", "x", "x", {"y"}); }, {"not one of"});
  test::expect_error([&] { schema.add_bool("a b", true, "x"); }, {"bad key name"});
}

TEST(Config, SchemaHelpListsKeys) {
  const std::string help = schema_help(test_schema());
  EXPECT_NE(help.find("optim.lr = 0.5  (number, [0, 1e+09])"), std::string::npos) << help;
  EXPECT_NE(help.find("base learning rate"), std::string::npos);
  EXPECT_NE(help.find("model.depth = \"resnet18\"  (string: resnet18 | resnet50)"),
            std::string::npos)
      << help;
  EXPECT_NE(help.find("eval.ood = [\"svhn\"]  (list of strings"), std::string::npos) << help;
}

}  // namespace
}  // namespace kdup
