// The layers ResNets and projection heads are built from.
#pragma once
#include <cstdint>

#include "dist/communicator.h"
#include "nn/module.h"

namespace kdup {

// Seeds for parameter initialisation: each layer takes the next one, so a model is a function of
// its seed and its structure.
class InitSeeds {
 public:
  explicit InitSeeds(uint64_t seed) : next_(seed * 1000003) {}
  uint64_t next() { return next_++; }

 private:
  uint64_t next_;
};

// 2-D convolution without bias (ResNet convolutions are followed by BN). Weights are
// Kaiming-normal in fan-out mode, as torchvision's ResNet. An optional mask (SDCLR's pruned
// branch) multiplies the weight when branch 1 runs.
class Conv2d : public Module {
 public:
  Conv2d(int64_t in, int64_t out, int64_t kernel, int64_t stride, int64_t padding, InitSeeds& seeds);
  Tensor forward(const Tensor& x) const;
  Tensor weight() const { return weight_; }
  void set_mask(const Tensor& mask) { mask_ = mask; }
  const Tensor& mask() const { return mask_; }

 private:
  void on_branch(int branch) override { branch_ = branch; }
  Tensor weight_, mask_;
  int64_t stride_, padding_;
  int branch_ = 0;
};

// Batch normalisation over [N, C] or [N, C, H, W], with one set of affine parameters and running
// statistics per branch (SDCLR gives its pruned branch its own BN layers).
class BatchNorm : public Module {
 public:
  explicit BatchNorm(int64_t channels, int branches = 1, double momentum = 0.1, double eps = 1e-5);
  Tensor forward(const Tensor& x) const;
  Tensor forward_relu(const Tensor& x) const;  // relu(forward(x)), fused (ops/nn.h)
  // In training mode, normalise with the statistics of every rank's rows (model.sync_batch_norm,
  // dist/sync_batch_norm.h); null: this process's rows only.
  void synchronise_over(Communicator* communicator) { sync_ = communicator; }

 private:
  Tensor normalise(const Tensor& x, bool relu) const;
  void on_branch(int branch) override { branch_ = branch; }
  struct Branch {
    Tensor gamma, beta, running_mean, running_var;
  };
  const Branch& active() const;
  std::vector<Branch> branches_;
  double momentum_, eps_;
  int branch_ = 0;
  Communicator* sync_ = nullptr;
};

// y = x W^T + b, initialised as torch.nn.Linear: U(-1/sqrt(in), 1/sqrt(in)).
class Linear : public Module {
 public:
  Linear(int64_t in, int64_t out, bool bias, InitSeeds& seeds);
  Tensor forward(const Tensor& x) const;

 private:
  Tensor weight_, bias_;
};

}  // namespace kdup
