// The training loader started within an epoch (a run resumed at a step boundary) yields the batches
// that the whole epoch yields from there on, views included.
#include "data/loader.h"

#include "test_util.h"

namespace kdup {
namespace {

TEST(TwoViewLoader, StartingAtABatchYieldsTheRestOfTheEpoch) {
  const Tensor images = test::random_images(20, 8, 1);
  std::vector<int64_t> ids;
  for (int64_t i = 0; i < 20; ++i) ids.push_back(19 - i);
  AugmentConfig augment;
  augment.output_size = 8;
  std::vector<TwoViewBatch> whole;
  TwoViewLoader all(images, ids, 6, augment, 3, 2, Device::cpu);
  for (TwoViewBatch b; all.next(b);) whole.push_back(b);
  ASSERT_EQ(whole.size(), 3u);  // 20 / 6, the partial batch dropped

  TwoViewLoader rest(images, ids, 6, augment, 3, 2, Device::cpu, /*first_batch=*/1);
  EXPECT_EQ(rest.batches(), 3);
  for (size_t b = 1; b < whole.size(); ++b) {
    TwoViewBatch batch;
    ASSERT_TRUE(rest.next(batch));
    EXPECT_EQ(batch.ids, whole[b].ids);
    EXPECT_EQ(batch.view1.to_vector<float>(), whole[b].view1.to_vector<float>());
    EXPECT_EQ(batch.view2.to_vector<float>(), whole[b].view2.to_vector<float>());
  }
  TwoViewBatch none;
  EXPECT_FALSE(rest.next(none));
  TwoViewLoader past_the_end(images, ids, 6, augment, 3, 2, Device::cpu, 3);
  EXPECT_FALSE(past_the_end.next(none));
  test::expect_error([&] { TwoViewLoader(images, ids, 6, augment, 3, 2, Device::cpu, 4); },
                     {"first batch 4"});
}

}  // namespace
}  // namespace kdup
