#include "data/augment.h"

#include <algorithm>
#include <cmath>

#include "data/augment_math.h"
#include "ops/dispatch.h"
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

AugmentViews cifar_views() {
  return {simclr_cifar_augment(), probe_cifar_augment(), plain_augment(32)};
}

AugmentViews imagenet_views(int64_t size) {
  AugmentViews v{simclr_cifar_augment(), probe_cifar_augment(), plain_augment(size)};
  v.contrastive.crop_scale_min = 0.08;
  v.contrastive.blur_p = 0.5;
  v.probe.resized_crop = true;
  v.probe.crop_scale_min = 0.08;
  v.probe.crop_padding = 0;
  for (AugmentConfig* c : {&v.contrastive, &v.probe, &v.plain}) {
    c->output_size = size;
    c->mean = {0.485, 0.456, 0.406};
    c->std = {0.229, 0.224, 0.225};
  }
  return v;
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

}  // namespace

AugmentParams draw_augment_params(const AugmentConfig& c, const AugmentKey& key, int64_t sample_id,
                                  int64_t height, int64_t width) {
  SampleRandom rng(key, sample_id);
  AugmentParams p;
  p.resized_crop = c.resized_crop;
  if (c.resized_crop) {
    const Box box = resized_crop_box(rng, height, width, c);
    p.box_top = static_cast<float>(box.top);
    p.box_left = static_cast<float>(box.left);
    p.box_height = static_cast<float>(box.height);
    p.box_width = static_cast<float>(box.width);
  } else if (c.crop_padding > 0) {
    p.shift_y = static_cast<int32_t>(rng.integer(0, 2 * c.crop_padding) - c.crop_padding);
    p.shift_x = static_cast<int32_t>(rng.integer(0, 2 * c.crop_padding) - c.crop_padding);
  }
  p.flip = rng.bernoulli(c.flip_p);
  p.jitter = rng.bernoulli(c.jitter_p);
  if (p.jitter) {  // factors drawn as torchvision's ColorJitter, adjustments in a random order
    p.brightness = static_cast<float>(rng.uniform(1 - c.brightness, 1 + c.brightness));
    p.contrast = static_cast<float>(rng.uniform(1 - c.contrast, 1 + c.contrast));
    p.saturation = static_cast<float>(rng.uniform(1 - c.saturation, 1 + c.saturation));
    p.hue = static_cast<float>(rng.uniform(-c.hue, c.hue));
    for (int i = 3; i > 0; --i) std::swap(p.order[i], p.order[rng.integer(0, i)]);
  }
  p.grayscale = rng.bernoulli(c.grayscale_p);
  if (c.blur_p > 0 && rng.bernoulli(c.blur_p))
    p.blur_sigma = static_cast<float>(rng.uniform(c.blur_sigma_min, c.blur_sigma_max));
  return p;
}

