// The running totals of an epoch. A checkpoint written at a step boundary within an epoch carries
// them in its metadata, so that the resumed epoch starts at its next step and reports the counts
// and mean losses of an unbroken one.
#pragma once
#include <cstdint>
#include <initializer_list>
#include <map>
#include <string>
#include <vector>

namespace kdup {

struct EpochTotals {
  int64_t steps = 0;              // steps done in the epoch (0: at an epoch boundary)
  int64_t images = 0;             // forward+backward images
  double seconds = 0;             // training time
  std::vector<double> loss_sums;  // one per loss term, summed over the steps

  explicit EpochTotals(size_t loss_terms = 1) : loss_sums(loss_terms, 0.0) {}

  // Counts one step: its loss terms (in loss_sums' order) and the images it trained.
  void add_step(std::initializer_list<double> losses, int64_t step_images);
  // The mean of loss term `term` over the steps done, 0 before any.
  double mean_loss(size_t term) const { return steps ? loss_sums[term] / steps : 0.0; }

  // Writes the totals into checkpoint metadata; nothing at an epoch boundary.
  void write(std::map<std::string, std::string>& metadata) const;
  // The totals that `metadata` carries (those of an epoch boundary when it has none), removing
  // their keys from it so that they are not written again with a later checkpoint.
  static EpochTotals take(std::map<std::string, std::string>& metadata, size_t loss_terms);
};

}  // namespace kdup
