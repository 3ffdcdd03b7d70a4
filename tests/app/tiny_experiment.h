// The tiny experiments of the end-to-end tests: synthetic CIFAR-format files, a few-shot split and
// a small OOD pool under TempDir(), and configurations for them.
#pragma once
#include <filesystem>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "data/npy.h"
#include "io/safetensors.h"
#include "test_util.h"

namespace kdup::test {

// n CIFAR-10 records of label r % 10 whose pixels carry a class-dependent tint plus noise.
inline void write_cifar_file(const std::string& path, int n, uint64_t seed) {
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
  std::ofstream(path, std::ios::binary)
      .write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
}

// Writes tiny CIFAR-format files, a few-shot split and (for the method) a small OOD pool under
// TempDir()/name, and returns a configuration for them.
inline nlohmann::json tiny_experiment(const std::string& name) {
  namespace fs = std::filesystem;
  const fs::path dir = fs::path(::testing::TempDir()) / name;
  fs::remove_all(dir);
  fs::create_directories(dir / "cifar");
  for (int b = 1; b <= 5; ++b)
    write_cifar_file((dir / "cifar" / ("data_batch_" + std::to_string(b) + ".bin")).string(), 40,
                     b);
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
  write_npy((dir / "pool.npy").string(), random_images(40, 32, 21));
  config["ood"]["pool_file"] = (dir / "pool.npy").string();
  return config;
}

inline std::string write_config(const nlohmann::json& config, const std::string& name) {
  const std::string path = ::testing::TempDir() + "/" + name + ".json";
  std::ofstream(path) << config.dump(2);
  return path;
}

// The method's settings for the tiny data: warm-up 1 epoch, a refresh every epoch, 12 OOD samples.
inline nlohmann::json tiny_method(nlohmann::json config) {
  config["train"]["epochs"] = 2;
  config["stage1"] = {{"enabled", true},  {"warmup_epochs", 1},    {"refresh_every", 1},
                      {"ood_budget", 12}, {"num_clusters", 3},     {"tailness_k", 3},
                      {"positives_k", 2}, {"embed_batch_size", 32}};
  config["stage2"] = {{"enabled", true},    {"epochs", 1}, {"batch_size", 8},
                      {"warmup_epochs", 0}, {"k_kd", 3},   {"num_clusters", 3}};
  return config;
}

// Every model and optimiser tensor of a checkpoint: two checkpoints hold the same training state
// exactly when these are equal.
inline std::map<std::string, std::vector<float>> checkpoint_values(
    const std::filesystem::path& path) {
  std::map<std::string, std::vector<float>> values;
  for (const auto& [name, t] : read_safetensors(path.string()).tensors)
    if (name.rfind("model.", 0) == 0 || name.rfind("optimizer.", 0) == 0)
      values[name] = t.to_vector<float>();
  return values;
}

}  // namespace kdup::test
