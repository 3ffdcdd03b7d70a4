// Synchronised batch normalisation over two ranks (ctest's MpiTwoRanks), each holding half of the
// rows, gives each rank the rows, the input gradient and the running statistics that one process
// computes on the whole batch, and the gamma and beta gradients summed over the ranks (float64).
#include <gtest/gtest.h>

#include "dist/sync_batch_norm.h"
#include "ops/ops.h"
#include "test_util.h"

namespace kdup {
namespace {

TEST(MpiSyncBatchNorm, TwoRanksNormaliseAndDifferentiateAsOneProcess) {
  Communicator& world = process_communicator();
  const int64_t rows = 3, first = world.rank() * rows;
  for (const bool relu : {false, true})
    for (const Shape& shape : {Shape{2 * rows, 4, 3, 3}, Shape{2 * rows, 5}}) {
      SCOPED_TRACE(std::string(relu ? "relu, " : "") + shape_str(shape));
      const Tensor x_all = Tensor::randn(shape, 1, DType::f64) * 1.5 + 0.3;
      const Tensor weights_all = Tensor::randn(shape, 2, DType::f64);
      const int64_t channels = shape[1];
      Tensor gamma = Tensor::randn({channels}, 3, DType::f64);
      Tensor beta = Tensor::randn({channels}, 4, DType::f64);

      // One process, the whole batch.
      Tensor x1 = x_all.clone(), g1 = gamma.clone(), b1 = beta.clone();
      for (Tensor* t : {&x1, &g1, &b1}) t->set_requires_grad(true);
      Tensor mean1 = Tensor::zeros({channels}, DType::f64);
      Tensor var1 = Tensor::ones({channels}, DType::f64);
      const Tensor y1 = relu ? batch_norm_relu(x1, g1, b1, mean1, var1, true, 0.1, 1e-5)
                             : batch_norm(x1, g1, b1, mean1, var1, true, 0.1, 1e-5);
      sum(y1 * weights_all).backward();

      // This rank's rows.
      Tensor x2 = x_all.slice(0, first, first + rows).contiguous(), g2 = gamma.clone(),
             b2 = beta.clone();
      for (Tensor* t : {&x2, &g2, &b2}) t->set_requires_grad(true);
      Tensor mean2 = Tensor::zeros({channels}, DType::f64);
      Tensor var2 = Tensor::ones({channels}, DType::f64);
      const Tensor y2 = sync_batch_norm(world, x2, g2, b2, mean2, var2, 0.1, 1e-5, relu);
      sum(y2 * weights_all.slice(0, first, first + rows)).backward();
      Tensor grad_gamma = g2.grad().contiguous().clone();
      Tensor grad_beta = b2.grad().contiguous().clone();
      world.all_reduce_sum(grad_gamma);
      world.all_reduce_sum(grad_beta);

      const auto mine = [&](const Tensor& t) {
        return t.slice(0, first, first + rows).contiguous().to_vector<double>();
      };
      test::expect_close(y2.contiguous().to_vector<double>(), mine(y1), 1e-12);
      test::expect_close(x2.grad().contiguous().to_vector<double>(), mine(x1.grad()), 1e-12);
      test::expect_close(grad_gamma.to_vector<double>(), g1.grad().to_vector<double>(), 1e-12);
      test::expect_close(grad_beta.to_vector<double>(), b1.grad().to_vector<double>(), 1e-12);
      test::expect_close(mean2.to_vector<double>(), mean1.to_vector<double>(), 1e-12);
      test::expect_close(var2.to_vector<double>(), var1.to_vector<double>(), 1e-12);
    }
}

}  // namespace
}  // namespace kdup
