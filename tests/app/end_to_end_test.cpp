// A tiny end-to-end run through the kdup train command: synthetic CIFAR-format files, a generated
// long-tailed subset, one epoch of SimCLR, then the linear and few-shot probes into results.md.
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>

#include "app/commands.h"
#include "app/results.h"
#include "data/npy.h"
#include "test_util.h"
#include "tiny_experiment.h"

namespace kdup {
namespace {

using test::tiny_experiment;
using test::tiny_method;
using test::write_config;

TEST(EndToEnd, TrainsAndEvaluatesATinyRun) {
  namespace fs = std::filesystem;
  const fs::path dir = fs::path(::testing::TempDir()) / "kdup_e2e";
  nlohmann::json config = tiny_experiment("kdup_e2e");
  const std::string config_path = (dir / "tiny.json").string();
  std::ofstream(config_path) << config.dump(2);

  ASSERT_EQ(run_command(config_path, {}, false), 0);
  const fs::path run = dir / "runs" / "tiny";
  EXPECT_TRUE(fs::exists(run / "config.json"));
  EXPECT_TRUE(fs::exists(run / "log.jsonl"));
  EXPECT_TRUE(fs::exists(run / "checkpoint_epoch_0001.safetensors"));
  std::ifstream md_in(run / "results.md");
  const std::string md((std::istreambuf_iterator<char>(md_in)), {});
  EXPECT_NE(md.find("| Tiny | linear probe (cached features, no augmentation) |"), std::string::npos) << md;
  EXPECT_NE(md.find("| Tiny | 1% few-shot (cached features, no augmentation) |"), std::string::npos);
  std::ifstream json_in(run / "results.json");
  nlohmann::json results = nlohmann::json::parse(json_in);
  const double all = results["linear"]["all"];
  EXPECT_GE(all, 0.0);
  EXPECT_LE(all, 100.0);
  EXPECT_EQ(results["epochs"], 1);
  const std::string row = comparison_markdown({results, results});
  EXPECT_NE(row.find("| Tiny | linear probe (cached features, no augmentation) | "),
            std::string::npos)
      << row;
  EXPECT_NE(row.find(" | " + std::to_string(results["images_processed"].get<int64_t>()) + " | "),
            std::string::npos)
      << row;
  std::ifstream tsne_in(run / "tsne.json");
  const nlohmann::json tsne_map = nlohmann::json::parse(tsne_in);
  EXPECT_EQ(tsne_map["points"].size(), 100u);  // every test image (fewer than 2,000)
  EXPECT_EQ(tsne_map["labels"].size(), 100u);

  // Evaluating the run again from its checkpoint gives the same numbers (same seeds).
  ASSERT_EQ(eval_command(run.string(), "", {}), 0);
  std::ifstream again_in(run / "results.json");
  EXPECT_EQ(nlohmann::json::parse(again_in)["linear"]["all"], results["linear"]["all"]);

  // A different config in the same run directory without --resume is refused, nothing written.
  test::expect_error([&] { run_command(config_path, {"optim.lr=0.2"}, false); },
                     {"tiny", "optim.lr"});
  test::expect_error([&] { run_command(config_path, {"optim.lrr=0.2"}, false); },
                     {"optim.lrr", "optim.lr"});
}

TEST(EndToEnd, KdupRunsStageOneStageTwoAndTheEvaluation) {
  namespace fs = std::filesystem;
  nlohmann::json config = tiny_method(tiny_experiment("kdup_e2e_method"));
  config["run"]["knn_every"] = 1;
  const std::string path = write_config(config, "kdup_e2e_method");
  ASSERT_EQ(run_command(path, {}, false), 0);
  const fs::path run = fs::path(config["run"]["dir"].get<std::string>()) / "tiny";
  EXPECT_TRUE(fs::exists(run / "checkpoint_epoch_0002.safetensors"));
  EXPECT_TRUE(fs::exists(run / "stage2" / "checkpoint_epoch_0001.safetensors"));
  EXPECT_TRUE(fs::exists(run / "results.md"));
  EXPECT_TRUE(fs::exists(run / "report.html"));
  // The log holds stage-1 epochs, one refresh with budgets summing to N_b, and stage 2.
  std::ifstream log(run / "log.jsonl");
  std::string line;
  int refreshes = 0, stage2_epochs = 0;
  while (std::getline(log, line)) {
    nlohmann::json r = nlohmann::json::parse(line);
    if (r.value("refresh", false)) {
      ++refreshes;
      int64_t total = 0;
      for (int64_t b : r["budgets"]) total += b;
      EXPECT_EQ(total, 12);
      EXPECT_TRUE(fs::exists(run / r["ood_file"].get<std::string>()));
      EXPECT_TRUE(r.contains("spearman"));
      EXPECT_EQ(r["tailness_high_means"], "tail");  // KDUP tailness (COLT logs "head")
      EXPECT_TRUE(r["diagnostics"].contains("cluster_purity")) << line;
      EXPECT_EQ(r["majority_class_sizes"].size(), 3u) << line;  // one per cluster
      EXPECT_TRUE(r["diagnostics"].contains("ood_placement")) << line;
    } else {
      EXPECT_TRUE(r.contains("knn_accuracy")) << line;  // run.knn_every = 1
      if (r["stage"] == "stage2") {
        ++stage2_epochs;
        EXPECT_TRUE(r["diagnostics"].contains("negative_collisions"));
      }
    }
  }
  EXPECT_EQ(refreshes, 1);
  EXPECT_EQ(stage2_epochs, 1);
  // results.json carries the diagnostics of the refresh and of stage 2 (METHOD.md §6).
  std::ifstream results_in(run / "results.json");
  const nlohmann::json results = nlohmann::json::parse(results_in);
  EXPECT_EQ(results["diagnostics"]["refreshes"].size(), 1u);
  EXPECT_EQ(results["diagnostics"]["refreshes"][0]["epoch"], 1);
  EXPECT_TRUE(results["diagnostics"]["stage2"].contains("neighbour_purity"));
  std::ifstream report_in(run / "report.html");
  const std::string report((std::istreambuf_iterator<char>(report_in)), {});
  EXPECT_NE(report.find("Mechanism diagnostics"), std::string::npos);
  EXPECT_NE(report.find("stage 2 (K_kd lists)"), std::string::npos);
}

// With stage 1 off, stage 2 distils the plain SimCLR network: the attribution of stage 2 alone.
TEST(EndToEnd, StageTwoAloneDistilsASimclrNetwork) {
  namespace fs = std::filesystem;
  nlohmann::json config = tiny_method(tiny_experiment("kdup_e2e_simclr_stage2"));
  config["stage1"]["enabled"] = false;
  ASSERT_EQ(run_command(write_config(config, "kdup_e2e_simclr_stage2"), {}, false), 0);
  const fs::path run = fs::path(config["run"]["dir"].get<std::string>()) / "tiny";
  EXPECT_TRUE(fs::exists(run / "checkpoint_epoch_0002.safetensors"));
  EXPECT_TRUE(fs::exists(run / "stage2" / "checkpoint_epoch_0001.safetensors"));
  std::ifstream results_in(run / "results.json");
  const nlohmann::json results = nlohmann::json::parse(results_in);
  EXPECT_EQ(results["epochs"], 3);
  EXPECT_TRUE(results["diagnostics"]["refreshes"].empty());
  EXPECT_TRUE(results["diagnostics"]["stage2"].contains("cluster_purity"));
}

TEST(EndToEnd, BadMethodInputStopsBeforeTraining) {
  namespace fs = std::filesystem;
  nlohmann::json config = tiny_method(tiny_experiment("kdup_e2e_bad"));
  const fs::path run = fs::path(config["run"]["dir"].get<std::string>()) / "tiny";
  auto expect_refused = [&](nlohmann::json c, const std::vector<std::string>& fragments) {
    fs::remove_all(run);
    test::expect_error([&] { run_command(write_config(c, "kdup_e2e_bad"), {}, false); }, fragments);
    EXPECT_FALSE(fs::exists(run / "checkpoint_epoch_0001.safetensors")) << "training started";
  };
  nlohmann::json c = config;
  c["stage1"]["ood_budget"] = 41;  // the pool holds 40 images
  expect_refused(c, {"41", "40"});
  c = config;
  const std::string empty_pool = ::testing::TempDir() + "/kdup_empty_pool.npy";
  write_npy(empty_pool, Tensor::zeros({0, 32, 32, 3}, DType::u8));
  c["ood"]["pool_file"] = empty_pool;
  expect_refused(c, {"pool"});
  c = config;
  c["ood"]["pool_file"] = ::testing::TempDir() + "/kdup_no_such_pool.npy";
  expect_refused(c, {"kdup_no_such_pool.npy"});
  c = config;
  c["stage1"]["tailness_k"] = 10000;
  expect_refused(c, {"10000"});
  c = config;
  c["stage2"]["k_kd"] = 10000;
  expect_refused(c, {"stage2.k_kd"});
  c = config;
  c["stage2"]["warmup_epochs"] = 1;  // not below stage2.epochs = 1
  expect_refused(c, {"warmup_epochs"});
}

}  // namespace
}  // namespace kdup
