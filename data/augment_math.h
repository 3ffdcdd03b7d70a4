// Per-pixel math of the augmentations, shared by the CPU path and its CUDA twin.
#pragma once
#include <cmath>

#include "data/augment_params.h"
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

// Geometry of a view: channel c of output pixel (y, x) of a size x size view, in [0, 1], read from
// an HWC uint8 image: a bilinear sample inside the crop box (RandomResizedCrop), or a shifted pixel
// with zero padding (RandomCrop with padding); the flip mirrors x first.
KDUP_HD float augment_geometry(const AugmentParams& p, const unsigned char* image, int height,
                               int width, int size, int y, int x, int c) {
  if (p.flip) x = size - 1 - x;
  if (p.resized_crop) {
    const float sy = p.box_height / size, sx = p.box_width / size;
    return bilinear_sample(image, height, width, c, p.box_top + (y + 0.5f) * sy - 0.5f,
                           p.box_left + (x + 0.5f) * sx - 0.5f);
  }
  const int yy = y + p.shift_y, xx = x + p.shift_x;
  if (yy < 0 || yy >= height || xx < 0 || xx >= width) return 0.f;
  return image[(yy * width + xx) * 3 + c] * (1.f / 255.f);
}

// One adjustment of ColorJitter on one pixel: 0 brightness (blend toward black), 1 contrast (toward
// the image's mean luma, computed before this adjustment), 2 saturation (toward the pixel's luma),
// 3 hue (rotation).
KDUP_HD void augment_jitter(const AugmentParams& p, int adjustment, float mean_luma, float& r,
                            float& g, float& b) {
  if (adjustment == 0) {
    r = blend(r, 0.f, p.brightness);
    g = blend(g, 0.f, p.brightness);
    b = blend(b, 0.f, p.brightness);
  } else if (adjustment == 1) {
    r = blend(r, mean_luma, p.contrast);
    g = blend(g, mean_luma, p.contrast);
    b = blend(b, mean_luma, p.contrast);
  } else if (adjustment == 2) {
    const float gray = luma(r, g, b);
    r = blend(r, gray, p.saturation);
    g = blend(g, gray, p.saturation);
    b = blend(b, gray, p.saturation);
  } else {
    shift_hue(r, g, b, p.hue);
  }
}

// Half-width of the Gaussian blur kernel: about a tenth of the image (odd kernel).
KDUP_HD int blur_radius(int size) { return size / 20 > 1 ? size / 20 : 1; }

// One pass of the separable Gaussian blur at (y, x, c) of an HWC float image, along x (vertical 0)
// or y (vertical 1), with reflected borders.
KDUP_HD float augment_blur_pass(const float* image, int size, int y, int x, int c, int vertical,
                                float sigma) {
  const int radius = blur_radius(size);
  float total = 0.f, weights = 0.f;
  for (int k = -radius; k <= radius; ++k) {
    int yy = vertical ? y + k : y, xx = vertical ? x : x + k;
    yy = yy < 0 ? -yy : (yy >= size ? 2 * size - 2 - yy : yy);
    xx = xx < 0 ? -xx : (xx >= size ? 2 * size - 2 - xx : xx);
    const float w = expf(-0.5f * k * k / (sigma * sigma));
    total += w * image[(yy * size + xx) * 3 + c];
    weights += w;
  }
  return total / weights;
}

}  // namespace kdup
