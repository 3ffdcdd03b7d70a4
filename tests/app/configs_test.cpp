// Every shipped configuration loads and validates: unknown keys, wrong types, bad values and broken
// "extends" chains in configs/ fail here rather than in a user's run.
#include <filesystem>

#include "app/method_schema.h"
#include "app/train_schema.h"
#include "test_util.h"

namespace kdup {
namespace {

TEST(Configs, EveryShippedConfigValidates) {
  namespace fs = std::filesystem;
  int checked = 0;
  for (const auto& entry : fs::recursive_directory_iterator(std::string(KDUP_SOURCE_DIR) + "/configs")) {
    if (entry.path().extension() != ".json") continue;
    SCOPED_TRACE(entry.path().string());
    const Config cfg = load_config(entry.path().string(), train_schema());
    const PretrainConfig base = pretrain_config_from(cfg, Device::cpu);
    if (cfg.boolean("stage1.enabled")) stage1_config_from(cfg, base);
    stage2_config_from(cfg, Device::cpu);
    ++checked;
  }
  EXPECT_GE(checked, 30);
}

}  // namespace
}  // namespace kdup
