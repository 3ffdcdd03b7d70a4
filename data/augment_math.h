// Per-pixel math of the augmentations, shared by the CPU path and its CUDA twin.
#pragma once
#include <cmath>

#include "tensor/hostdevice.h"

namespace kdup {

// ITU-R 601 luma, as torchvision's rgb_to_grayscale.
KDUP_HD float luma(float r, float g, float b) { return 0.299f * r + 0.587f * g + 0.114f * b; }

KDUP_HD float clamp01(float v) { return v < 0.f ? 0.f : (v > 1.f ? 1.f : v); }

// Blend toward a reference: factor * x + (1 - factor) * reference, clamped to [0, 1]. Brightness
// blends toward black, contrast toward the image's mean luma, saturation toward the pixel's luma.
KDUP_HD float blend(float x, float reference, float factor) {
  return clamp01(factor * x + (1.f - factor) * reference);
}

// Rotates the hue of an RGB pixel by `shift` turns (RGB -> HSV, h += shift mod 1, HSV -> RGB).
KDUP_HD void shift_hue(float& r, float& g, float& b, float shift) {
  const float maxc = fmaxf(r, fmaxf(g, b)), minc = fminf(r, fminf(g, b));
  const float v = maxc, delta = maxc - minc;
  if (delta <= 0.f) return;  // grey: hue undefined, nothing to rotate
  const float s = delta / maxc;
  float h;
  if (maxc == r) h = (g - b) / delta;
  else if (maxc == g) h = 2.f + (b - r) / delta;
  else h = 4.f + (r - g) / delta;
  h = h / 6.f + shift;
  h -= floorf(h);
  const float h6 = h * 6.f;
  const int sector = static_cast<int>(h6) % 6;
  const float f = h6 - floorf(h6);
  const float p = v * (1.f - s), q = v * (1.f - s * f), t = v * (1.f - s * (1.f - f));
  switch (sector) {
    case 0: r = v; g = t; b = p; break;
    case 1: r = q; g = v; b = p; break;
    case 2: r = p; g = v; b = t; break;
    case 3: r = p; g = q; b = v; break;
    case 4: r = t; g = p; b = v; break;
    default: r = v; g = p; b = q; break;
  }
}

// Bilinear sample of channel c of an HWC uint8 image at continuous (y, x), edges clamped.
KDUP_HD float bilinear_sample(const unsigned char* image, int height, int width, int c, float y,
                              float x) {
  y = fminf(fmaxf(y, 0.f), static_cast<float>(height - 1));
  x = fminf(fmaxf(x, 0.f), static_cast<float>(width - 1));
  const int y0 = static_cast<int>(y), x0 = static_cast<int>(x);
  const int y1 = y0 + 1 < height ? y0 + 1 : y0, x1 = x0 + 1 < width ? x0 + 1 : x0;
  const float wy = y - y0, wx = x - x0;
  const float top = (1.f - wx) * image[(y0 * width + x0) * 3 + c] + wx * image[(y0 * width + x1) * 3 + c];
  const float bottom = (1.f - wx) * image[(y1 * width + x0) * 3 + c] + wx * image[(y1 * width + x1) * 3 + c];
  return ((1.f - wy) * top + wy * bottom) * (1.f / 255.f);
}

}  // namespace kdup
