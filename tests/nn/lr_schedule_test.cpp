// Learning-rate schedules against their formulas at chosen steps.
#include "nn/lr_schedule.h"

#include <cmath>

#include "test_util.h"

namespace kdup {
namespace {

using test::expect_error;

const double kPi = std::acos(-1.0);

TEST(WarmupCosine, WarmUpIsLinear) {
  WarmupCosineSchedule s(0.4, /*warmup=*/4, /*total=*/104, /*final=*/0.0);
  EXPECT_DOUBLE_EQ(s.lr_at(0), 0.1);  // base / W
  EXPECT_DOUBLE_EQ(s.lr_at(1), 0.2);
  EXPECT_DOUBLE_EQ(s.lr_at(2), 0.3);
  EXPECT_DOUBLE_EQ(s.lr_at(3), 0.4);  // end of warm-up: base
}

TEST(WarmupCosine, CosineDecayToTheFinalRate) {
  const double base = 0.4, final_lr = 0.004;
  WarmupCosineSchedule s(base, 4, 105, final_lr);  // decay over steps 4..104 (span 100)
  auto formula = [&](int64_t step) {
    const double t = (step - 4) / 100.0;
    return final_lr + (base - final_lr) * 0.5 * (1 + std::cos(kPi * t));
  };
  EXPECT_DOUBLE_EQ(s.lr_at(4), base);                      // decay starts at base
  EXPECT_DOUBLE_EQ(s.lr_at(54), 0.5 * (base + final_lr));  // halfway: the midpoint
  EXPECT_NEAR(s.lr_at(29), formula(29), 1e-15);
  EXPECT_NEAR(s.lr_at(79), formula(79), 1e-15);
  EXPECT_DOUBLE_EQ(s.lr_at(104), final_lr);  // the last step
  EXPECT_DOUBLE_EQ(s.lr_at(500), final_lr);  // and after it
  for (int64_t step = 5; step <= 104; ++step) EXPECT_LT(s.lr_at(step), s.lr_at(step - 1)) << step;
}

TEST(WarmupCosine, WithoutWarmUp) {
  WarmupCosineSchedule s(1.0, 0, 11);
  EXPECT_DOUBLE_EQ(s.lr_at(0), 1.0);
  EXPECT_NEAR(s.lr_at(5), 0.5, 1e-15);
  EXPECT_NEAR(s.lr_at(10), 0.0, 1e-15);
}

TEST(WarmupCosine, BadSettingsAreErrors) {
  expect_error([] { WarmupCosineSchedule(0.1, 10, 10); }, {"WarmupCosineSchedule", "10"});
  expect_error([] { WarmupCosineSchedule(-0.1, 1, 10); }, {"WarmupCosineSchedule", "negative"});
  expect_error([] { WarmupCosineSchedule(0.1, 1, 10).lr_at(-1); }, {"WarmupCosineSchedule", "-1"});
}

TEST(MultiStep, DecaysAtEachMilestone) {
  MultiStepSchedule s(0.1, {30, 60, 80}, 0.1);
  EXPECT_DOUBLE_EQ(s.lr_at(0), 0.1);
  EXPECT_DOUBLE_EQ(s.lr_at(29), 0.1);
  EXPECT_DOUBLE_EQ(s.lr_at(30), 0.1 * 0.1);  // a milestone takes effect on its own step
  EXPECT_DOUBLE_EQ(s.lr_at(59), 0.1 * 0.1);
  EXPECT_DOUBLE_EQ(s.lr_at(60), 0.1 * 0.1 * 0.1);
  EXPECT_DOUBLE_EQ(s.lr_at(80), 0.1 * std::pow(0.1, 3));
  EXPECT_DOUBLE_EQ(s.lr_at(1000), 0.1 * std::pow(0.1, 3));
  MultiStepSchedule none(0.5, {}, 0.5);
  EXPECT_DOUBLE_EQ(none.lr_at(1000), 0.5);
  expect_error([] { MultiStepSchedule(0.1, {60, 30}); }, {"MultiStepSchedule", "60", "30"});
}

}  // namespace
}  // namespace kdup
