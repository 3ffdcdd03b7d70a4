// The NCCL backend over one process (kdup_nccl_tests; the GPU kit runs it): a clique of one GPU
// bootstrapped over SingleProcess. Every collective on CUDA tensors of each dtype, in order with
// kdup's kernels on its stream, and CPU tensors passed to the bootstrap. Several ranks need several
// GPUs (NCCL refuses two ranks on one); their logic is the MPI backend's, checked by MpiTwoRanks.
#include <gtest/gtest.h>

#include "dist/nccl_communicator.h"
#include "ops/ops.h"

namespace kdup {
namespace {

TEST(NcclOneProcess, CollectivesOfCudaAndCpuTensors) {
  if (!cuda_available()) GTEST_SKIP() << "no CUDA device available: NCCL not exercised";
  NcclCommunicator nccl(single_process());
  ASSERT_EQ(nccl.rank(), 0);
  ASSERT_EQ(nccl.size(), 1);
  for (DType dtype : {DType::f32, DType::f64}) {
    const Tensor values = Tensor::randn({4, 3}, 7, dtype);
    // Computed on the stream just before the collective, read right after it.
    Tensor t = values.to(Device::cuda) * 2.0;
    nccl.all_reduce_sum(t);
    EXPECT_EQ(t.to(Device::cpu).to_vector<double>(), (values * 2.0).to_vector<double>())
        << dtype_name(dtype);
    Tensor b = values.to(Device::cuda);
    nccl.broadcast(b, 0);
    EXPECT_EQ(b.to(Device::cpu).to_vector<double>(), values.to_vector<double>());
    const Tensor gathered = nccl.all_gather_rows(values.to(Device::cuda).slice(0, 1, 3));
    EXPECT_EQ(gathered.device(), Device::cuda);
    EXPECT_EQ(gathered.to(Device::cpu).to_vector<double>(),
              values.slice(0, 1, 3).contiguous().to_vector<double>());
  }
  for (DType dtype : {DType::i64, DType::u8}) {
    Tensor ids = Tensor::from_vector<int64_t>({3, 1, 2}, {3}).to(dtype).to(Device::cuda);
    nccl.broadcast(ids, 0);
    EXPECT_EQ(ids.to(Device::cpu).to(DType::i64).to_vector<int64_t>(),
              (std::vector<int64_t>{3, 1, 2}));
  }
  Tensor on_host = Tensor::full({2}, 5.0, DType::f64);  // through the bootstrap
  nccl.all_reduce_sum(on_host);
  EXPECT_EQ(on_host.to_vector<double>(), (std::vector<double>{5, 5}));
  nccl.barrier();
}

TEST(NcclOneProcess, RejectsStridedCudaTensors) {
  if (!cuda_available()) GTEST_SKIP() << "no CUDA device available: NCCL not exercised";
  NcclCommunicator nccl(single_process());
  Tensor strided = Tensor::zeros({3, 4}, DType::f32, Device::cuda).transpose(0, 1);
  EXPECT_THROW(nccl.all_reduce_sum(strided), Error);
}

}  // namespace
}  // namespace kdup
