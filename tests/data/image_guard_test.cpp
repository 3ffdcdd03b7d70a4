// The check run before stb_image: a JPEG Huffman table of more than 256 codes and a PNG's empty
// first IDAT chunk are caught where stb would read them, and nothing else is (encoders' files,
// the same bytes inside other segments, other formats).
#include "data/image_guard.h"

#include <stb/stb_image_write.h>

#include <fstream>
#include <iterator>
#include <vector>

#include "test_util.h"

namespace kdup {
namespace {

using Bytes = std::vector<uint8_t>;

// A DHT segment of one table whose 16 code counts are `counts`, with no symbols after them.
Bytes dht(const Bytes& counts) {
  Bytes segment = {0xFF, 0xC4, 0, static_cast<uint8_t>(2 + 1 + 16), 0x00};
  for (uint8_t count : counts) segment.push_back(count);
  return segment;
}

Bytes concat(std::initializer_list<Bytes> parts) {
  Bytes all;
  for (const Bytes& part : parts)
    for (uint8_t byte : part) all.push_back(byte);
  return all;
}

const Bytes kSoi = {0xFF, 0xD8}, kEoi = {0xFF, 0xD9};
const Bytes k257Codes = {255, 2, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0};

std::string problem(const Bytes& bytes) { return image_guard_problem(bytes.data(), bytes.size()); }

TEST(ImageGuard, AHuffmanTableOfMoreThan256CodesIsAProblem) {
  EXPECT_NE(problem(concat({kSoi, dht(k257Codes), kEoi})).find("257 codes"), std::string::npos);
  // stb accepts fill bytes (0xFF) before the SOI marker, so the check does too (found by fuzzing).
  EXPECT_NE(problem(concat({{0xFF, 0xFF, 0xFF}, kSoi, dht(k257Codes)})), "");
  Bytes at_256 = k257Codes;
  at_256[1] = 1;
  EXPECT_EQ(problem(concat({kSoi, dht(at_256), kEoi})), "");
}

TEST(ImageGuard, OnlyTheSegmentsStbReadsAreChecked) {
  // The same bytes inside an APP1 segment (say EXIF data) are skipped, as stb skips them.
  Bytes app1 = {0xFF, 0xE1, 0, static_cast<uint8_t>(2 + 21)};
  const Bytes payload = dht(k257Codes);
  for (uint8_t byte : payload) app1.push_back(byte);
  EXPECT_EQ(problem(concat({kSoi, app1, kEoi})), "");
  // After the end-of-image marker nothing is read.
  EXPECT_EQ(problem(concat({kSoi, kEoi, dht(k257Codes)})), "");
  // Not a JPEG at all.
  EXPECT_EQ(problem({'B', 'M', 0xFF, 0xD8, 0xFF, 0xC4}), "");
  EXPECT_EQ(problem({}), "");
}

// A PNG of the given chunks (length, type, data, a CRC that stb does not check) after the signature.
Bytes png(std::initializer_list<std::pair<std::string, uint32_t>> chunks) {
  Bytes bytes = {0x89, 'P', 'N', 'G', '\r', '\n', 0x1A, '\n'};
  for (const auto& [type, length] : chunks) {
    for (int shift = 24; shift >= 0; shift -= 8) bytes.push_back(static_cast<uint8_t>(length >> shift));
    for (char c : type) bytes.push_back(static_cast<uint8_t>(c));
    for (uint32_t i = 0; i < length + 4; ++i) bytes.push_back(0);
  }
  return bytes;
}

TEST(ImageGuard, APngsEmptyFirstIdatChunkIsAProblem) {
  EXPECT_NE(problem(png({{"IHDR", 13}, {"IDAT", 0}, {"IEND", 0}})).find("empty IDAT"),
            std::string::npos);
  EXPECT_EQ(problem(png({{"IHDR", 13}, {"IDAT", 5}, {"IDAT", 0}, {"IEND", 0}})), "");
  EXPECT_EQ(problem(png({{"IHDR", 13}, {"tEXt", 9}, {"IDAT", 5}, {"IEND", 0}})), "");
}

TEST(ImageGuard, FilesFromEncodersPass) {
  std::vector<uint8_t> pixels(16 * 8 * 3);
  for (size_t i = 0; i < pixels.size(); ++i) pixels[i] = static_cast<uint8_t>(i * 7);
  const auto append = [](void* context, void* data, int size) {
    auto* out = static_cast<Bytes*>(context);
    out->insert(out->end(), static_cast<uint8_t*>(data), static_cast<uint8_t*>(data) + size);
  };
  std::ifstream in(std::string(KDUP_SOURCE_DIR) + "/tests/data/images/rgb_8x6.jpg", std::ios::binary);
  const Bytes jpeg(std::istreambuf_iterator<char>(in), {});
  ASSERT_GT(jpeg.size(), 100u);
  EXPECT_EQ(problem(jpeg), "");
  Bytes png_file;
  ASSERT_TRUE(stbi_write_png_to_func(append, &png_file, 16, 8, 3, pixels.data(), 16 * 3));
  EXPECT_EQ(problem(png_file), "");
}

}  // namespace
}  // namespace kdup
