// Every shipped configuration loads and validates: unknown keys, wrong types, bad values and broken
// "extends" chains in configs/ fail here rather than in a user's run. The image-list configs get
// the ImageNet augmentation and the count-threshold groups.
#include <filesystem>

#include "app/method_schema.h"
#include "app/train_schema.h"
#include "test_util.h"

namespace kdup {
namespace {

TEST(Configs, EveryShippedConfigValidates) {
  namespace fs = std::filesystem;
  int checked = 0, image_lists = 0;
  for (const auto& entry : fs::recursive_directory_iterator(std::string(KDUP_SOURCE_DIR) + "/configs")) {
    if (entry.path().extension() != ".json") continue;
    SCOPED_TRACE(entry.path().string());
    const Config cfg = load_config(entry.path().string(), train_schema());
    const PretrainConfig base = pretrain_config_from(cfg, Device::cpu);
    if (cfg.boolean("stage1.enabled")) stage1_config_from(cfg, base);
    stage2_config_from(cfg, Device::cpu);
    data_paths_from_config(cfg);
    if (cfg.string("data.dataset") == "image_list") {  // ImageNet-100-LT and Places-LT, Table 3
      EXPECT_EQ(eval_config_from(cfg, Device::cpu).groups, GroupRule::thresholds);
      EXPECT_EQ(base.views.contrastive.output_size, 224);
      EXPECT_EQ(base.views.contrastive.blur_p, 0.5);
      ++image_lists;
    }
    ++checked;
  }
  EXPECT_GE(checked, 30);
  EXPECT_EQ(image_lists, 8);
}

// One key seeds a run: the initialisation, the shuffling and augmentation (and with them every
// draw of the method), stage 2's clustering and draws, and the probes.
TEST(Configs, RunSeedSeedsEveryRandomChoice) {
  const std::string path =
      std::string(KDUP_SOURCE_DIR) + "/configs/cpu/kdup_cifar10_lt_split1.json";
  const Config cfg = load_config(path, train_schema(), {"run.seed=7"});
  EXPECT_EQ(model_config_from(cfg).backbone.seed, 7u);
  const PretrainConfig base = pretrain_config_from(cfg, Device::cpu);
  EXPECT_EQ(base.seed, 7u);
  EXPECT_EQ(stage1_config_from(cfg, base).base.seed, 7u);
  const Stage2Config stage2 = stage2_config_from(cfg, Device::cpu);
  EXPECT_EQ(stage2.base.seed, 7u);
  EXPECT_EQ(stage2.pairs.kmeans_seed, 7u);
  EXPECT_EQ(eval_config_from(cfg, Device::cpu).probe.seed, 7u);
  for (const char* old_key : {"model.seed=1", "train.seed=1", "eval.seed=1"})
    EXPECT_THROW(load_config(path, train_schema(), {old_key}), Error) << old_key;
}

}  // namespace
}  // namespace kdup