namespace cpu {

// One view of one image: geometry, colour, blur into `rgb` (S*S*3, HWC in [0, 1]), then normalised
// into `out` (3 planes of S*S).
static void augment_one(const uint8_t* image, int height, int width, const AugmentConfig& c,
                        const AugmentParams& p, float* rgb, float* scratch, float* out) {
  const int s = static_cast<int>(c.output_size), pixels = s * s;
  for (int y = 0; y < s; ++y)
    for (int x = 0; x < s; ++x)
      for (int ch = 0; ch < 3; ++ch)
        rgb[(y * s + x) * 3 + ch] = augment_geometry(p, image, height, width, s, y, x, ch);
  if (p.jitter)
    for (int adjustment : p.order) {
      float mean = 0;
      if (adjustment == 1) {  // contrast blends toward the mean luma of the image as it is now
        double total = 0;
        for (int q = 0; q < pixels; ++q) total += luma(rgb[3 * q], rgb[3 * q + 1], rgb[3 * q + 2]);
        mean = static_cast<float>(total / pixels);
      }
      for (int q = 0; q < pixels; ++q)
        augment_jitter(p, adjustment, mean, rgb[3 * q], rgb[3 * q + 1], rgb[3 * q + 2]);
    }
  if (p.grayscale)
    for (int q = 0; q < pixels; ++q) {
      const float gray = luma(rgb[3 * q], rgb[3 * q + 1], rgb[3 * q + 2]);
      rgb[3 * q] = rgb[3 * q + 1] = rgb[3 * q + 2] = gray;
    }
  if (p.blur_sigma > 0)
    for (int vertical = 0; vertical < 2; ++vertical) {
      for (int y = 0; y < s; ++y)
        for (int x = 0; x < s; ++x)
          for (int ch = 0; ch < 3; ++ch)
            scratch[(y * s + x) * 3 + ch] = augment_blur_pass(rgb, s, y, x, ch, vertical, p.blur_sigma);
      std::copy(scratch, scratch + 3 * pixels, rgb);
    }
  for (int ch = 0; ch < 3; ++ch) {  // HWC [0, 1] -> normalised CHW
    const float mean = static_cast<float>(c.mean[ch]), inv_std = static_cast<float>(1.0 / c.std[ch]);
    for (int q = 0; q < pixels; ++q) out[ch * pixels + q] = (rgb[3 * q + ch] - mean) * inv_std;
  }
}

void augment_images(const Tensor& images, const Tensor& params, const AugmentConfig& config,
                    Tensor& out) {
  const int height = static_cast<int>(images.shape()[1]), width = static_cast<int>(images.shape()[2]);
  const int64_t s = config.output_size, batch = params.shape()[0];
  const uint8_t* src = images.data<uint8_t>();
  const auto* p = reinterpret_cast<const AugmentParams*>(params.data<uint8_t>());
  float* dst = out.data<float>();
#pragma omp parallel
  {
    std::vector<float> rgb(3 * s * s), scratch(3 * s * s);
#pragma omp for schedule(dynamic, 4)
    for (int64_t b = 0; b < batch; ++b)
      augment_one(src + p[b].source * height * width * 3, height, width, config, p[b], rgb.data(),
                  scratch.data(), dst + b * 3 * s * s);
  }
}

}  // namespace cpu

Tensor augment_batch(const Tensor& images, const std::vector<int64_t>& sample_ids,
                     const AugmentConfig& config, const AugmentKey& key) {
  KDUP_CHECK(images.dtype() == DType::u8 && images.dim() == 4 && images.shape()[3] == 3,
             "augment_batch: expected uint8 images [N, H, W, 3], got "
                 << dtype_name(images.dtype()) << " " << shape_str(images.shape()));
  const int64_t n = images.shape()[0], height = images.shape()[1], width = images.shape()[2];
  const int64_t s = config.output_size, batch = static_cast<int64_t>(sample_ids.size());
  KDUP_CHECK(config.resized_crop || (height == s && width == s),
             "augment_batch: images are " << height << "x" << width << ", the output " << s << "x"
                                          << s << ", and only a resized crop can resize");
  std::vector<uint8_t> param_bytes(batch * sizeof(AugmentParams));
  auto* params = reinterpret_cast<AugmentParams*>(param_bytes.data());
  for (int64_t b = 0; b < batch; ++b) {
    KDUP_CHECK(sample_ids[b] >= 0 && sample_ids[b] < n,
               "augment_batch: sample " << sample_ids[b] << " out of range " << n);
    params[b] = draw_augment_params(config, key, sample_ids[b], height, width);
    params[b].source = sample_ids[b];
  }
  const Device device = images.device();
  const Tensor param_tensor = Tensor::from_vector(
      param_bytes, {batch, static_cast<int64_t>(sizeof(AugmentParams))}, device);
  Tensor out = Tensor::empty({batch, 3, s, s}, DType::f32, device);
  KDUP_DISPATCH(device, augment_images, images, param_tensor, config, out);
  return out;
}

}  // namespace kdup
