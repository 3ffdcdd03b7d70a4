// Learning-rate schedules, evaluated per iteration: lr_at(step) for step = 0, 1, 2, ...
#pragma once
#include <cstdint>
#include <vector>

namespace kdup {

// Linear warm-up, then a cosine decay (Goyal et al. 2017 warm-up; Loshchilov & Hutter 2017 cosine).
//   step <  W:  lr = base_lr * (step + 1) / W          (base_lr / W at step 0, base_lr at W - 1)
//   step >= W:  t  = (step - W) / (T - 1 - W), clamped to [0, 1]
//               lr = final_lr + (base_lr - final_lr) * (1 + cos(pi * t)) / 2
// with W = warmup_steps and T = total_steps: the decay starts at base_lr on step W and reaches
// final_lr on the last step, T - 1 (and stays there after it). W = 0 means no warm-up.
class WarmupCosineSchedule {
 public:
  WarmupCosineSchedule(double base_lr, int64_t warmup_steps, int64_t total_steps,
                       double final_lr = 0.0);
  double lr_at(int64_t step) const;

 private:
  double base_lr_;
  int64_t warmup_steps_;
  int64_t total_steps_;
  double final_lr_;
};

// Step decay: lr = base_lr * gamma^k, k = the number of milestones <= step (torch's MultiStepLR).
class MultiStepSchedule {
 public:
  MultiStepSchedule(double base_lr, std::vector<int64_t> milestones, double gamma = 0.1);
  double lr_at(int64_t step) const;

 private:
  double base_lr_;
  std::vector<int64_t> milestones_;  // strictly increasing
  double gamma_;
};

}  // namespace kdup
