// The network trained by every contrastive method: a ResNet backbone and SimCLR's projection head.
#pragma once
#include <memory>

#include "nn/resnet.h"

namespace kdup {

struct ContrastiveModelConfig {
  ResNetConfig backbone;
  int64_t projection_hidden = 512;
  int64_t projection_dim = 128;
};

class ContrastiveModel : public Module {
 public:
  explicit ContrastiveModel(const ContrastiveModelConfig& config);
  // Backbone features [N, D] (what the evaluation probes).
  Tensor features(const Tensor& images) const { return backbone_->forward(images); }
  // Projections [N, projection_dim] (what the contrastive losses compare).
  Tensor project(const Tensor& images) const { return head_->forward(backbone_->forward(images)); }
  ResNet& backbone() { return *backbone_; }

 private:
  std::shared_ptr<ResNet> backbone_;
  std::shared_ptr<ProjectionHead> head_;
};

}  // namespace kdup
