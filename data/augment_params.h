// The random parameters of one augmented view, drawn on the host from Philox (so a view is a
// function of (seed, epoch, view, sample id) alone) and then applied by the CPU code or the CUDA
// kernel alike. A plain struct: a batch's parameters go to the GPU as bytes, in one copy.
#pragma once
#include <cstdint>

namespace kdup {

struct AugmentParams {
  int64_t source = 0;  // the row of the image in the source tensor
  // Geometry: output pixel (y, x) samples the source at box_top + (y + 0.5) * box_height / S - 0.5
  // (likewise x) when resized_crop is set; otherwise at (y + shift_y, x + shift_x) with zeros
  // outside the image. flip mirrors the output horizontally.
  float box_top = 0, box_left = 0, box_height = 0, box_width = 0;
  int32_t shift_y = 0, shift_x = 0;
  int32_t resized_crop = 0;
  int32_t flip = 0;
  // Colour jitter: factors and the order of the four adjustments (0 brightness, 1 contrast,
  // 2 saturation, 3 hue); jitter = 0 skips them all.
  int32_t jitter = 0;
  float brightness = 1, contrast = 1, saturation = 1, hue = 0;
  int32_t order[4] = {0, 1, 2, 3};
  int32_t grayscale = 0;
  float blur_sigma = 0;  // 0: no blur
};

}  // namespace kdup
