#include "nn/lr_schedule.h"

#include <algorithm>
#include <cmath>

#include "tensor/error.h"

namespace kdup {

WarmupCosineSchedule::WarmupCosineSchedule(double base_lr, int64_t warmup_steps,
                                           int64_t total_steps, double final_lr)
    : base_lr_(base_lr),
      warmup_steps_(warmup_steps),
      total_steps_(total_steps),
      final_lr_(final_lr) {
  KDUP_CHECK(base_lr >= 0 && final_lr >= 0, "WarmupCosineSchedule: learning rates "
                                                << base_lr << " and " << final_lr
                                                << " must not be negative");
  KDUP_CHECK(warmup_steps >= 0 && warmup_steps < total_steps,
             "WarmupCosineSchedule: warm-up of " << warmup_steps << " steps does not fit in "
                                                 << total_steps << " steps");
}

double WarmupCosineSchedule::lr_at(int64_t step) const {
  KDUP_CHECK(step >= 0, "WarmupCosineSchedule: negative step " << step);
  if (step < warmup_steps_)  // linear warm-up: base_lr * (step + 1) / W
    return base_lr_ * static_cast<double>(step + 1) / static_cast<double>(warmup_steps_);
  const int64_t decay_span = total_steps_ - 1 - warmup_steps_;  // steps from W to the last one
  if (decay_span <= 0) return final_lr_;  // W = T - 1: the step after warm-up is the last one
  // t in [0, 1] across the decay; lr = final + (base - final) * (1 + cos(pi t)) / 2
  const double t =
      std::min(1.0, static_cast<double>(step - warmup_steps_) / static_cast<double>(decay_span));
  const double pi = std::acos(-1.0);
  return final_lr_ + (base_lr_ - final_lr_) * 0.5 * (1.0 + std::cos(pi * t));
}

MultiStepSchedule::MultiStepSchedule(double base_lr, std::vector<int64_t> milestones, double gamma)
    : base_lr_(base_lr), milestones_(std::move(milestones)), gamma_(gamma) {
  KDUP_CHECK(base_lr >= 0, "MultiStepSchedule: learning rate " << base_lr << " is negative");
  KDUP_CHECK(gamma > 0, "MultiStepSchedule: gamma " << gamma << " must be positive");
  for (size_t i = 1; i < milestones_.size(); ++i)
    KDUP_CHECK(milestones_[i - 1] < milestones_[i],
               "MultiStepSchedule: milestones must increase, got " << milestones_[i - 1] << " then "
                                                                   << milestones_[i]);
}

double MultiStepSchedule::lr_at(int64_t step) const {
  // k = number of milestones m with m <= step; lr = base_lr * gamma^k
  const auto k =
      std::upper_bound(milestones_.begin(), milestones_.end(), step) - milestones_.begin();
  return base_lr_ * std::pow(gamma_, static_cast<double>(k));
}

}  // namespace kdup
