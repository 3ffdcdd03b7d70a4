// Image lists: PNG files the test writes are decoded, resized and centre-cropped; a missing image
// is an error naming the list and the file.
#include "data/image_list.h"

#include <fstream>

#include "png_fixture.h"
#include "test_util.h"

namespace kdup {
namespace {

// A width x height RGB image whose left half is (200, 10, 10) and right half (10, 10, 200).
void write_png(const std::string& path, int width, int height) {
  test::write_png(path, width, height, [&](int x, int) -> std::array<uint8_t, 3> {
    return x < width / 2 ? std::array<uint8_t, 3>{200, 10, 10}
                         : std::array<uint8_t, 3>{10, 10, 200};
  });
}

TEST(ImageList, DecodesResizesAndCentreCrops) {
  const std::string dir = ::testing::TempDir();
  write_png(dir + "/kdup_wide.png", 64, 32);
  write_png(dir + "/kdup_square.png", 20, 20);
  const std::string list = dir + "/kdup_list.txt";
  std::ofstream(list) << "kdup_wide.png 3\n\nkdup_square.png 0\n";
  ImageSet set = read_image_list(list, dir, 16);
  ASSERT_EQ(set.images.shape(), (Shape{2, 16, 16, 3}));
  EXPECT_EQ(set.labels, (std::vector<int64_t>{3, 0}));
  EXPECT_EQ(set.num_classes, 4);
  const uint8_t* px = set.images.data<uint8_t>();
  // The wide image's central square (columns 16..47) keeps the red/blue split in its middle.
  EXPECT_EQ(px[(5 * 16 + 2) * 3 + 0], 200);
  EXPECT_EQ(px[(5 * 16 + 13) * 3 + 2], 200);
  // The square image is only scaled: its corners keep their colours.
  const uint8_t* second = px + 16 * 16 * 3;
  EXPECT_EQ(second[0], 200);
  EXPECT_EQ(second[(15 * 16 + 15) * 3 + 2], 200);
}

TEST(ImageList, MissingImageOrBadLineNamesTheFile) {
  const std::string dir = ::testing::TempDir();
  const std::string list = dir + "/kdup_missing.txt";
  std::ofstream(list) << "no_such_image.jpg 1\n";
  test::expect_error([&] { read_image_list(list, dir, 8); }, {list, "no_such_image.jpg"});
  std::ofstream(list, std::ios::trunc) << "image_without_label.jpg\n";
  test::expect_error([&] { read_image_list(list, dir, 8); }, {list + ":1", "path label"});
  test::expect_error([&] { read_image_list(dir + "/absent.txt", dir, 8); }, {"absent.txt"});
  // An OOD pool's list may leave the labels out; a labelled list may not.
  write_png(dir + "/kdup_pool.png", 12, 10);
  std::ofstream(list, std::ios::trunc) << "kdup_pool.png\n\nkdup_pool.png\n";
  const ImageSet pool = read_image_list(list, dir, 8, /*labelled=*/false);
  EXPECT_EQ(pool.images.shape(), (Shape{2, 8, 8, 3}));
  test::expect_error([&] { read_image_list(list, dir, 8); }, {list + ":1", "path label"});
  // Errors name the line of the list, blank lines counted.
  std::ofstream(list, std::ios::trunc) << "kdup_pool.png 0\n\nmissing.png 1\n";
  test::expect_error([&] { read_image_list(list, dir, 8); }, {list, "missing.png", "line 3"});
}

// JPEG (libjpeg-turbo) and PNG (stb_image) only, and no side above kMaxImageSide.
TEST(ImageList, OnlyJpegAndPngWithinTheSizeLimitAreDecoded) {
  const std::string dir = ::testing::TempDir();
  const std::string list = dir + "/kdup_formats.txt";
  const std::vector<uint8_t> pixels(static_cast<size_t>(kMaxImageSide + 1) * 3, 128);
  ASSERT_TRUE(stbi_write_bmp((dir + "/kdup_image.bmp").c_str(), 4, 4, 3, pixels.data()));
  ASSERT_TRUE(stbi_write_png((dir + "/kdup_wide.png").c_str(), kMaxImageSide + 1, 1, 3,
                             pixels.data(), (kMaxImageSide + 1) * 3));
  std::ofstream(list) << "rgb_8x6.jpg 0\n";  // a JPEG file from an encoder
  EXPECT_EQ(read_image_list(list, std::string(KDUP_SOURCE_DIR) + "/tests/data/images", 4)
                .images.shape(),
            (Shape{1, 4, 4, 3}));
  std::ofstream(list, std::ios::trunc) << "kdup_image.bmp 0\n";
  test::expect_error([&] { read_image_list(list, dir, 4); }, {list, "kdup_image.bmp", "unknown"});
  std::ofstream(list, std::ios::trunc) << "kdup_wide.png 0\n";
  test::expect_error([&] { read_image_list(list, dir, 4); }, {list, "kdup_wide.png", "large"});
  // A JPEG whose frame header claims 9000 x 9000 is rejected before its pixels are allocated.
  std::string jpeg = test::slurp(std::string(KDUP_SOURCE_DIR) + "/tests/data/images/rgb_8x6.jpg");
  const size_t frame = jpeg.find("\xFF\xC0");  // SOF0: length, precision, height, width
  ASSERT_NE(frame, std::string::npos);
  for (size_t at : {frame + 5, frame + 7}) jpeg[at] = '\x23', jpeg[at + 1] = '\x28';  // 9000
  std::ofstream(dir + "/kdup_huge.jpg", std::ios::binary) << jpeg;
  std::ofstream(list, std::ios::trunc) << "kdup_huge.jpg 0\n";
  test::expect_error([&] { read_image_list(list, dir, 4); }, {list, "kdup_huge.jpg", "9000x9000"});
}

}  // namespace
}  // namespace kdup
