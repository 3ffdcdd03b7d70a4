#include "kdup/sdclr_pruning.h"

#include <algorithm>
#include <cmath>

#include "autograd/grad_mode.h"
#include "ops/ops.h"

namespace kdup {

namespace {
const char* const kMaskPrefix = "sdclr.mask.";
}  // namespace

double prune_by_global_magnitude(const std::vector<std::shared_ptr<Conv2d>>& convolutions,
                                 double ratio) {
  KDUP_CHECK(ratio >= 0 && ratio < 1, "sdclr pruning: ratio must be in [0, 1), got " << ratio);
  KDUP_CHECK(!convolutions.empty(), "sdclr pruning: the model has no convolution");
  NoGradGuard no_grad;
  // The threshold is the ratio-quantile of |w| over all convolution weights together.
  std::vector<float> magnitudes;
  for (const auto& conv : convolutions) {
    std::vector<float> w = conv->weight().to_vector<float>();
    for (float v : w) magnitudes.push_back(std::abs(v));
  }
  const auto cut = static_cast<size_t>(ratio * static_cast<double>(magnitudes.size()));
  double threshold = -1;  // ratio 0 keeps everything
  if (cut > 0) {
    std::nth_element(magnitudes.begin(), magnitudes.begin() + (cut - 1), magnitudes.end());
    threshold = magnitudes[cut - 1];
  }
  for (const auto& conv : convolutions) {
    Tensor w = conv->weight().detach();
    Tensor keep = gt(abs(w), scalar_like(w, threshold));  // uint8
    conv->set_mask(keep.to(w.dtype()));
  }
  return threshold;
}

NamedTensors pruning_masks(const std::vector<std::shared_ptr<Conv2d>>& convolutions) {
  NamedTensors masks;
  for (size_t i = 0; i < convolutions.size(); ++i)
    if (convolutions[i]->mask().defined())
      masks.emplace_back(kMaskPrefix + std::to_string(i), convolutions[i]->mask().to(DType::u8));
  return masks;
}

bool restore_pruning_masks(const std::vector<std::shared_ptr<Conv2d>>& convolutions,
                           const NamedTensors& tensors) {
  std::vector<Tensor> masks(convolutions.size());
  bool any = false;
  for (const auto& [name, t] : tensors) {
    if (name.rfind(kMaskPrefix, 0) != 0) continue;
    const size_t i = std::stoul(name.substr(std::string(kMaskPrefix).size()));
    KDUP_CHECK(i < convolutions.size() && t.shape() == convolutions[i]->weight().shape(),
               "sdclr pruning: mask '" << name << "' of shape " << shape_str(t.shape())
                                       << " fits no convolution of the model");
    masks[i] = t;
    any = true;
  }
  if (!any) return false;
  for (size_t i = 0; i < convolutions.size(); ++i) {
    KDUP_CHECK(masks[i].defined(), "sdclr pruning: no mask for convolution " << i);
    const Tensor& w = convolutions[i]->weight();
    convolutions[i]->set_mask(masks[i].to(w.dtype()).to(w.device()));
  }
  return true;
}

}  // namespace kdup
