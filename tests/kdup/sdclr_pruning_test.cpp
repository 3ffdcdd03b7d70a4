// SDCLR's global magnitude pruning.
#include "kdup/sdclr_pruning.h"
#include "nn/resnet.h"
#include "test_util.h"

namespace kdup {
namespace {

TEST(SdclrPruning, MasksTheRatioOfSmallestWeightsGlobally) {
  ResNetConfig config;
  config.width = 0.125;
  config.bn_branches = 2;
  ResNet model(config);
  const double threshold = prune_by_global_magnitude(model.convolutions(), 0.9);
  int64_t kept = 0, total = 0;
  for (const auto& conv : model.convolutions()) {
    std::vector<float> mask = conv->mask().to_vector<float>();
    std::vector<float> w = conv->weight().to_vector<float>();
    for (size_t i = 0; i < w.size(); ++i) {
      EXPECT_EQ(mask[i], std::abs(w[i]) > threshold ? 1.f : 0.f);
      kept += mask[i] == 1.f;
    }
    total += static_cast<int64_t>(w.size());
  }
  EXPECT_NEAR(static_cast<double>(kept) / total, 0.1, 1e-3);
}

TEST(SdclrPruning, PrunedBranchUsesMaskAndItsOwnBatchNorm) {
  ResNetConfig config;
  config.width = 0.125;
  config.bn_branches = 2;
  ResNet model(config);
  prune_by_global_magnitude(model.convolutions(), 0.5);
  Tensor x = Tensor::randn({2, 3, 32, 32}, 3);
  model.eval();
  std::vector<float> dense = model.forward(x).to_vector<float>();
  model.set_branch(1);
  std::vector<float> pruned = model.forward(x).to_vector<float>();
  model.set_branch(0);
  EXPECT_NE(dense, pruned);
  EXPECT_EQ(dense, model.forward(x).to_vector<float>());
  // Gradients of the pruned branch reach only the kept weights.
  model.train();
  model.set_branch(1);
  sum(model.forward(x)).backward();
  auto conv = model.convolutions()[3];
  std::vector<float> grad = conv->weight().grad().to_vector<float>();
  std::vector<float> mask = conv->mask().to_vector<float>();
  for (size_t i = 0; i < grad.size(); ++i)
    if (mask[i] == 0.f) {
      EXPECT_EQ(grad[i], 0.f);
    }
  // The dense branch's BN parameters got no gradient from the pruned branch.
  NamedTensors params = model.named_parameters();
  for (const auto& [name, p] : params) {
    if (name == "bn1.weight") {
      EXPECT_FALSE(p.grad().defined());
    }
    if (name == "bn1.branch1.weight") {
      EXPECT_TRUE(p.grad().defined());
    }
  }
}

}  // namespace
}  // namespace kdup
