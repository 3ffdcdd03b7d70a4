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

}  // namespace
}  // namespace kdup
