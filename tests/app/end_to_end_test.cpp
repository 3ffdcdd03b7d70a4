// A tiny end-to-end run through the kdup train command: synthetic CIFAR-format files, a generated
// long-tailed subset, one epoch of SimCLR, then the linear and few-shot probes into results.md.
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>

#include "app/commands.h"
#include "data/npy.h"
#include "test_util.h"

namespace kdup {
namespace {

// n CIFAR-10 records of label r % 10 whose pixels carry a class-dependent tint plus noise.
void write_cifar_file(const std::string& path, int n, uint64_t seed) {
  std::vector<double> noise = Tensor::rand({n, 3072}, seed, DType::f64).to_vector<double>();
  std::string bytes;
  for (int r = 0; r < n; ++r) {
    const int label = r % 10;
    bytes.push_back(static_cast<char>(label));
    for (int i = 0; i < 3072; ++i) {
      const int channel = i / 1024;
      const double tint = channel == label % 3 ? 120.0 : 20.0 * (label / 3);
      bytes.push_back(static_cast<char>(static_cast<uint8_t>(tint + 100 * noise[r * 3072 + i])));
    }
  }
  std::ofstream(path, std::ios::binary).write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
}

TEST(EndToEnd, TrainsAndEvaluatesATinyRun) {
  namespace fs = std::filesystem;
  const fs::path dir = fs::path(::testing::TempDir()) / "kdup_e2e";
  fs::remove_all(dir);
  fs::create_directories(dir / "cifar");
  for (int b = 1; b <= 5; ++b)
    write_cifar_file((dir / "cifar" / ("data_batch_" + std::to_string(b) + ".bin")).string(), 40, b);
  write_cifar_file((dir / "cifar" / "test_batch.bin").string(), 100, 9);
  std::vector<int64_t> fewshot;
  for (int64_t i = 0; i < 20; ++i) fewshot.push_back(i);  // two of each class
  write_npy((dir / "fewshot.npy").string(), Tensor::from_vector(fewshot, {20}));

  nlohmann::json config = {
      {"run", {{"name", "tiny"}, {"dir", (dir / "runs").string()}, {"label", "Tiny"}}},
      {"data",
       {{"root", (dir / "cifar").string()},
        {"pretrain_split", ""},
        {"imbalance_ratio", 10},
        {"probe_train_split", ""},
        {"val_split", ""},
        {"fewshot_split", (dir / "fewshot.npy").string()}}},
      {"model", {{"width", 0.0625}, {"projection_hidden", 16}, {"projection_dim", 8}}},
      {"train", {{"epochs", 1}, {"batch_size", 16}}},
      {"optim", {{"warmup_epochs", 0}, {"lr", 0.1}}},
      {"eval",
       {{"cached_features", true},
        {"probe_epochs", 3},
        {"probe_lr", 1.0},
        {"probe_milestones", {2}},
        {"fewshot_epochs", 3},
        {"fewshot_milestones", {2}},
        {"knn_k", 5},
        {"batch_size", 64}}}};
  config["run"]["device"] = "cpu";
  const std::string config_path = (dir / "tiny.json").string();
  std::ofstream(config_path) << config.dump(2);

  ASSERT_EQ(train_command(config_path, {}, false), 0);
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
  std::ifstream tsne_in(run / "tsne.json");
  const nlohmann::json tsne_map = nlohmann::json::parse(tsne_in);
  EXPECT_EQ(tsne_map["points"].size(), 100u);  // every test image (fewer than 2,000)
  EXPECT_EQ(tsne_map["labels"].size(), 100u);

  // Evaluating the run again from its checkpoint gives the same numbers (same seeds).
  ASSERT_EQ(eval_command(run.string(), "", {}), 0);
  std::ifstream again_in(run / "results.json");
  EXPECT_EQ(nlohmann::json::parse(again_in)["linear"]["all"], results["linear"]["all"]);

  // A different config in the same run directory without --resume is refused, nothing written.
  test::expect_error([&] { train_command(config_path, {"optim.lr=0.2"}, false); },
                     {"tiny", "optim.lr"});
  test::expect_error([&] { train_command(config_path, {"optim.lrr=0.2"}, false); },
                     {"optim.lrr", "optim.lr"});
}

}  // namespace
}  // namespace kdup
