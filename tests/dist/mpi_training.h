// Helpers of the two-rank training tests (*_mpi_test.cpp): how far two models' values are apart,
// and a number of steps of a trainer's current epoch.
#pragma once
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>

#include "kdup/tiny_training.h"

namespace kdup::test {

// max |a - b| / max(1e-3, max |b|) over the parameters and buffers of two models.
inline double relative_difference(const Module& a, const Module& b) {
  const std::vector<float> va = all_values(a), vb = all_values(b);
  EXPECT_EQ(va.size(), vb.size());
  double diff = 0, scale = 1e-3;
  for (size_t i = 0; i < std::min(va.size(), vb.size()); ++i) {
    diff = std::max(diff, std::abs(double(va[i]) - double(vb[i])));
    scale = std::max(scale, std::abs(double(vb[i])));
  }
  return diff / scale;
}

// `steps` more steps of the trainer's current epoch (it stops there and resumes on the next call).
template <class Trainer>
auto train_steps(Trainer& trainer, int steps) {
  int done = 0;
  return trainer.train_epoch([&](const StepReport&) { ++done; }, [&] { return done >= steps; });
}

}  // namespace kdup::test
