// A run stopped by SIGINT or SIGTERM at every step boundary of stage 1 (across its refresh) and of
// stage 2, and resumed each time, ends with the parameters, log and results of an unbroken run; a
// diverging run stops with an error naming the step and keeps its last good checkpoint, from
// which --resume continues.
#include <csignal>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>

#include "app/commands.h"
#include "app/run_dir.h"
#include "app/stop_signals.h"
#include "io/safetensors.h"
#include "test_util.h"
#include "tiny_experiment.h"

namespace kdup {
namespace {

namespace fs = std::filesystem;
using test::checkpoint_values;
using test::slurp;

// The epoch records of log.jsonl (stage, epoch, loss, images) and the number of refreshes.
std::vector<std::string> epoch_records(const fs::path& run, int& refreshes) {
  std::vector<std::string> records;
  refreshes = 0;
  for (const nlohmann::json& r : RunDir(run.string(), {}, true).read_log()) {
    if (r.value("refresh", false)) {
      ++refreshes;
      continue;
    }
    records.push_back(r["stage"].get<std::string>() + " " + r["epoch"].dump() + " " +
                      r["loss"].dump() + " " + r["images_processed"].dump());
  }
  return records;
}

nlohmann::json stage_one_and_two(const std::string& name) {
  nlohmann::json config = test::tiny_method(test::tiny_experiment(name));
  config["eval"]["probe_epochs"] = 1;
  config["eval"]["fewshot_epochs"] = 1;
  config["eval"]["probe_milestones"] = nlohmann::json::array();
  config["eval"]["fewshot_milestones"] = nlohmann::json::array();
  config["run"]["keep_checkpoints"] = 0;  // every step checkpoint kept, to see where runs stopped
  return config;
}

TEST(InterruptedRun, StoppedAtEveryStepResumesToTheUnbrokenRun) {
  const nlohmann::json unbroken_config = stage_one_and_two("kdup_stop_unbroken");
  ASSERT_EQ(run_command(test::write_config(unbroken_config, "kdup_stop_unbroken"), {}, false), 0);
  const fs::path unbroken = fs::path(unbroken_config["run"]["dir"].get<std::string>()) / "tiny";

  const nlohmann::json config = stage_one_and_two("kdup_stop");
  const std::string path = test::write_config(config, "kdup_stop");
  const fs::path run = fs::path(config["run"]["dir"].get<std::string>()) / "tiny";
  const fs::path last_stage2 = run / "stage2" / "checkpoint_epoch_0001.safetensors";
  // A signal before the run's first step boundary stops it there: one step per run.
  int stops = 0;
  while (!fs::exists(last_stage2)) {
    const int signal = stops % 2 ? SIGINT : SIGTERM;
    {
      StopSignals outer;  // the signal arrives before run_command installs its own handler
      ASSERT_EQ(std::raise(signal), 0);
      ASSERT_EQ(run_command(path, {}, /*resume=*/stops > 0), stop_exit_code(signal));
    }
    EXPECT_FALSE(fs::exists(run / "results.json"));
    ASSERT_LT(++stops, 100) << "the run does not advance";
  }
  // Stage 1's 2 epochs and stage 2's epoch have more steps than that between them.
  EXPECT_GT(stops, 6);
  EXPECT_TRUE(fs::exists(run / "checkpoint_epoch_0001_step_0001.safetensors"));
  EXPECT_TRUE(fs::exists(run / "stage2" / "checkpoint_epoch_0000_step_0001.safetensors"));
  ASSERT_EQ(run_command(path, {}, true), 0);

  for (const char* checkpoint :
       {"checkpoint_epoch_0002.safetensors", "stage2/checkpoint_epoch_0001.safetensors"})
    EXPECT_EQ(checkpoint_values(run / checkpoint), checkpoint_values(unbroken / checkpoint))
        << checkpoint;
  int refreshes = 0, unbroken_refreshes = 0;
  EXPECT_EQ(epoch_records(run, refreshes), epoch_records(unbroken, unbroken_refreshes));
  EXPECT_EQ(refreshes, 1);
  EXPECT_EQ(unbroken_refreshes, 1);
  const nlohmann::json results = nlohmann::json::parse(slurp(run / "results.json"));
  const nlohmann::json expected = nlohmann::json::parse(slurp(unbroken / "results.json"));
  EXPECT_EQ(results["linear"], expected["linear"]);
  EXPECT_EQ(results["images_processed"], expected["images_processed"]);
}

TEST(InterruptedRun, DivergenceKeepsTheLastGoodCheckpoint) {
  nlohmann::json config = test::tiny_experiment("kdup_diverge");
  config["train"]["epochs"] = 8;
  const std::string path = test::write_config(config, "kdup_diverge");
  const fs::path run = fs::path(config["run"]["dir"].get<std::string>()) / "tiny";
  const fs::path good = run / "checkpoint_epoch_0000_step_0001.safetensors";
  {  // a good checkpoint after the first step
    StopSignals outer;
    request_stop(SIGTERM);
    ASSERT_EQ(run_command(path, {}, false), 143);
  }
  ASSERT_TRUE(fs::exists(good));
  const std::string good_bytes = slurp(good);

  // The rest of the run at a learning rate of 1e6 diverges (within a few epochs: weight decay at
  // that rate scales the weights by about -99 a step).
  test::expect_error([&] { run_command(path, {"optim.lr=1e6"}, true); },
                     {"pretrain diverged at epoch ", ", step ", ": loss ", "not finite",
                      "the last good checkpoint is " + good.string(), "--resume"});
  EXPECT_EQ(slurp(good), good_bytes);
  EXPECT_EQ(RunDir(run.string(), {}, true).checkpoints().size(), 1u);
  EXPECT_FALSE(fs::exists(run / "results.json"));

  // Without a checkpoint the message says so.
  nlohmann::json fresh = test::tiny_experiment("kdup_diverge_fresh");
  fresh["train"]["epochs"] = 8;
  test::expect_error(
      [&] {
        run_command(test::write_config(fresh, "kdup_diverge_fresh"), {"optim.lr=1e6"}, false);
      },
      {"pretrain diverged at epoch ", "no checkpoint of this stage"});

  // --resume with the configured learning rate continues from the good checkpoint.
  ASSERT_EQ(run_command(path, {}, true), 0);
  EXPECT_TRUE(fs::exists(run / "checkpoint_epoch_0008.safetensors"));
  EXPECT_TRUE(fs::exists(run / "results.json"));
}

}  // namespace
}  // namespace kdup
