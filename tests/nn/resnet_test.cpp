// ResNet-18 forward and backward against PyTorch (golden values from
// tools/reference/resnet18_golden.py), and the structure of the models.
#include "io/safetensors.h"
#include "ops/kernels.h"
#include "nn/resnet.h"
#include "test_util.h"

namespace kdup {
namespace {

// max |a - b| / max |b|: the error relative to the tensor's scale.
double normalised_error(const Tensor& actual, const Tensor& expected) {
  std::vector<double> a = actual.to_vector<double>(), b = expected.to_vector<double>();
  double diff = 0, scale = 0;
  for (size_t i = 0; i < a.size(); ++i) {
    diff = std::max(diff, std::abs(a[i] - b[i]));
    scale = std::max(scale, std::abs(b[i]));
  }
  return diff / std::max(scale, 1e-30);
}

TEST(ResNet, Resnet18MatchesPyTorchForwardAndBackward) {
  SafetensorsFile golden =
      read_safetensors(std::string(KDUP_SOURCE_DIR) + "/tests/golden/resnet18_w8.safetensors");
  ResNetConfig config;
  config.width = 0.125;
  ResNet model(config);
  model.train();
  // Same names as PyTorch: copy every parameter from the golden file.
  NamedTensors params = model.named_parameters();
  for (auto& [name, p] : params) {
    const Tensor& value = golden.at(name);
    ASSERT_EQ(p.shape(), value.shape()) << name;
    Tensor target = p;
    NoGradGuard no_grad;
    cpu::copy(value, target);
  }
  Tensor x = golden.at("input");
  x.set_requires_grad(true);
  Tensor features = model.forward(x);
  EXPECT_LT(normalised_error(features, golden.at("features")), 1e-4);
  Tensor loss = sum(features * golden.at("projection"));
  EXPECT_NEAR(loss.item(), golden.at("loss").item(), 1e-4 * std::abs(golden.at("loss").item()));
  loss.backward();
  EXPECT_LT(normalised_error(x.grad(), golden.at("grad.input")), 1e-4);
  for (auto& [name, p] : params)
    EXPECT_LT(normalised_error(p.grad(), golden.at("grad." + name)), 1e-4) << name;
  for (auto& [name, b] : model.named_buffers())
    EXPECT_LT(normalised_error(b, golden.at("after." + name)), 1e-4) << name;
}

TEST(ResNet, FeatureSizesAndParameterCounts) {
  ResNet r18(ResNetConfig{});
  EXPECT_EQ(r18.feature_dim(), 512);
  int64_t count = 0;
  for (const Tensor& p : r18.parameters()) count += p.numel();
  EXPECT_EQ(count, 11168832);  // torchvision resnet18 without fc, CIFAR stem (3x3 conv1)
  EXPECT_EQ(r18.convolutions().size(), 20u);  // stem + 16 block convs + 3 shortcuts

  ResNetConfig c50;
  c50.depth = "resnet50";
  c50.cifar_stem = false;
  c50.width = 0.25;
  ResNet r50(c50);
  EXPECT_EQ(r50.feature_dim(), 512);  // 2048 * 0.25
  Tensor out = r50.forward(Tensor::randn({2, 3, 64, 64}, 1));
  EXPECT_EQ(out.shape(), (Shape{2, 512}));
}

TEST(ResNet, DecayGroupsSplitWeightsFromBnAndBias) {
  ResNetConfig config;
  config.width = 0.125;
  ResNet model(config);
  InitSeeds seeds(1);
  ProjectionHead head(model.feature_dim(), 64, 16, 1, seeds);
  // conv weights decay; BN weight/bias do not. The head: two linear weights decay, its bias and BNs not.
  EXPECT_EQ(model.decayed_parameters().size(), 20u);
  EXPECT_EQ(model.undecayed_parameters().size(), 2 * 20u);
  EXPECT_EQ(head.decayed_parameters().size(), 2u);
  EXPECT_EQ(head.undecayed_parameters().size(), 5u);
  EXPECT_EQ(head.forward(model.forward(Tensor::randn({3, 3, 32, 32}, 2))).shape(), (Shape{3, 16}));
}

TEST(ResNet, SeedDecidesTheInitialisation) {
  ResNetConfig a;
  a.width = 0.125;
  a.seed = 1;
  ResNetConfig b = a;
  EXPECT_EQ(ResNet(a).parameters()[0].to_vector<float>(), ResNet(a).parameters()[0].to_vector<float>());
  b.seed = 2;
  EXPECT_NE(ResNet(a).parameters()[0].to_vector<float>(), ResNet(b).parameters()[0].to_vector<float>());
}

}  // namespace
}  // namespace kdup
