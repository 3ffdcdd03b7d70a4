#include "kdup/contrastive_model.h"

namespace kdup {

ContrastiveModel::ContrastiveModel(const ContrastiveModelConfig& config) {
  backbone_ = register_module("backbone", std::make_shared<ResNet>(config.backbone));
  InitSeeds seeds(config.backbone.seed + 7919);
  const int64_t hidden = config.projection_hidden > 0 ? config.projection_hidden
                                                      : backbone_->feature_dim();
  head_ = register_module("head", std::make_shared<ProjectionHead>(
                                      backbone_->feature_dim(), hidden, config.projection_dim,
                                      config.backbone.bn_branches, seeds));
}

}  // namespace kdup
