#include "targets.h"

#include "app/config.h"
#include "app/method_schema.h"
#include "app/train_schema.h"
#include "data/cifar.h"
#include "data/image_list.h"
#include "data/npy.h"
#include "data/ood_pool.h"
#include "fuzz_input.h"
#include "io/safetensors.h"

namespace kdup::fuzz {

// .npy files (data/npy.h): the whole array, a few rows of it (thumbnails of a pool), and the
// checked read that the split files and pools go through.
void npy(const uint8_t* data, size_t size) {
  const std::string path = write_input("input.npy", as_text(data, size));
  expect_only_kdup_errors([&] { read_npy(path); });
  expect_only_kdup_errors([&] { read_npy_rows(path, {1, 0, 1}); });
  expect_only_kdup_errors([&] { read_npy(path, DType::i64, {-1}); });
}

// safetensors files (src/io/safetensors.h): checkpoints passed between people, golden values.
void safetensors(const uint8_t* data, size_t size) {
  const std::string path = write_input("input.safetensors", as_text(data, size));
  expect_only_kdup_errors([&] {
    const SafetensorsFile file = read_safetensors(path);
    if (!file.tensors.empty()) file.at(file.tensors.front().first);
    file.at("no such tensor");
  });
}

// CIFAR binary batches (data/cifar.h), as CIFAR-10 (1 label byte) and as CIFAR-100 (2).
void cifar(const uint8_t* data, size_t size) {
  const std::string path = write_input("data_batch.bin", as_text(data, size));
  expect_only_kdup_errors([&] { read_cifar_binary({path}, CifarVariant::cifar10); });
  expect_only_kdup_errors([&] { read_cifar_binary({path, path}, CifarVariant::cifar100); });
}

// Labelled image lists with the images they name (data/image_list.h), stb_image's decoders
// included. The input is the list's text, a NUL byte, then the bytes of the file "image" that the
// list's lines may name (the seeds name it; the fuzzer may name others).
void image_list(const uint8_t* data, size_t size) {
  const auto [list_text, image] = split_at_nul(as_text(data, size));
  write_input("image", image);
  const std::string list = write_input("list.txt", list_text);
  expect_only_kdup_errors([&] { read_image_list(list, scratch_dir(), 8); });
}

// OOD pools (data/ood_pool.h), the whole pool and a few rows of it, as a .npy of uint8
// [P, H, W, 3] and as an unlabelled image list. The first byte chooses the form; after it, a .npy
// is the file itself, a list is its text, a NUL byte and the file "image" it may name.
void ood_pool(const uint8_t* data, size_t size) {
  if (size == 0) return;
  const std::string_view rest = as_text(data + 1, size - 1);
  std::string pool;
  if (data[0] % 2 == 0) {
    pool = write_input("pool.npy", rest);
  } else {
    const auto [list_text, image] = split_at_nul(rest);
    write_input("image", image);
    pool = write_input("pool.txt", list_text);
  }
  expect_only_kdup_errors([&] { read_ood_pool(pool, scratch_dir(), 8); });
  expect_only_kdup_errors([&] { read_ood_pool_rows(pool, scratch_dir(), 8, {0, 0}); });
}

// JSON configs (src/app/config.h) with `extends`: the input is a config, a NUL byte, then the file
// "base.json" that it may extend. The loaded config is then turned into every part's settings, as
// `kdup run` does before it reads any data, so each value's range check runs too.
void config(const uint8_t* data, size_t size) {
  const auto [config_text, base_text] = split_at_nul(as_text(data, size));
  write_input("base.json", base_text);
  const std::string config_file = write_input("config.json", config_text);
  expect_only_kdup_errors([&] {
    const Config cfg = load_config(config_file, train_schema(), {});
    cfg.resolved_json();
    data_paths_from_config(cfg);
    model_config_from(cfg);
    const PretrainConfig base = pretrain_config_from(cfg, Device::cpu);
    eval_config_from(cfg, Device::cpu);
    validate_stage1_config(stage1_config_from(cfg, base));
    stage2_config_from(cfg, Device::cpu);
  });
}

const std::vector<Target>& targets() {
  static const std::vector<Target> all = {{"npy", npy},           {"safetensors", safetensors},
                                          {"cifar", cifar},       {"image_list", image_list},
                                          {"ood_pool", ood_pool}, {"config", config}};
  return all;
}

}  // namespace kdup::fuzz
