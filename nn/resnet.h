// ResNet-18 and ResNet-50 (He et al., 2016) as feature extractors (no classifier), with the CIFAR
// stem of SimCLR/SDCLR on small images (3x3 conv, stride 1, no max-pool) or the ImageNet stem
// (7x7 conv, stride 2, 3x3 max-pool), and a width multiplier for small CPU runs.
#pragma once
#include <memory>
#include <string>
#include <vector>

#include "nn/layers.h"

namespace kdup {

struct ResNetConfig {
  std::string depth = "resnet18";  // resnet18 | resnet50
  bool cifar_stem = true;
  double width = 1.0;  // channels of every stage scaled by this (64 * width in the stem)
  int bn_branches = 1;  // 2 for SDCLR (dense and pruned branches)
  uint64_t seed = 0;
};

class ResidualBlock : public Module {
 public:
  virtual Tensor forward(const Tensor& x) const = 0;
};

// conv3x3-BN-ReLU-conv3x3-BN plus the shortcut (1x1 conv + BN when the shape changes).
class BasicBlock : public ResidualBlock {
 public:
  BasicBlock(int64_t in, int64_t planes, int64_t stride, int branches, InitSeeds& seeds);
  Tensor forward(const Tensor& x) const override;
  static constexpr int64_t expansion = 1;

 private:
  std::shared_ptr<Conv2d> conv1_, conv2_, shortcut_conv_;
  std::shared_ptr<BatchNorm> bn1_, bn2_, shortcut_bn_;
};

// 1x1 reduce, 3x3 (carrying the stride), 1x1 expand by 4, plus the shortcut.
class Bottleneck : public ResidualBlock {
 public:
  Bottleneck(int64_t in, int64_t planes, int64_t stride, int branches, InitSeeds& seeds);
  Tensor forward(const Tensor& x) const override;
  static constexpr int64_t expansion = 4;

 private:
  std::shared_ptr<Conv2d> conv1_, conv2_, conv3_, shortcut_conv_;
  std::shared_ptr<BatchNorm> bn1_, bn2_, bn3_, shortcut_bn_;
};

class ResNet : public Module {
 public:
  explicit ResNet(const ResNetConfig& config);
  // images [N, 3, H, W] -> pooled features [N, feature_dim()]
  Tensor forward(const Tensor& images) const;
  int64_t feature_dim() const { return feature_dim_; }
  // Every convolution, in order (SDCLR prunes their weights).
  std::vector<std::shared_ptr<Conv2d>> convolutions() const {
    return descendants_of_type<Conv2d>();
  }

 private:
  ResNetConfig config_;
  std::shared_ptr<Conv2d> stem_conv_;
  std::shared_ptr<BatchNorm> stem_bn_;
  std::vector<std::shared_ptr<ResidualBlock>> blocks_;
  int64_t feature_dim_ = 0;
};

// SimCLR's projection head for CIFAR (METHOD.md §3): Linear(d, d) + BN + ReLU, Linear(d, out) + BN.
class ProjectionHead : public Module {
 public:
  ProjectionHead(int64_t in, int64_t hidden, int64_t out, int branches, InitSeeds& seeds);
  Tensor forward(const Tensor& features) const;

 private:
  std::shared_ptr<Linear> fc1_, fc2_;
  std::shared_ptr<BatchNorm> bn1_, bn2_;
};

}  // namespace kdup
