// The differentiable all-gather in one process (a SingleProcess communicator): the identity, with
// its gradient checked; and a plain run is not taken for an MPI launch. The two-rank behaviour is
// in communicator_mpi_test.cpp (run under mpirun).
#include <cstdlib>

#include "autograd/gradcheck.h"
#include "dist/all_gather.h"
#include "ops/ops.h"
#include "test_util.h"

namespace kdup {
namespace {

TEST(AllGather, OneProcessGathersItsOwnRowsWithTheirGradient) {
  SingleProcess one;
  Tensor x = Tensor::randn({3, 2}, 1, DType::f64);
  x.set_requires_grad(true);
  EXPECT_EQ(all_gather_rows(one, x).to_vector<double>(), x.to_vector<double>());
  const GradcheckResult r = gradcheck(
      [&](const std::vector<Tensor>& in) { return exp(all_gather_rows(one, in[0])); }, {x});
  EXPECT_TRUE(r.ok) << r.report;
  EXPECT_EQ(r.checked, 6);
}

TEST(AllGather, ScalarsAreRefused) {
  SingleProcess one;
  test::expect_error([&] { all_gather_rows(one, Tensor::zeros({})); }, {"all_gather_rows", "rank 1"});
}

TEST(AllGather, APlainRunIsNotAnMpiLaunch) {
  if (std::getenv("OMPI_COMM_WORLD_SIZE") || std::getenv("PMI_SIZE"))
    GTEST_SKIP() << "this test process was itself started by an MPI launcher";
  EXPECT_FALSE(launched_by_mpi());
  EXPECT_EQ(process_communicator().size(), 1);
}

}  // namespace
}  // namespace kdup
