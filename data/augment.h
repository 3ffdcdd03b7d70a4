// Image augmentations of the SimCLR recipe (METHOD.md §3) and of the linear probe, applied to a
// batch of uint8 HWC images with per-sample random parameters. Every draw comes from Philox keyed
// by (seed, epoch, view, sample id), so a sample's augmentation is reproducible and independent of
// the batch it lands in, the thread that runs it and the device.
#pragma once
#include <array>
#include <cstdint>
#include <vector>

#include "data/augment_params.h"
#include "tensor/tensor.h"

namespace kdup {

struct AugmentConfig {
  int64_t output_size = 32;
  // RandomResizedCrop: area fraction and aspect-ratio ranges (torchvision semantics).
  bool resized_crop = true;
  double crop_scale_min = 0.1, crop_scale_max = 1.0;
  double crop_ratio_min = 3.0 / 4.0, crop_ratio_max = 4.0 / 3.0;
  // RandomCrop with zero padding (the linear probe's augmentation), used when resized_crop is off.
  int64_t crop_padding = 0;
  double flip_p = 0.5;
  // ColorJitter(brightness, contrast, saturation, hue) applied with probability jitter_p, the four
  // adjustments in a random order.
  double jitter_p = 0.8;
  double brightness = 0.4, contrast = 0.4, saturation = 0.4, hue = 0.1;
  double grayscale_p = 0.2;
  // Gaussian blur with sigma in [blur_sigma_min, blur_sigma_max] (ImageNet-size data only).
  double blur_p = 0.0;
  double blur_sigma_min = 0.1, blur_sigma_max = 2.0;
  // Per-channel normalisation applied last.
  std::array<double, 3> mean{0.4914, 0.4822, 0.4465};
  std::array<double, 3> std{0.2470, 0.2435, 0.2616};
};

// The SimCLR view of CIFAR (crop scale 0.1-1, flip, jitter 0.4/0.4/0.4/0.1 at p 0.8, grayscale 0.2).
AugmentConfig simclr_cifar_augment();
// The linear-probe augmentation: RandomCrop(32, padding 4) + flip.
AugmentConfig probe_cifar_augment();
// No augmentation: only conversion and normalisation (embedding passes, evaluation).
AugmentConfig plain_augment(int64_t output_size = 32);

// The three views of one kind of data: the contrastive view of pre-training, the linear probe's
// training view, and the plain view of embedding passes and evaluation.
struct AugmentViews {
  AugmentConfig contrastive, probe, plain;
};
// CIFAR at 32 x 32 (METHOD.md §3, §5): the SimCLR view, RandomCrop(32, padding 4) + flip, plain.
AugmentViews cifar_views();
// ImageNet-size images stored at size x size (ImageNet-100-LT, Places-LT) [choice: torchvision's
// ImageNet recipe]: the SimCLR view with crop scale 0.08-1 and Gaussian blur (p 0.5, sigma 0.1-2),
// RandomResizedCrop(size) + flip for the probe, ImageNet mean and std.
AugmentViews imagenet_views(int64_t size);

// Identifies the random stream of one augmented view: the same key gives the same image.
struct AugmentKey {
  uint64_t seed = 0;
  uint64_t epoch = 0;
  uint64_t view = 0;  // 0 and 1 for the two SimCLR views
};

// The random parameters of sample `sample_id`'s view under `key`, for a height x width image.
AugmentParams draw_augment_params(const AugmentConfig& config, const AugmentKey& key,
                                  int64_t sample_id, int64_t height, int64_t width);

// images: uint8 [N, H, W, 3] on the CPU or the GPU; sample_ids: which images (and whose random
// stream) to use. Returns float32 [B, 3, S, S], normalised, on the images' device.
Tensor augment_batch(const Tensor& images, const std::vector<int64_t>& sample_ids,
                     const AugmentConfig& config, const AugmentKey& key);

}  // namespace kdup
