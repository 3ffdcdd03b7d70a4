// kdup compare's table: runs grouped by label, every column as mean ± sample standard deviation.
#include "app/results.h"

#include "test_util.h"

namespace kdup {
namespace {

nlohmann::json result(const std::string& name, int64_t seed, double all, double seconds) {
  nlohmann::json probe = {{"ran", true},          {"cached_features", false},
                          {"val_accuracy", 50.0}, {"many", 60.0},
                          {"medium", 50.0},       {"few", 40.0},
                          {"std", 8.0},           {"all", all}};
  nlohmann::json fewshot = probe;
  fewshot["ran"] = false;
  return {{"name", name},
          {"seed", seed},
          {"images_processed", 1000},
          {"train_seconds", seconds},
          {"linear", probe},
          {"fewshot", fewshot},
          {"knn_accuracy", 30.0}};
}

TEST(Comparison, GroupsRunsByLabelInFirstSeenOrder) {
  const auto groups = group_by_label(
      {result("B", 0, 1, 1), result("A", 0, 1, 1), result("B", 1, 1, 1), result("A", 1, 1, 1)});
  ASSERT_EQ(groups.size(), 2u);
  EXPECT_EQ(groups[0].front()["name"], "B");
  EXPECT_EQ(groups[0].size(), 2u);
  EXPECT_EQ(groups[1][1]["seed"], 1);
}

TEST(Comparison, PrintsMeanAndSampleStandardDeviationOverSeeds) {
  // All 50, 52, 57: mean 53, sample std sqrt((9 + 1 + 16) / 2) = 3.61. Time per image: SimCLR
  // 60 s, KDUP 72 s for the same images: 1.20x.
  const std::string md =
      comparison_markdown({result("SimCLR", 0, 50, 60), result("SimCLR", 1, 52, 60),
                           result("SimCLR", 2, 57, 60), result("KDUP", 0, 40, 72)});
  EXPECT_NE(md.find("| SimCLR | linear probe | 0,1,2 | 60.00 ± 0.00 | 50.00 ± 0.00 | "
                    "40.00 ± 0.00 | 8.00 ± 0.00 | 53.00 ± 3.61 | 50.00 ± 0.00 | 30.00 ± 0.00 | "
                    "1000 | 1.00 ± 0.00 | 1.00x |"),
            std::string::npos)
      << md;
  EXPECT_NE(md.find("| KDUP | linear probe | 0 | 60.00 | 50.00 | 40.00 | 8.00 | 40.00 | 50.00 | "
                    "30.00 | 1000 | 1.20 | 1.20x |"),
            std::string::npos)
      << md;
  EXPECT_EQ(md.find("1% few-shot"), std::string::npos);  // no few-shot probe ran
}

}  // namespace
}  // namespace kdup
