#include "app/progress.h"

#include <gtest/gtest.h>

#include <cmath>
#include <sstream>

namespace kdup {
namespace {

TEST(Progress, FormatsAFullLine) {
  ProgressState s;
  s.stage = "train";
  s.epoch = 3;
  s.epochs = 200;
  s.step = 120;
  s.steps = 390;
  s.loss = 4.12345;
  s.images_per_second = 1234.56;
  s.eta_seconds = 5025;
  EXPECT_EQ(format_progress(s),
            "train  epoch   3/200  step 120/390  loss 4.1235  1234.6 img/s  ETA 1:23:45");
}

TEST(Progress, LeavesOutWhatIsUnknown) {
  ProgressState s;
  s.stage = "knn";
  s.step = 7;
  s.steps = 40;
  EXPECT_EQ(format_progress(s), "knn  step  7/40");
  s.loss = 2.5e-5;
  EXPECT_EQ(format_progress(s), "knn  step  7/40  loss 2.500e-05");
}

TEST(Progress, FormatsDurations) {
  EXPECT_EQ(format_duration(0), "0:00:00");
  EXPECT_EQ(format_duration(59.6), "0:01:00");
  EXPECT_EQ(format_duration(3600 * 101 + 61), "101:01:01");
  EXPECT_EQ(format_duration(-1), "-:--:--");
  EXPECT_EQ(format_duration(std::nan("")), "-:--:--");
}

TEST(Progress, RemainingTimeCoversLaterEpochs) {
  // Epoch 3 of 5, 10 of 100 steps done at 0.5 s a step: 90 + 2 * 100 steps left.
  EXPECT_DOUBLE_EQ(remaining_seconds(3, 5, 10, 100, 0.5), 145.0);
  EXPECT_DOUBLE_EQ(remaining_seconds(0, 0, 10, 100, 0.5), 45.0);  // a stage without epochs
  EXPECT_DOUBLE_EQ(remaining_seconds(5, 5, 100, 100, 0.5), 0.0);
}

// A progress display with a hand-driven clock writing into a string.
struct FakeProgress {
  double time = 0;
  std::ostringstream out;
  Progress progress;
  explicit FakeProgress(bool terminal)
      : progress([&] {
          ProgressOptions o;
          o.out = &out;
          o.terminal = terminal;
          o.clock = [this] { return time; };
          return o;
        }()) {}
};

TEST(Progress, MeasuresImagesPerSecondAndEta) {
  FakeProgress p(false);
  p.progress.begin("train", 1, 2, 10);
  for (int i = 0; i < 4; ++i) {
    p.time += 0.5;  // 128 images in 0.5 s
    p.progress.step(128, 3.0);
  }
  const ProgressState& s = p.progress.state();
  EXPECT_EQ(s.step, 4);
  EXPECT_NEAR(s.images_per_second, 256.0, 1e-9);
  EXPECT_NEAR(s.eta_seconds, (6 + 10) * 0.5, 1e-9);
  EXPECT_DOUBLE_EQ(s.loss, 3.0);
}

TEST(Progress, PlainLinesOnlyEveryIntervalAndAtTheEndOfAnEpoch) {
  FakeProgress p(false);
  p.progress.begin("train", 1, 1, 100);
  for (int i = 0; i < 100; ++i) {
    p.time += 1.0;  // a line after 30 s, 60 s and 90 s, then one at the end
    p.progress.step(10, 1.0);
  }
  p.progress.end();
  p.progress.finish();
  const std::string text = p.out.str();
  EXPECT_EQ(std::count(text.begin(), text.end(), '\n'), 4) << text;
  EXPECT_EQ(text.find('\r'), std::string::npos);
  EXPECT_NE(text.find("step  30/100"), std::string::npos) << text;
  EXPECT_NE(text.find("step 100/100  loss 1.0000  10.0 img/s  ETA 0:00:00\n"), std::string::npos)
      << text;
}

TEST(Progress, TerminalRedrawsInPlaceAndFinishEndsTheLine) {
  FakeProgress p(true);
  p.progress.begin("train", 1, 1, 20);
  for (int i = 0; i < 20; ++i) {
    p.time += 0.125;  // redrawn every other step (0.2 s apart at least), and at the end
    p.progress.step(10);
  }
  p.progress.end();
  EXPECT_EQ(p.out.str().find('\n'), std::string::npos);
  const std::string before_finish = p.out.str();
  EXPECT_EQ(std::count(before_finish.begin(), before_finish.end(), '\r'), 11) << before_finish;
  p.progress.finish();
  p.progress.finish();  // a second finish adds nothing
  const std::string text = p.out.str();
  EXPECT_EQ(text.substr(text.rfind('\r')),
            "\rtrain  epoch 1/1  step 20/20  80.0 img/s  ETA 0:00:00\n");
}

TEST(Progress, ShorterLineWipesTheLongerOne) {
  FakeProgress p(true);
  p.progress.begin("train", 1, 1, 2);
  p.time += 1;
  p.progress.step(10, 123.5);
  p.progress.begin("knn", 0, 0, 1);
  p.progress.end();
  const std::string text = p.out.str();
  const std::string first = text.substr(1, text.find('\r', 1) - 1);
  const std::string second = text.substr(text.rfind('\r') + 1);
  EXPECT_EQ(second.size(), first.size());
  EXPECT_EQ(second.rfind("knn  step 0/1", 0), 0u) << second;
}

}  // namespace
}  // namespace kdup
