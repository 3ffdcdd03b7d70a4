// Image lists: PNG files the test writes are decoded, resized and centre-cropped; a missing image
// is an error naming the list and the file.
#include <stb/stb_image_write.h>

#include <fstream>

#include "data/image_list.h"
#include "test_util.h"

namespace kdup {
namespace {

// A width x height RGB image whose left half is (200, 10, 10) and right half (10, 10, 200).
void write_png(const std::string& path, int width, int height) {
  std::vector<uint8_t> pixels(width * height * 3);
  for (int y = 0; y < height; ++y)
    for (int x = 0; x < width; ++x) {
      uint8_t* p = &pixels[(y * width + x) * 3];
      p[0] = x < width / 2 ? 200 : 10;
      p[1] = 10;
      p[2] = x < width / 2 ? 10 : 200;
    }
  ASSERT_TRUE(stbi_write_png(path.c_str(), width, height, 3, pixels.data(), width * 3));
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
}

}  // namespace
}  // namespace kdup
