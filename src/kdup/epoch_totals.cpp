#include "kdup/epoch_totals.h"

#include <algorithm>
#include <cstdio>

#include "tensor/error.h"

namespace kdup {

namespace {

const char* const kSteps = "epoch_steps";
const char* const kImages = "epoch_images";
const char* const kSeconds = "epoch_seconds";
const char* const kLossSums = "epoch_loss_sums";  // comma-separated

// 17 significant digits read back to the same double.
std::string exact(double value) {
  char text[32];
  std::snprintf(text, sizeof text, "%.17g", value);
  return text;
}

}  // namespace

void EpochTotals::add_step(std::initializer_list<double> losses, int64_t step_images) {
  size_t term = 0;
  for (double loss : losses) loss_sums[term++] += loss;
  ++steps;
  images += step_images;
}

void EpochTotals::write(std::map<std::string, std::string>& metadata) const {
  if (steps == 0) return;
  metadata[kSteps] = std::to_string(steps);
  metadata[kImages] = std::to_string(images);
  metadata[kSeconds] = exact(seconds);
  std::string sums;
  for (size_t i = 0; i < loss_sums.size(); ++i) sums += (i ? "," : "") + exact(loss_sums[i]);
  metadata[kLossSums] = sums;
}

EpochTotals EpochTotals::take(std::map<std::string, std::string>& metadata, size_t loss_terms) {
  EpochTotals totals(loss_terms);
  if (!metadata.count(kSteps)) return totals;
  totals.steps = std::stoll(metadata.at(kSteps));
  totals.images = std::stoll(metadata.at(kImages));
  totals.seconds = std::stod(metadata.at(kSeconds));
  std::vector<double> sums;
  const std::string& text = metadata.at(kLossSums);
  for (size_t start = 0; start <= text.size();) {
    const size_t end = std::min(text.find(',', start), text.size());
    sums.push_back(std::stod(text.substr(start, end - start)));
    start = end + 1;
  }
  KDUP_CHECK(sums.size() == loss_terms, "checkpoint: " << sums.size()
                                                       << " loss sums of the unfinished epoch, "
                                                       << loss_terms << " expected");
  totals.loss_sums = sums;
  for (const char* key : {kSteps, kImages, kSeconds, kLossSums}) metadata.erase(key);
  return totals;
}

}  // namespace kdup
