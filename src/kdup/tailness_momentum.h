// Momentum of the per-sample tailness across refreshes (METHOD.md §1 step 3):
//   s_i ← ρ·s_i(previous refresh) + (1 − ρ)·ŝ_i,  ρ = 0.9;  the first refresh sets s_i = ŝ_i.
// With the momentum switched off (paper Table 11 ablation) every refresh sets s = ŝ.
#pragma once
#include "tensor/tensor.h"

namespace kdup {

class TailnessMomentum {
 public:
  explicit TailnessMomentum(double rho = 0.9, bool use_momentum = true);

  // Folds a fresh float [N] tailness into the running one and returns it (float32 [N], CPU).
  const Tensor& update(const Tensor& fresh);

  // The running tailness; undefined before the first update.
  const Tensor& scores() const { return scores_; }
  bool has_scores() const { return scores_.defined(); }

  // Checkpoint support: restores a running tailness saved from scores().
  void load(const Tensor& scores);
  void reset() { scores_ = Tensor(); }

  double rho() const { return rho_; }
  bool uses_momentum() const { return use_momentum_; }

 private:
  double rho_;
  bool use_momentum_;
  Tensor scores_;
};

}  // namespace kdup
