#include "data/augment.h"

#include <algorithm>
#include <cmath>

#include "data/augment_math.h"
#include "tensor/philox.h"

namespace kdup {

AugmentConfig simclr_cifar_augment() { return AugmentConfig{}; }

AugmentConfig probe_cifar_augment() {
  AugmentConfig c;
  c.resized_crop = false;
  c.crop_padding = 4;
  c.jitter_p = 0;
  c.grayscale_p = 0;
  return c;
}

AugmentConfig plain_augment(int64_t output_size) {
  AugmentConfig c;
  c.output_size = output_size;
  c.resized_crop = false;
  c.flip_p = 0;
  c.jitter_p = 0;
  c.grayscale_p = 0;
  return c;
}

namespace {

// The random draws of one sample's view, in a fixed order.
class SampleRandom {
 public:
  SampleRandom(const AugmentKey& key, int64_t sample_id)
      : seed_(key.seed), stream_((key.epoch << 8) | (key.view & 0xff)),
        base_(static_cast<uint64_t>(sample_id) << 7) {}
  double uniform() { return philox_uniform(seed_, stream_, base_ + next_++); }
  double uniform(double lo, double hi) { return lo + (hi - lo) * uniform(); }
  bool bernoulli(double p) { return uniform() < p; }
  int64_t integer(int64_t lo, int64_t hi) {  // in [lo, hi]
    return std::min(hi, lo + static_cast<int64_t>(uniform() * static_cast<double>(hi - lo + 1)));
  }

