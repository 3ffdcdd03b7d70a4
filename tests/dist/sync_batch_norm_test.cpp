// Synchronised batch normalisation in one process equals the batch-norm op (values, running
// statistics) and passes the gradient check; over two ranks it is checked by MpiPretrain.
#include "autograd/gradcheck.h"
#include "dist/sync_batch_norm.h"
#include "ops/ops.h"
#include "test_util.h"

namespace kdup {
namespace {

TEST(SyncBatchNorm, OneProcessEqualsTheBatchNormOp) {
  SingleProcess one;
  for (const bool relu : {false, true}) {
    const Tensor x = Tensor::randn({4, 3, 5, 5}, 1, DType::f64) * 2.0 + 0.5;
    const Tensor gamma = Tensor::randn({3}, 2, DType::f64), beta = Tensor::randn({3}, 3, DType::f64);
    Tensor mean_a = Tensor::zeros({3}, DType::f64), var_a = Tensor::ones({3}, DType::f64);
    Tensor mean_b = Tensor::zeros({3}, DType::f64), var_b = Tensor::ones({3}, DType::f64);
    const Tensor a = sync_batch_norm(one, x, gamma, beta, mean_a, var_a, 0.1, 1e-5, relu);
    const Tensor b = relu ? batch_norm_relu(x, gamma, beta, mean_b, var_b, true, 0.1, 1e-5)
                          : batch_norm(x, gamma, beta, mean_b, var_b, true, 0.1, 1e-5);
    test::expect_close(a.to_vector<double>(), b.to_vector<double>(), 1e-12);
    test::expect_close(mean_a.to_vector<double>(), mean_b.to_vector<double>(), 1e-12);
    test::expect_close(var_a.to_vector<double>(), var_b.to_vector<double>(), 1e-12);
  }
}

TEST(SyncBatchNorm, GradientCheck) {
  SingleProcess one;
  Tensor x = Tensor::randn({3, 2, 2, 2}, 4, DType::f64);
  Tensor gamma = Tensor::randn({2}, 5, DType::f64), beta = Tensor::randn({2}, 6, DType::f64);
  for (Tensor* t : {&x, &gamma, &beta}) t->set_requires_grad(true);
  const GradcheckResult r = gradcheck(
      [&](const std::vector<Tensor>& in) {
        return sync_batch_norm(one, in[0], in[1], in[2], Tensor(), Tensor(), 0.1, 1e-5, false);
      },
      {x, gamma, beta});
  EXPECT_TRUE(r.ok) << r.report;
}

}  // namespace
}  // namespace kdup
