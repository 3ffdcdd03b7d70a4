// The totals of an unfinished epoch go through checkpoint metadata exactly, and leave it again.
#include "kdup/epoch_totals.h"

#include <gtest/gtest.h>

#include "tensor/error.h"

namespace kdup {
namespace {

TEST(EpochTotals, RoundTripThroughMetadataIsExact) {
  EpochTotals totals(3);
  totals.steps = 5;
  totals.images = 80;
  totals.seconds = 1.0 / 3.0;
  totals.loss_sums = {0.1 + 0.2, 4.7526516914367676, -1e-300};
  std::map<std::string, std::string> metadata = {{"epoch", "2"}};
  totals.write(metadata);
  const EpochTotals back = EpochTotals::take(metadata, 3);
  EXPECT_EQ(back.steps, 5);
  EXPECT_EQ(back.images, 80);
  EXPECT_EQ(back.seconds, totals.seconds);  // bit-exact, not just close
  EXPECT_EQ(back.loss_sums, totals.loss_sums);
  // Taken out of the metadata: a later checkpoint at an epoch boundary does not carry them.
  EXPECT_EQ(metadata, (std::map<std::string, std::string>{{"epoch", "2"}}));
}

TEST(EpochTotals, EpochBoundaryWritesNothingAndReadsZero) {
  std::map<std::string, std::string> metadata;
  EpochTotals(2).write(metadata);
  EXPECT_TRUE(metadata.empty());
  const EpochTotals none = EpochTotals::take(metadata, 2);
  EXPECT_EQ(none.steps, 0);
  EXPECT_EQ(none.loss_sums, (std::vector<double>{0, 0}));
}

TEST(EpochTotals, WrongNumberOfLossTermsIsAnError) {
  EpochTotals totals(3);
  totals.steps = 1;
  std::map<std::string, std::string> metadata;
  totals.write(metadata);
  EXPECT_THROW(EpochTotals::take(metadata, 1), Error);
}

}  // namespace
}  // namespace kdup
