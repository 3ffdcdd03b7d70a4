// Two ranks under mpirun (ctest's MpiTwoRanks): the MPI collectives, and the all-gather of a
// contrastive loss over the global batch, whose gradient on each rank's rows is the single-process
// gradient of those rows (checked against the single-process loss and by central differences, one
// rank perturbing at a time).
#include <gtest/gtest.h>

#include <cmath>

#include "dist/all_gather.h"
#include "kdup/nt_xent.h"
#include "ops/cpu/conv2d_paths.h"
#include "ops/ops.h"

namespace kdup {
namespace {

constexpr int64_t kRows = 3, kDim = 4;

// Rank r's two views, the same on every rank that asks (seeded by r).
Tensor view_of(int rank, int view) {
  return Tensor::randn({kRows, kDim}, 100 + 10 * rank + view, DType::f64);
}

TEST(Mpi, TwoRanks) {
  Communicator& world = process_communicator();
  ASSERT_EQ(world.size(), 2) << "run under mpirun -np 2";
}

TEST(Mpi, AllReduceBroadcastAndGather) {
  Communicator& world = process_communicator();
  const int r = world.rank();
  Tensor t = Tensor::full({3}, r + 1.0, DType::f64);
  world.all_reduce_sum(t);
  EXPECT_EQ(t.to_vector<double>(), (std::vector<double>{3, 3, 3}));
  Tensor b = Tensor::from_vector<int64_t>({r * 10, r * 10 + 1}, {2});
  world.broadcast(b, 1);
  EXPECT_EQ(b.to_vector<int64_t>(), (std::vector<int64_t>{10, 11}));
  const Tensor gathered = world.all_gather_rows(Tensor::full({2, 2}, r, DType::f32));
  EXPECT_EQ(gathered.shape(), (Shape{4, 2}));
  EXPECT_EQ(gathered.to_vector<float>(), (std::vector<float>{0, 0, 0, 0, 1, 1, 1, 1}));
}

// NT-Xent over the global batch: every rank gathers both views of every rank.
Tensor global_loss(Communicator& world, const Tensor& z1, const Tensor& z2) {
  return nt_xent_loss(all_gather_rows(world, z1), all_gather_rows(world, z2), 0.5);
}

TEST(Mpi, AllGatherGradientIsTheSingleProcessGradientOfTheRanksRows) {
  Communicator& world = process_communicator();
  const int r = world.rank();
  Tensor z1 = view_of(r, 1), z2 = view_of(r, 2);
  z1.set_requires_grad(true);
  z2.set_requires_grad(true);
  const Tensor loss = global_loss(world, z1, z2);
  loss.backward();

  // One process holding the global batch: rows [rank 0; rank 1] of each view.
  Tensor all1 = concat({view_of(0, 1), view_of(1, 1)}, 0);
  Tensor all2 = concat({view_of(0, 2), view_of(1, 2)}, 0);
  all1.set_requires_grad(true);
  all2.set_requires_grad(true);
  const Tensor single = nt_xent_loss(all1, all2, 0.5);
  single.backward();
  EXPECT_EQ(loss.item(), single.item());
  const std::vector<double> g1 = z1.grad().to_vector<double>(), g2 = z2.grad().to_vector<double>();
  const std::vector<double> s1 = all1.grad().slice(0, r * kRows, (r + 1) * kRows).to_vector<double>();
  const std::vector<double> s2 = all2.grad().slice(0, r * kRows, (r + 1) * kRows).to_vector<double>();
  for (size_t i = 0; i < g1.size(); ++i) {
    EXPECT_NEAR(g1[i], s1[i], 1e-14);
    EXPECT_NEAR(g2[i], s2[i], 1e-14);
  }
}

TEST(Mpi, AllGatherGradientMatchesCentralDifferences) {
  Communicator& world = process_communicator();
  const int r = world.rank();
  const double eps = 1e-6;
  Tensor z1 = view_of(r, 1), z2 = view_of(r, 2);
  z1.set_requires_grad(true);
  global_loss(world, z1, z2).backward();
  const std::vector<double> analytic = z1.grad().to_vector<double>();
  // Every rank evaluates every perturbation (the gather is collective); only the owner perturbs.
  for (int owner = 0; owner < world.size(); ++owner)
    for (int64_t i = 0; i < kRows * kDim; ++i) {
      double value[2];
      for (int side = 0; side < 2; ++side) {
        std::vector<double> x = view_of(r, 1).to_vector<double>();
        if (r == owner) x[i] += side == 0 ? eps : -eps;
        NoGradGuard no_grad;
        value[side] = global_loss(world, Tensor::from_vector(x, {kRows, kDim}), z2.detach()).item();
      }
      if (r != owner) continue;
      const double numeric = (value[0] - value[1]) / (2 * eps);
      EXPECT_NEAR(analytic[i], numeric, 1e-6 * std::max(1.0, std::abs(numeric)))
          << "rank " << r << " element " << i;
    }
}

}  // namespace
}  // namespace kdup

// MPI is finalised when the process communicator is destroyed at exit. The comparisons of training
// runs use the reference convolutions: on the fast path (oneDNN, Winograd) a convolution at batch 4
// and at batch 8 differs by about 3e-6 of its output, which a small batch-normalised network
// amplifies to 1e-2 of a weight gradient (docs/data_parallel.md).
int main(int argc, char** argv) {
  ::testing::InitGoogleTest(&argc, argv);
  kdup::cpu::set_onednn_conv_enabled(false);
  kdup::process_communicator();
  return RUN_ALL_TESTS();
}
