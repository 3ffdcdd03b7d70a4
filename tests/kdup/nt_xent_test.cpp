// NT-Xent against PyTorch (tools/reference/losses_golden.py) and the gradient checker.
#include "io/safetensors.h"
#include "kdup/nt_xent.h"
#include "test_util.h"

namespace kdup {
namespace {

SafetensorsFile losses_golden() {
  return read_safetensors(std::string(KDUP_SOURCE_DIR) + "/tests/golden/losses.safetensors");
}

TEST(NtXent, MatchesPyTorchValueAndGradients) {
  SafetensorsFile g = losses_golden();
  Tensor z1 = g.at("nt_xent.z1"), z2 = g.at("nt_xent.z2");
  z1.set_requires_grad(true);
  z2.set_requires_grad(true);
  Tensor loss = nt_xent_loss(z1, z2, 0.2);
  EXPECT_NEAR(loss.item(), g.at("nt_xent.loss").item(), 1e-12);
  loss.backward();
  test::expect_close(z1.grad().to_vector<double>(), g.at("nt_xent.grad.z1").to_vector<double>(), 1e-10);
  test::expect_close(z2.grad().to_vector<double>(), g.at("nt_xent.grad.z2").to_vector<double>(), 1e-10);
}

TEST(NtXent, PassesTheGradientChecker) {
  Tensor z1 = test::leaf({4, 3}, 1), z2 = test::leaf({4, 3}, 2);
  test::expect_gradients_match(
      [](const std::vector<Tensor>& in) { return nt_xent_loss(in[0], in[1], 0.5); }, {z1, z2});
}

TEST(NtXent, IdenticalViewsOfDistinctImagesGiveALowLoss) {
  // Orthogonal images, identical views: each positive has cosine 1, negatives 0.
  Tensor z = Tensor::from_vector<double>({1, 0, 0, 0, 1, 0, 0, 0, 1}, {3, 3});
  const double tau = 0.1;
  // Row loss = -log(e^{10} / (e^{10} + 4 e^0)).
  const double expected = -std::log(std::exp(10.0) / (std::exp(10.0) + 4.0));
  EXPECT_NEAR(nt_xent_loss(z, z, tau).item(), expected, 1e-12);
  test::expect_error([&] { nt_xent_loss(z, z.slice(0, 0, 2), tau); }, {"nt_xent", "[2, 3]"});
}

}  // namespace
}  // namespace kdup
