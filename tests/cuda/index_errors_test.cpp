// An out-of-range index on CUDA: the kernel that reads it records it and reads nothing outside the
// tensor, and the next read of a value throws the error naming the op, the index and the range;
// the error is then cleared. On the CPU the op itself throws (indexing_test).
#include <gtest/gtest.h>

#include "ops/ops.h"
#include "test_util.h"

namespace kdup {
namespace {

TEST(CudaIndexErrors, ReportedAtTheNextReadAndThenCleared) {
  if (!cuda_available()) GTEST_SKIP() << "no CUDA device available: index errors not exercised";
  const Tensor x = Tensor::randn({4, 3}, 1).to(Device::cuda);
  const Tensor good = Tensor::from_vector<int64_t>({3, 0}, {2}, Device::cuda);
  const Tensor bad = Tensor::from_vector<int64_t>({1, 7}, {2}, Device::cuda);
  Tensor selected = index_select(x, bad);  // no host read here: the kernel checks
  test::expect_error([&] { selected.to_vector<float>(); },
                     {"index_select", "holds 7", "position 1", "below 4"});
  EXPECT_EQ(index_select(x, good).to_vector<float>().size(), 6u);  // cleared

  Tensor gathered = gather(x, 1, Tensor::from_vector<int64_t>({0, 1, 2, 2, 0, 1, 2, 0, 1, -1, 0, 0},
                                                             {4, 3}, Device::cuda));
  test::expect_error([&] { gathered.to_vector<float>(); }, {"gather", "holds -1", "below 3"});
  EXPECT_EQ(gather(x, 1, Tensor::zeros({4, 3}, DType::i64, Device::cuda)).to_vector<float>().size(),
            12u);
}

}  // namespace
}  // namespace kdup
