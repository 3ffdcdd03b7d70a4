#include "nn/resnet.h"

#include <cmath>

#include "ops/ops.h"

namespace kdup {

BasicBlock::BasicBlock(int64_t in, int64_t planes, int64_t stride, int branches, InitSeeds& seeds) {
  conv1_ = register_module("conv1", std::make_shared<Conv2d>(in, planes, 3, stride, 1, seeds));
  bn1_ = register_module("bn1", std::make_shared<BatchNorm>(planes, branches));
  conv2_ = register_module("conv2", std::make_shared<Conv2d>(planes, planes, 3, 1, 1, seeds));
  bn2_ = register_module("bn2", std::make_shared<BatchNorm>(planes, branches));
  if (stride != 1 || in != planes) {
    shortcut_conv_ =
        register_module("shortcut.0", std::make_shared<Conv2d>(in, planes, 1, stride, 0, seeds));
    shortcut_bn_ = register_module("shortcut.1", std::make_shared<BatchNorm>(planes, branches));
  }
}

Tensor BasicBlock::forward(const Tensor& x) const {
  Tensor out = bn1_->forward_relu(conv1_->forward(x));
  out = bn2_->forward(conv2_->forward(out));
  Tensor shortcut = shortcut_conv_ ? shortcut_bn_->forward(shortcut_conv_->forward(x)) : x;
  return add_relu(out, shortcut);
}

Bottleneck::Bottleneck(int64_t in, int64_t planes, int64_t stride, int branches, InitSeeds& seeds) {
  const int64_t out = planes * expansion;
  conv1_ = register_module("conv1", std::make_shared<Conv2d>(in, planes, 1, 1, 0, seeds));
  bn1_ = register_module("bn1", std::make_shared<BatchNorm>(planes, branches));
  conv2_ = register_module("conv2", std::make_shared<Conv2d>(planes, planes, 3, stride, 1, seeds));
  bn2_ = register_module("bn2", std::make_shared<BatchNorm>(planes, branches));
  conv3_ = register_module("conv3", std::make_shared<Conv2d>(planes, out, 1, 1, 0, seeds));
  bn3_ = register_module("bn3", std::make_shared<BatchNorm>(out, branches));
  if (stride != 1 || in != out) {
    shortcut_conv_ =
        register_module("shortcut.0", std::make_shared<Conv2d>(in, out, 1, stride, 0, seeds));
    shortcut_bn_ = register_module("shortcut.1", std::make_shared<BatchNorm>(out, branches));
  }
}

Tensor Bottleneck::forward(const Tensor& x) const {
  Tensor out = bn1_->forward_relu(conv1_->forward(x));
  out = bn2_->forward_relu(conv2_->forward(out));
  out = bn3_->forward(conv3_->forward(out));
  Tensor shortcut = shortcut_conv_ ? shortcut_bn_->forward(shortcut_conv_->forward(x)) : x;
  return add_relu(out, shortcut);
}

ResNet::ResNet(const ResNetConfig& config) : config_(config) {
  KDUP_CHECK(config.depth == "resnet18" || config.depth == "resnet50",
             "ResNet: unknown depth '" << config.depth << "' (resnet18 or resnet50)");
  KDUP_CHECK(config.width > 0, "ResNet: width must be positive, got " << config.width);
  InitSeeds seeds(config.seed);
  auto scaled = [&](int64_t channels) {
    return std::max<int64_t>(1, static_cast<int64_t>(std::lround(channels * config.width)));
  };
  const int64_t stem = scaled(64);
  stem_conv_ = config.cifar_stem
                   ? register_module("conv1", std::make_shared<Conv2d>(3, stem, 3, 1, 1, seeds))
                   : register_module("conv1", std::make_shared<Conv2d>(3, stem, 7, 2, 3, seeds));
  stem_bn_ = register_module("bn1", std::make_shared<BatchNorm>(stem, config.bn_branches));

  const bool bottleneck = config.depth == "resnet50";
  const std::vector<int64_t> blocks_per_stage =
      bottleneck ? std::vector<int64_t>{3, 4, 6, 3} : std::vector<int64_t>{2, 2, 2, 2};
  int64_t in = stem;
  for (int stage = 0; stage < 4; ++stage) {
    const int64_t planes = scaled(64 << stage);
    for (int64_t b = 0; b < blocks_per_stage[stage]; ++b) {
      const int64_t stride = (stage > 0 && b == 0) ? 2 : 1;
      const std::string name = "layer" + std::to_string(stage + 1) + "." + std::to_string(b);
      std::shared_ptr<ResidualBlock> block;
      if (bottleneck) {
        block = std::make_shared<Bottleneck>(in, planes, stride, config.bn_branches, seeds);
        in = planes * Bottleneck::expansion;
      } else {
        block = std::make_shared<BasicBlock>(in, planes, stride, config.bn_branches, seeds);
        in = planes * BasicBlock::expansion;
      }
      blocks_.push_back(register_module(name, block));
    }
  }
  feature_dim_ = in;
}

Tensor ResNet::forward(const Tensor& images) const {
  Tensor x = stem_bn_->forward_relu(stem_conv_->forward(images));
  if (!config_.cifar_stem) x = max_pool2d(x, 3, 2, 1);
  for (const auto& block : blocks_) x = block->forward(x);
  return global_avg_pool2d(x);
}

ProjectionHead::ProjectionHead(int64_t in, int64_t hidden, int64_t out, int branches,
                               InitSeeds& seeds) {
  fc1_ = register_module("0", std::make_shared<Linear>(in, hidden, true, seeds));
  bn1_ = register_module("1", std::make_shared<BatchNorm>(hidden, branches));
  fc2_ = register_module("3", std::make_shared<Linear>(hidden, out, false, seeds));
  bn2_ = register_module("4", std::make_shared<BatchNorm>(out, branches));
}

Tensor ProjectionHead::forward(const Tensor& features) const {
  return bn2_->forward(fc2_->forward(bn1_->forward_relu(fc1_->forward(features))));
}

}  // namespace kdup
