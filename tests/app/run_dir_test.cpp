#include "app/run_dir.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "test_util.h"

namespace kdup {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

// A run directory path that does not exist yet, two levels under the test temp dir.
std::string fresh_run_dir() {
  const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
  const fs::path root = fs::path(::testing::TempDir()) / "run_dir_test" / info->name();
  fs::remove_all(root);
  return (root / "runs" / "r1").string();
}

using test::slurp;

const json kConfig = {{"optim", {{"lr", 0.5}, {"momentum", 0.9}}}, {"train", {{"epochs", 10}}}};

TEST(RunDir, CreatesDirectoryAndWritesConfig) {
  const std::string dir = fresh_run_dir();
  RunDir run(dir, kConfig, false);
  EXPECT_TRUE(fs::is_directory(dir));
  EXPECT_EQ(run.path("results.md"), (fs::path(dir) / "results.md").string());
  EXPECT_EQ(json::parse(slurp(run.path("config.json"))), kConfig);
  EXPECT_FALSE(fs::exists(run.path("config.json.tmp")));
  EXPECT_TRUE(run.changed_keys().empty());
}

TEST(RunDir, LogAppendsAndSurvivesReopen) {
  const std::string dir = fresh_run_dir();
  {
    RunDir run(dir, kConfig, false);
    run.append_log({{"epoch", 1}, {"loss", 4.5}});
    run.append_log({{"epoch", 2}, {"loss", 4.0}});
    // Each line is on disk as soon as append_log returns.
    EXPECT_EQ(slurp(run.path("log.jsonl")),
              "{\"epoch\":1,\"loss\":4.5}\n{\"epoch\":2,\"loss\":4.0}\n");
  }
  // A run killed in the middle of a line leaves it without its newline.
  std::ofstream(fs::path(dir) / "log.jsonl", std::ios::app) << "{\"epoch\":3,\"lo";
  RunDir resumed(dir, kConfig, true);
  resumed.append_log({{"epoch", 3}, {"loss", 3.5}});
  const std::vector<json> records = resumed.read_log();
  ASSERT_EQ(records.size(), 3u);
  EXPECT_EQ(records[0]["epoch"], 1);
  EXPECT_EQ(records[1]["loss"], 4.0);
  EXPECT_EQ(records[2]["loss"], 3.5);
}

TEST(RunDir, RefusesADifferentExistingConfig) {
  const std::string dir = fresh_run_dir();
  { RunDir run(dir, kConfig, false); }
  json other = kConfig;
  other["optim"]["lr"] = 0.1;
  test::expect_error([&] { RunDir run(dir, other, false); },
                     {dir, "different config", "optim.lr 0.5 -> 0.1", "resume"});
  // Nothing was overwritten.
  EXPECT_EQ(json::parse(slurp(fs::path(dir) / "config.json")), kConfig);
  // The same config again is fine, with or without resume.
  RunDir same(dir, kConfig, false);
  EXPECT_TRUE(same.changed_keys().empty());
}

TEST(RunDir, RefusesToStartAfreshOverAnExistingRun) {
  for (const bool checkpoint : {false, true}) {
    const std::string dir = fresh_run_dir();
    {
      RunDir run(dir, kConfig, false);
      if (checkpoint)
        std::ofstream(run.path(RunDir::checkpoint_name(1))) << "x";
      else
        run.append_log({{"epoch", 1}, {"loss", 4.5}});
    }
    test::expect_error([&] { RunDir run(dir, kConfig, false); }, {dir, "holds a run", "--resume"});
    RunDir resumed(dir, kConfig, true);  // continuing it is fine
    EXPECT_TRUE(resumed.changed_keys().empty());
  }
}

TEST(RunDir, ResumeWithAChangedConfigRecordsTheChanges) {
  const std::string dir = fresh_run_dir();
  { RunDir run(dir, kConfig, false); }
  json longer = kConfig;
  longer["train"]["epochs"] = 20;
  RunDir resumed(dir, longer, true);
  EXPECT_EQ(resumed.changed_keys(), (std::vector<std::string>{"train.epochs"}));
  EXPECT_EQ(json::parse(slurp(resumed.path("config.json"))), longer);
}

TEST(RunDir, RefusesWhenStoredConfigIsUnreadable) {
  const std::string dir = fresh_run_dir();
  fs::create_directories(dir);
  std::ofstream(fs::path(dir) / "config.json") << "{ not json";
  test::expect_error([&] { RunDir run(dir, kConfig, false); }, {dir, "unreadable"});
}

TEST(RunDir, WriteTextAtomic) {
  RunDir run(fresh_run_dir(), kConfig, false);
  run.write_text_atomic("results.md", "| a |\n");
  run.write_text_atomic("results.md", "| b |\n");
  run.write_text_atomic("plots/knn.csv", "k,acc\n");
  EXPECT_EQ(slurp(run.path("results.md")), "| b |\n");
  EXPECT_EQ(slurp(run.path("plots/knn.csv")), "k,acc\n");
  EXPECT_FALSE(fs::exists(run.path("results.md.tmp")));
}

TEST(RunDir, LatestCheckpointFoundByEpochNumber) {
  RunDir run(fresh_run_dir(), kConfig, false);
  EXPECT_FALSE(run.latest_checkpoint().has_value());
  EXPECT_EQ(RunDir::checkpoint_name(12), "checkpoint_epoch_0012.safetensors");
  for (int64_t epoch : {2, 10000, 999, 30}) std::ofstream(run.path(RunDir::checkpoint_name(epoch)));
  std::ofstream(run.path("checkpoint_epoch_99999.safetensors.tmp"));  // an unfinished write
  std::ofstream(run.path("checkpoint_epoch_x.safetensors"));
  const std::vector<CheckpointFile> all = run.checkpoints();
  ASSERT_EQ(all.size(), 4u);
  EXPECT_EQ(all[0].epoch, 2);
  EXPECT_EQ(all[1].epoch, 30);
  EXPECT_EQ(all[2].epoch, 999);
  const auto latest = run.latest_checkpoint();
  ASSERT_TRUE(latest.has_value());
  EXPECT_EQ(latest->epoch, 10000);
  EXPECT_EQ(latest->path, run.path("checkpoint_epoch_10000.safetensors"));
}

// A checkpoint written within an epoch (a stopped run) sorts after its epoch's and before the next.
TEST(RunDir, CheckpointsWithinAnEpochSortByEpochThenStep) {
  RunDir run(fresh_run_dir(), kConfig, false);
  EXPECT_EQ(RunDir::checkpoint_name(12, 5), "checkpoint_epoch_0012_step_0005.safetensors");
  EXPECT_EQ(RunDir::checkpoint_name(12, 0), "checkpoint_epoch_0012.safetensors");
  for (auto [epoch, step] :
       std::vector<std::pair<int64_t, int64_t>>{{3, 0}, {2, 17}, {2, 0}, {2, 4}})
    std::ofstream(run.path(RunDir::checkpoint_name(epoch, step)));
  std::ofstream(run.path("checkpoint_epoch_0003_step_x.safetensors"));
  const std::vector<CheckpointFile> all = run.checkpoints();
  ASSERT_EQ(all.size(), 4u);
  std::vector<std::pair<int64_t, int64_t>> order;
  for (const CheckpointFile& c : all) order.emplace_back(c.epoch, c.step);
  EXPECT_EQ(order, (std::vector<std::pair<int64_t, int64_t>>{{2, 0}, {2, 4}, {2, 17}, {3, 0}}));
  EXPECT_EQ(run.latest_checkpoint()->path, run.path("checkpoint_epoch_0003.safetensors"));
  std::ofstream(run.path(RunDir::checkpoint_name(3, 1)));
  EXPECT_EQ(run.latest_checkpoint()->step, 1);
}

// A resumed run drops the records after its checkpoint and any torn line, rewriting the log whole.
TEST(RunDir, DropLogRecordsRemovesTheSelectedAndTornLines) {
  const std::string dir = fresh_run_dir();
  RunDir run(dir, kConfig, false);
  for (int epoch = 1; epoch <= 4; ++epoch) run.append_log({{"epoch", epoch}});
  std::ofstream(run.path("log.jsonl"), std::ios::app) << "{\"epoch\":5,\"lo";  // cut short
  RunDir resumed(dir, kConfig, true);
  EXPECT_EQ(resumed.drop_log_records([](const json& r) { return r["epoch"] > 2; }), 3);
  EXPECT_EQ(slurp(resumed.path("log.jsonl")), "{\"epoch\":1}\n{\"epoch\":2}\n");
  EXPECT_FALSE(fs::exists(resumed.path("log.jsonl.tmp")));
  resumed.append_log({{"epoch", 3}});
  EXPECT_EQ(slurp(resumed.path("log.jsonl")), "{\"epoch\":1}\n{\"epoch\":2}\n{\"epoch\":3}\n");
  EXPECT_EQ(resumed.drop_log_records([](const json&) { return false; }), 0);
}

std::vector<std::string> checkpoint_names(const RunDir& run) {
  std::vector<std::string> names;
  for (const CheckpointFile& c : run.checkpoints())
    names.push_back(fs::path(c.path).filename().string());
  return names;
}

// Retention keeps the last few checkpoints and every N-th epoch's, never the latest's removal.
TEST(RunDir, PruneCheckpointsKeepsTheLastFewAndEveryNth) {
  RunDir run(fresh_run_dir(), kConfig, false);
  for (int64_t epoch = 1; epoch <= 9; ++epoch)
    std::ofstream(run.path(RunDir::checkpoint_name(epoch)));
  std::ofstream(run.path(RunDir::checkpoint_name(4, 2)));  // a stopped run's, long superseded
  std::ofstream(run.path("checkpoint_epoch_0010.safetensors.tmp"));  // a killed write's
  std::ofstream(run.path("other.safetensors"));
  EXPECT_TRUE(run.prune_checkpoints(0, 4).empty());  // 0: all kept
  EXPECT_EQ(run.checkpoints().size(), 10u);

  EXPECT_EQ(run.prune_checkpoints(2, 4).size(), 7u + 1u);  // epochs 1-3, 4 step 2, 5-7; the .tmp
  EXPECT_EQ(checkpoint_names(run), (std::vector<std::string>{"checkpoint_epoch_0004.safetensors",
                                                             "checkpoint_epoch_0008.safetensors",
                                                             "checkpoint_epoch_0009.safetensors"}));
  EXPECT_FALSE(fs::exists(run.path("checkpoint_epoch_0010.safetensors.tmp")));
  EXPECT_TRUE(fs::exists(run.path("other.safetensors")));

  // A step checkpoint that is the latest is what --resume needs: kept, even with keep_last 1.
  std::ofstream(run.path(RunDir::checkpoint_name(9, 3)));
  run.prune_checkpoints(1, 0);
  EXPECT_EQ(checkpoint_names(run),
            (std::vector<std::string>{"checkpoint_epoch_0009_step_0003.safetensors"}));
}

TEST(RunDir, DirectoryThatIsAFileIsAnError) {
  const std::string dir = fresh_run_dir();
  fs::create_directories(fs::path(dir).parent_path());
  std::ofstream(dir) << "x";
  test::expect_error([&] { RunDir run(dir, kConfig, false); }, {dir, "cannot create"});
}

}  // namespace
}  // namespace kdup