 private:
  uint64_t seed_, stream_, base_;
  uint64_t next_ = 0;
};

struct Box {
  double top, left, height, width;
};

// torchvision's RandomResizedCrop.get_params: ten tries at a box of the drawn area and aspect
// ratio inside the image, else the whole image clipped to the ratio range.
Box resized_crop_box(SampleRandom& rng, int64_t height, int64_t width, const AugmentConfig& c) {
  const double area = static_cast<double>(height * width);
  const double log_lo = std::log(c.crop_ratio_min), log_hi = std::log(c.crop_ratio_max);
  for (int attempt = 0; attempt < 10; ++attempt) {
    const double target = area * rng.uniform(c.crop_scale_min, c.crop_scale_max);
    const double ratio = std::exp(rng.uniform(log_lo, log_hi));
    const auto w = static_cast<int64_t>(std::lround(std::sqrt(target * ratio)));
    const auto h = static_cast<int64_t>(std::lround(std::sqrt(target / ratio)));
    if (w > 0 && h > 0 && w <= width && h <= height) {
      const int64_t top = rng.integer(0, height - h), left = rng.integer(0, width - w);
      return {static_cast<double>(top), static_cast<double>(left), static_cast<double>(h),
              static_cast<double>(w)};
    }
  }
  const double in_ratio = static_cast<double>(width) / height;
  double w = width, h = height;
  if (in_ratio < c.crop_ratio_min) h = std::round(w / c.crop_ratio_min);
  else if (in_ratio > c.crop_ratio_max) w = std::round(h * c.crop_ratio_max);
  return {(height - h) / 2, (width - w) / 2, h, w};
}

// One view: geometry into `rgb` (S*S*3 floats in [0, 1]), then colour, then blur.
void augment_one(const uint8_t* image, int64_t height, int64_t width, const AugmentConfig& c,
                 SampleRandom& rng, float* rgb) {
  const int64_t s = c.output_size;
  if (c.resized_crop) {
    const Box box = resized_crop_box(rng, height, width, c);
    const double sy = box.height / s, sx = box.width / s;
    for (int64_t y = 0; y < s; ++y)
      for (int64_t x = 0; x < s; ++x)
        for (int ch = 0; ch < 3; ++ch)  // pixel centres map with half-pixel offsets
          rgb[(y * s + x) * 3 + ch] = bilinear_sample(
              image, static_cast<int>(height), static_cast<int>(width), ch,
              static_cast<float>(box.top + (y + 0.5) * sy - 0.5),
              static_cast<float>(box.left + (x + 0.5) * sx - 0.5));
  } else {
    const int64_t pad = c.crop_padding;
    const int64_t dy = pad ? rng.integer(0, 2 * pad) - pad : 0;
    const int64_t dx = pad ? rng.integer(0, 2 * pad) - pad : 0;
    for (int64_t y = 0; y < s; ++y)
      for (int64_t x = 0; x < s; ++x) {
        const int64_t sy = y + dy, sx = x + dx;
        const bool inside = sy >= 0 && sy < height && sx >= 0 && sx < width;
        for (int ch = 0; ch < 3; ++ch)
          rgb[(y * s + x) * 3 + ch] = inside ? image[(sy * width + sx) * 3 + ch] / 255.f : 0.f;
      }
  }
  const int64_t pixels = s * s;
  if (rng.bernoulli(c.flip_p))
    for (int64_t y = 0; y < s; ++y)
      for (int64_t x = 0; x < s / 2; ++x)
        for (int ch = 0; ch < 3; ++ch)
          std::swap(rgb[(y * s + x) * 3 + ch], rgb[(y * s + s - 1 - x) * 3 + ch]);

  if (rng.bernoulli(c.jitter_p)) {
    // Factors drawn as torchvision's ColorJitter, adjustments in a random order.
    const float brightness = static_cast<float>(rng.uniform(1 - c.brightness, 1 + c.brightness));
    const float contrast = static_cast<float>(rng.uniform(1 - c.contrast, 1 + c.contrast));
    const float saturation = static_cast<float>(rng.uniform(1 - c.saturation, 1 + c.saturation));
    const float hue = static_cast<float>(rng.uniform(-c.hue, c.hue));
    int order[4] = {0, 1, 2, 3};
    for (int i = 3; i > 0; --i) std::swap(order[i], order[rng.integer(0, i)]);
    for (int adjustment : order) {
      if (adjustment == 0) {
        for (int64_t i = 0; i < 3 * pixels; ++i) rgb[i] = blend(rgb[i], 0.f, brightness);
      } else if (adjustment == 1) {
        double mean = 0;
        for (int64_t p = 0; p < pixels; ++p) mean += luma(rgb[3 * p], rgb[3 * p + 1], rgb[3 * p + 2]);
        const float m = static_cast<float>(mean / pixels);
        for (int64_t i = 0; i < 3 * pixels; ++i) rgb[i] = blend(rgb[i], m, contrast);
      } else if (adjustment == 2) {
        for (int64_t p = 0; p < pixels; ++p) {
          const float gray = luma(rgb[3 * p], rgb[3 * p + 1], rgb[3 * p + 2]);
          for (int ch = 0; ch < 3; ++ch) rgb[3 * p + ch] = blend(rgb[3 * p + ch], gray, saturation);
        }
      } else {
        for (int64_t p = 0; p < pixels; ++p) shift_hue(rgb[3 * p], rgb[3 * p + 1], rgb[3 * p + 2], hue);
      }
    }
  }
  if (rng.bernoulli(c.grayscale_p))
    for (int64_t p = 0; p < pixels; ++p) {
      const float gray = luma(rgb[3 * p], rgb[3 * p + 1], rgb[3 * p + 2]);
      rgb[3 * p] = rgb[3 * p + 1] = rgb[3 * p + 2] = gray;
    }
  if (c.blur_p > 0 && rng.bernoulli(c.blur_p)) {
    // Separable Gaussian, kernel about a tenth of the image (odd), reflected borders.
    const double sigma = rng.uniform(c.blur_sigma_min, c.blur_sigma_max);
    const int64_t radius = std::max<int64_t>(1, s / 20);
    std::vector<float> kernel(2 * radius + 1);
    float total = 0;
    for (int64_t k = -radius; k <= radius; ++k)
      total += kernel[k + radius] = static_cast<float>(std::exp(-0.5 * k * k / (sigma * sigma)));
    for (float& w : kernel) w /= total;
    auto reflect = [s](int64_t i) { return i < 0 ? -i : (i >= s ? 2 * s - 2 - i : i); };
    std::vector<float> tmp(3 * pixels);
    for (int pass = 0; pass < 2; ++pass) {  // rows, then columns
      for (int64_t y = 0; y < s; ++y)
        for (int64_t x = 0; x < s; ++x)
          for (int ch = 0; ch < 3; ++ch) {
            float acc = 0;
            for (int64_t k = -radius; k <= radius; ++k) {
              const int64_t yy = pass ? reflect(y + k) : y, xx = pass ? x : reflect(x + k);
              acc += kernel[k + radius] * rgb[(yy * s + xx) * 3 + ch];
            }
            tmp[(y * s + x) * 3 + ch] = acc;
          }
      std::copy(tmp.begin(), tmp.end(), rgb);
    }
  }
}

}  // namespace

Tensor augment_batch(const Tensor& images, const std::vector<int64_t>& sample_ids,
                     const AugmentConfig& config, const AugmentKey& key) {
  KDUP_CHECK(images.dtype() == DType::u8 && images.dim() == 4 && images.shape()[3] == 3 &&
                 images.device() == Device::cpu,
             "augment_batch: expected uint8 CPU images [N, H, W, 3], got "
                 << dtype_name(images.dtype()) << " " << shape_str(images.shape()));
  const int64_t n = images.shape()[0], height = images.shape()[1], width = images.shape()[2];
  const int64_t s = config.output_size, batch = static_cast<int64_t>(sample_ids.size());
  KDUP_CHECK(config.resized_crop || (height == s && width == s),
             "augment_batch: images are " << height << "x" << width << ", the output " << s << "x"
                                          << s << ", and only a resized crop can resize");
  for (int64_t id : sample_ids)
    KDUP_CHECK(id >= 0 && id < n, "augment_batch: sample " << id << " out of range " << n);
  Tensor out = Tensor::empty({batch, 3, s, s}, DType::f32);
  const uint8_t* src = images.data<uint8_t>();
  float* dst = out.data<float>();
#pragma omp parallel
  {
    std::vector<float> rgb(3 * s * s);
#pragma omp for schedule(dynamic, 4)
    for (int64_t b = 0; b < batch; ++b) {
      SampleRandom rng(key, sample_ids[b]);
      augment_one(src + sample_ids[b] * height * width * 3, height, width, config, rng, rgb.data());
      for (int ch = 0; ch < 3; ++ch) {  // HWC [0, 1] -> normalised CHW
        const float mean = static_cast<float>(config.mean[ch]);
        const float inv_std = static_cast<float>(1.0 / config.std[ch]);
        float* plane = dst + (b * 3 + ch) * s * s;
        for (int64_t p = 0; p < s * s; ++p) plane[p] = (rgb[3 * p + ch] - mean) * inv_std;
      }
    }
  }
  return out;
}

}  // namespace kdup
