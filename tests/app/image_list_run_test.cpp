// A tiny ImageNet-100-LT-style run (paper Table 3's data path): PNG images in `path label` lists,
// an OOD pool given as an unlabelled image list of other-sized images, stage 1 with a refresh,
// then the evaluation grouped by the count thresholds and a report with the pool's thumbnails.
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>

#include "app/commands.h"
#include "data/npy.h"
#include "png_fixture.h"
#include "test_util.h"

namespace kdup {
namespace {

namespace fs = std::filesystem;

// A size x size image of class `label`: one strong channel per class, plus a per-image gradient.
void write_class_image(const fs::path& path, int size, int64_t label, int index) {
  test::write_png(path.string(), size, size, [&](int x, int y) -> std::array<uint8_t, 3> {
    std::array<uint8_t, 3> rgb{30, 30, 30};
    rgb[label % 3] = static_cast<uint8_t>(150 + (x * 5 + y * 3 + index * 7) % 100);
    return rgb;
  });
}

TEST(ImageListRun, TrainsWithAnImageListPoolAndGroupsByCount) {
  const fs::path dir = fs::path(::testing::TempDir()) / "kdup_image_list_run";
  fs::remove_all(dir);
  fs::create_directories(dir / "images");
  // Class 0 has 120 long-tailed images (Many), class 1 has 30 (Medium), class 2 has 6 (Few).
  const int64_t counts[] = {120, 30, 6};
  std::ofstream lt(dir / "lt.txt"), balanced(dir / "balanced.txt"), test_list(dir / "test.txt");
  int index = 0;
  for (int64_t c = 0; c < 3; ++c) {
    for (int64_t i = 0; i < counts[c]; ++i, ++index) {
      const std::string name = "train_" + std::to_string(index) + ".png";
      write_class_image(dir / "images" / name, 12, c, index);
      lt << name << " " << c << "\n";
      if (i < 6) balanced << name << " " << c << "\n";  // the probe list shares the first six
    }
    for (int i = 0; i < 5; ++i, ++index) {
      const std::string name = "test_" + std::to_string(index) + ".png";
      write_class_image(dir / "images" / name, 12, c, index);
      test_list << name << " " << c << "\n";
    }
  }
  lt.close(), balanced.close(), test_list.close();
  std::ofstream pool(dir / "pool.txt");
  for (int i = 0; i < 30; ++i) {
    const std::string name = "pool_" + std::to_string(i) + ".png";
    test::write_png((dir / "images" / name).string(), 20, 16,
                    [&](int x, int y) -> std::array<uint8_t, 3> {
                      return {static_cast<uint8_t>(x * 12), static_cast<uint8_t>(y * 15),
                              static_cast<uint8_t>(i * 8)};
                    });
    pool << name << "\n";
  }
  pool.close();

  nlohmann::json config = {
      {"run", {{"name", "lists"}, {"dir", (dir / "runs").string()}, {"label", "Lists"}}},
      {"data",
       {{"dataset", "image_list"},
        {"root", (dir / "images").string()},
        {"image_size", 12},
        {"pretrain_list", (dir / "lt.txt").string()},
        {"probe_train_list", (dir / "balanced.txt").string()},
        {"fewshot_list", ""},
        {"test_list", (dir / "test.txt").string()}}},
      {"ood",
       {{"pool_file", (dir / "pool.txt").string()}, {"pool_root", (dir / "images").string()}}},
      {"model", {{"width", 0.0625}, {"projection_hidden", 16}, {"projection_dim", 8}}},
      {"train", {{"epochs", 2}, {"batch_size", 32}}},
      {"optim", {{"warmup_epochs", 0}, {"lr", 0.1}}},
      {"stage1",
       {{"enabled", true},
        {"warmup_epochs", 1},
        {"refresh_every", 1},
        {"ood_budget", 10},
        {"num_clusters", 3},
        {"tailness_k", 3},
        {"positives_k", 2},
        {"embed_batch_size", 64}}},
      {"eval",
       {{"cached_features", true},
        {"probe_epochs", 3},
        {"probe_milestones", {2}},
        {"knn_k", 5},
        {"batch_size", 64}}}};
  config["run"]["device"] = "cpu";
  const std::string config_path = (dir / "lists.json").string();
  std::ofstream(config_path) << config.dump(2);

  ASSERT_EQ(run_command(config_path, {}, false), 0);
  const fs::path run = dir / "runs" / "lists";
  std::ifstream results_in(run / "results.json");
  const nlohmann::json results = nlohmann::json::parse(results_in);
  EXPECT_EQ(results["group_rule"], "thresholds");
  EXPECT_EQ(results["train_class_counts"], (std::vector<int64_t>{120, 30, 6}));
  // One class per group, so each group's accuracy is its class's accuracy.
  const std::vector<double> per_class = results["linear"]["per_class"];
  EXPECT_EQ(results["linear"]["many"].get<double>(), per_class[0]);
  EXPECT_EQ(results["linear"]["medium"].get<double>(), per_class[1]);
  EXPECT_EQ(results["linear"]["few"].get<double>(), per_class[2]);
  // The refresh sampled 10 pool images; the report shows them from the list.
  std::ifstream report_in(run / "report.html");
  const std::string report((std::istreambuf_iterator<char>(report_in)), {});
  EXPECT_NE(report.find("class=\"thumb\""), std::string::npos);

  // A pool whose images differ in size from the ID images is refused before training.
  const std::string npy_pool = (dir / "pool32.npy").string();
  write_npy(npy_pool, Tensor::zeros({20, 32, 32, 3}, DType::u8));
  config["run"]["name"] = "bad_pool";
  config["ood"]["pool_file"] = npy_pool;
  std::ofstream(config_path, std::ios::trunc) << config.dump(2);
  test::expect_error([&] { run_command(config_path, {}, false); },
                     {"ood.pool_file", "pool32.npy", "32x32", "12x12"});
  EXPECT_FALSE(fs::exists(dir / "runs" / "bad_pool" / "checkpoint_epoch_0001.safetensors"));
  // Image lists need data.dataset image_list; a path listed twice with two labels is refused.
  test::expect_error(
      [&] {
        run_command(config_path, {"run.name=bad_dataset", "data.dataset=cifar10"}, false);
      },
      {"data.pretrain_list", "image_list"});
  std::ofstream(dir / "balanced.txt", std::ios::app) << "train_0.png 2\n";  // line 19
  test::expect_error([&] { run_command(config_path, {"run.name=bad_labels"}, false); },
                     {"balanced.txt:19", "train_0.png", "label 2 here and 0"});
}

}  // namespace
}  // namespace kdup
