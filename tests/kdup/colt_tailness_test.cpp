// COLT's NT-Xent tailness score (METHOD.md §4 item 3) on a hand-made logits matrix, and its EMA.
#include <limits>

#include "kdup/colt_tailness.h"
#include "kdup/nt_xent.h"
#include "test_util.h"

namespace kdup {
namespace {

// B = 3, rows [view 1 of images 0..2; view 2 of images 0..2]. Row i's positive is (i + 3) mod 6
// (value 9, which must be ignored); its four negatives hold the logs of chosen weights.
Tensor hand_made_logits() {
  const double inf = std::numeric_limits<double>::infinity();
  const double l1 = std::log(1.0), l2 = std::log(2.0), l3 = std::log(3.0), l4 = std::log(4.0),
               l7 = std::log(7.0);
  std::vector<double> v = {
      -inf, l1,   l2,   9.0,  l3,   l4,    // negatives 1,2,3,4 -> top-2 mass (4+3)/10 = 0.7
      l1,   -inf, l1,   l1,   9.0,  l7,    // 1,1,1,7 -> (7+1)/10 = 0.8
      l2,   l2,   -inf, l2,   l2,   9.0,   // 2,2,2,2 -> 0.5
      9.0,  l4,   l4,   -inf, l1,   l1,    // 4,4,1,1 -> 0.8
      l1,   9.0,  l2,   l2,   -inf, l1,    // 1,2,2,1 -> 4/6
      l3,   l1,   9.0,  l3,   l3,   -inf,  // 3,1,3,3 -> 0.6
  };
  return Tensor::from_vector(v, {6, 6});
}

TEST(Tailness, ColtScoreSumsTheTopNegativeProbabilitiesAveragedOverViews) {
  Tensor scores = colt_batch_scores(hand_made_logits(), 2);
  ASSERT_EQ(scores.shape(), (Shape{3}));
  test::expect_close(scores.to_vector<double>(), {(0.7 + 0.8) / 2, (0.8 + 4.0 / 6) / 2, (0.5 + 0.6) / 2}, 1e-6);
}

TEST(Tailness, ColtScoreClipsTopKToTheNegatives) {
  // top-10 of four negatives is all of their mass.
  test::expect_close(colt_batch_scores(hand_made_logits(), 10).to_vector<double>(), {1.0, 1.0, 1.0}, 1e-6);
}

TEST(Tailness, ColtScoreFromRealLogitsIsAProbabilityMass) {
  Tensor z1 = Tensor::randn({8, 5}, 1, DType::f64), z2 = Tensor::randn({8, 5}, 2, DType::f64);
  for (double s : colt_batch_scores(contrastive_logits(z1, z2, 0.2), 3).to_vector<double>()) {
    EXPECT_GT(s, 3.0 / 14.0 - 1e-6);  // at least the mass of 3 of 14 negatives on average
    EXPECT_LE(s, 1.0 + 1e-6);
  }
  test::expect_error([] { colt_batch_scores(Tensor::zeros({3, 3}), 10); }, {"colt_batch_scores", "2B x 2B"});
}

TEST(Tailness, ColtEmaUpdatesOnlyTheBatchImages) {
  Tensor scores = Tensor::full({4}, 0.5);
  colt_ema_update(scores, {2, 0}, {1.0, 0.0}, 0.97);
  test::expect_close(scores.to_vector<double>(), {0.97 * 0.5, 0.5, 0.97 * 0.5 + 0.03, 0.5}, 1e-6);
  test::expect_error([&] { colt_ema_update(scores, {4}, {0.0}); },
                     {"colt_ema_update", "image index 4", "[0, 4)"});
  test::expect_error([&] { colt_ema_update(scores, {0, 1}, {0.0}); },
                     {"colt_ema_update", "2 image indices", "1 batch scores"});
}

}  // namespace
}  // namespace kdup
