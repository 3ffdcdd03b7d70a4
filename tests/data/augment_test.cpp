// Augmentations keep shape and range, are reproducible from their key, and do what they say.
#include "data/augment.h"
#include "data/augment_math.h"
#include "test_util.h"

namespace kdup {
namespace {

using test::random_images;

// Normalised values must come from pixels in [0, 1].
void expect_in_range(const Tensor& batch, const AugmentConfig& c) {
  std::vector<float> v = batch.to_vector<float>();
  const int64_t plane = batch.shape()[2] * batch.shape()[3];
  for (size_t i = 0; i < v.size(); ++i) {
    const int ch = static_cast<int>((i / plane) % 3);
    const double pixel = v[i] * c.std[ch] + c.mean[ch];
    ASSERT_GE(pixel, -1e-5);
    ASSERT_LE(pixel, 1 + 1e-5);
  }
}

TEST(Augment, EveryRecipeKeepsShapeAndRange) {
  Tensor images = random_images(6, 32, 1);
  AugmentConfig blur = simclr_cifar_augment();
  blur.blur_p = 1.0;
  for (const AugmentConfig& c : {simclr_cifar_augment(), probe_cifar_augment(), plain_augment(), blur}) {
    Tensor batch = augment_batch(images, {5, 0, 3, 3}, c, {7, 0, 0});
    ASSERT_EQ(batch.shape(), (Shape{4, 3, 32, 32}));
    expect_in_range(batch, c);
  }
}

TEST(Augment, ImageNetViewsKeepTheStoredSizeAndBlurHalfTheViews) {
  Tensor images = random_images(3, 48, 5);
  const AugmentViews views = imagenet_views(48);
  for (const AugmentConfig& c : {views.contrastive, views.probe, views.plain}) {
    Tensor batch = augment_batch(images, {2, 0, 1}, c, {3, 1, 0});
    ASSERT_EQ(batch.shape(), (Shape{3, 3, 48, 48}));
    expect_in_range(batch, c);
  }
  int blurred = 0, probe_blurred = 0;
  for (int64_t i = 0; i < 400; ++i) {
    blurred += draw_augment_params(views.contrastive, {1, 0, 0}, i, 48, 48).blur_sigma > 0;
    probe_blurred += draw_augment_params(views.probe, {1, 0, 0}, i, 48, 48).blur_sigma > 0;
  }
  EXPECT_GT(blurred, 160);
  EXPECT_LT(blurred, 240);
  EXPECT_EQ(probe_blurred, 0);
  // The plain view normalises with ImageNet's statistics.
  const float first = augment_batch(images, {0}, views.plain, {}).to_vector<float>()[0];
  EXPECT_NEAR(first, (images.data<uint8_t>()[0] / 255.0 - 0.485) / 0.229, 1e-5);
  EXPECT_EQ(cifar_views().plain.output_size, 32);
}

TEST(Augment, ResizedCropResizesLargerImages) {
  Tensor images = random_images(2, 64, 2);
  Tensor batch = augment_batch(images, {0, 1}, simclr_cifar_augment(), {1, 0, 0});
  EXPECT_EQ(batch.shape(), (Shape{2, 3, 32, 32}));
  test::expect_error([&] { augment_batch(images, {0}, plain_augment(32), {1, 0, 0}); },
                     {"augment_batch", "64x64"});
}

TEST(Augment, ReproducibleFromTheKeyAndIndependentOfTheBatch) {
  Tensor images = random_images(8, 32, 3);
  const AugmentConfig c = simclr_cifar_augment();
  std::vector<float> a = augment_batch(images, {2, 4}, c, {11, 3, 0}).to_vector<float>();
  std::vector<float> again = augment_batch(images, {2, 4}, c, {11, 3, 0}).to_vector<float>();
  EXPECT_EQ(a, again);
  // Sample 4 alone, in another batch position, gets the same view.
  std::vector<float> alone = augment_batch(images, {4}, c, {11, 3, 0}).to_vector<float>();
  EXPECT_TRUE(std::equal(alone.begin(), alone.end(), a.begin() + 3 * 32 * 32));
  EXPECT_NE(a, augment_batch(images, {2, 4}, c, {11, 3, 1}).to_vector<float>());  // other view
  EXPECT_NE(a, augment_batch(images, {2, 4}, c, {11, 4, 0}).to_vector<float>());  // other epoch
  EXPECT_NE(a, augment_batch(images, {2, 4}, c, {12, 3, 0}).to_vector<float>());  // other seed
}

TEST(Augment, PlainIsConversionAndNormalisation) {
  Tensor images = random_images(1, 32, 4);
  AugmentConfig c = plain_augment();
  std::vector<float> out = augment_batch(images, {0}, c, {0, 0, 0}).to_vector<float>();
  const uint8_t* px = images.data<uint8_t>();
  for (int ch = 0; ch < 3; ++ch)
    for (int p = 0; p < 1024; p += 37)
      EXPECT_NEAR(out[ch * 1024 + p], (px[p * 3 + ch] / 255.0 - c.mean[ch]) / c.std[ch], 1e-5);
}

TEST(Augment, FlipMirrorsAndGrayscaleEqualisesChannels) {
  Tensor images = random_images(1, 32, 5);
  AugmentConfig c = plain_augment();
  c.mean = {0, 0, 0};
  c.std = {1, 1, 1};
  c.flip_p = 1.0;
  std::vector<float> flipped = augment_batch(images, {0}, c, {0, 0, 0}).to_vector<float>();
  const uint8_t* px = images.data<uint8_t>();
  EXPECT_NEAR(flipped[5 * 32 + 0], px[(5 * 32 + 31) * 3] / 255.0, 1e-6);
  c.flip_p = 0;
  c.grayscale_p = 1.0;
  std::vector<float> gray = augment_batch(images, {0}, c, {0, 0, 0}).to_vector<float>();
  for (int p = 0; p < 1024; p += 53) {
    EXPECT_FLOAT_EQ(gray[p], gray[1024 + p]);
    EXPECT_FLOAT_EQ(gray[p], gray[2048 + p]);
  }
}

TEST(Augment, PaddedCropShiftsWithZeroBorder) {
  Tensor images = Tensor::full({1, 32, 32, 3}, 200, DType::u8);
  AugmentConfig c = probe_cifar_augment();
  c.flip_p = 0;
  c.mean = {0, 0, 0};
  c.std = {1, 1, 1};
  // Across many keys some crops shift the image and expose zero padding; none changes its size.
  int with_border = 0;
  for (uint64_t seed = 0; seed < 20; ++seed) {
    std::vector<float> v = augment_batch(images, {0}, c, {seed, 0, 0}).to_vector<float>();
    int zeros = 0;
    for (float x : v) {
      EXPECT_TRUE(x == 0.f || std::abs(x - 200 / 255.f) < 1e-6);
      zeros += x == 0.f;
    }
    with_border += zeros > 0;
  }
  EXPECT_GT(with_border, 10);
}

TEST(Augment, HueShiftByAWholeTurnIsIdentity) {
  float r = 0.8f, g = 0.3f, b = 0.1f;
  shift_hue(r, g, b, 1.0f);
  EXPECT_NEAR(r, 0.8f, 1e-5);
  EXPECT_NEAR(g, 0.3f, 1e-5);
  EXPECT_NEAR(b, 0.1f, 1e-5);
  shift_hue(r, g, b, 1.0f / 3);  // red -> green
  EXPECT_NEAR(g, 0.8f, 1e-5);
}

}  // namespace
}  // namespace kdup
