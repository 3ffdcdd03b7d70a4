// Readers round-trip files the test writes, and bad files give one-line errors naming the file.
#include <cstdio>
#include <fstream>

#include "data/cifar.h"
#include "data/long_tail.h"
#include "data/npy.h"
#include "test_util.h"

namespace kdup {
namespace {

std::string temp_path(const std::string& name) {
  return ::testing::TempDir() + "/kdup_" + name;
}

// Writes n CIFAR-10 records where record r has label r % 10 and pixel (c, p) = (r + c + p) % 251.
void write_cifar10(const std::string& path, int n, int truncate_by = 0) {
  std::string bytes;
  for (int r = 0; r < n; ++r) {
    bytes.push_back(static_cast<char>(r % 10));
    for (int c = 0; c < 3; ++c)
      for (int p = 0; p < 1024; ++p) bytes.push_back(static_cast<char>((r + c + p) % 251));
  }
  bytes.resize(bytes.size() - truncate_by);
  std::ofstream(path, std::ios::binary).write(bytes.data(), bytes.size());
}

TEST(CifarReader, RoundTripsAndConvertsToHwc) {
  const std::string path = temp_path("cifar_ok.bin");
  write_cifar10(path, 3);
  ImageSet set = read_cifar_binary({path, path}, CifarVariant::cifar10);
  ASSERT_EQ(set.images.shape(), (Shape{6, 32, 32, 3}));
  EXPECT_EQ(set.labels, (std::vector<int64_t>{0, 1, 2, 0, 1, 2}));
  const uint8_t* px = set.images.data<uint8_t>();
  // record 2, pixel p = 5 (row 0, column 5), channel 1 (green)
  EXPECT_EQ(px[2 * 3072 + 5 * 3 + 1], (2 + 1 + 5) % 251);
  EXPECT_EQ(px[1 * 3072 + 1023 * 3 + 2], (1 + 2 + 1023) % 251);
}

TEST(CifarReader, TruncatedFileNamesTheFile) {
  const std::string path = temp_path("cifar_truncated.bin");
  write_cifar10(path, 2, 100);
  test::expect_error([&] { read_cifar_binary({path}, CifarVariant::cifar10); },
                     {path, "not a whole number"});
  test::expect_error([&] { read_cifar_binary({temp_path("missing.bin")}, CifarVariant::cifar10); },
                     {"missing.bin", "cannot open"});
}

TEST(NpyReader, RoundTripsEveryDtype) {
  const std::string path = temp_path("t.npy");
  Tensor u8 = Tensor::from_vector<uint8_t>({1, 2, 3, 250, 0, 7}, {1, 2, 3});
  write_npy(path, u8);
  EXPECT_EQ(read_npy(path).to_vector<uint8_t>(), u8.to_vector<uint8_t>());
  EXPECT_EQ(read_npy(path).shape(), (Shape{1, 2, 3}));
  Tensor i64 = Tensor::from_vector<int64_t>({5, -1, 1LL << 40}, {3});
  write_npy(path, i64);
  EXPECT_EQ(read_npy(path, DType::i64, {-1}).to_vector<int64_t>(), i64.to_vector<int64_t>());
  Tensor f32 = Tensor::randn({4, 5}, 3);
  write_npy(path, f32);
  EXPECT_EQ(read_npy(path).to_vector<float>(), f32.to_vector<float>());
  Tensor f64 = Tensor::randn({2, 2}, 4, DType::f64);
  write_npy(path, f64);
  EXPECT_EQ(read_npy(path).to_vector<double>(), f64.to_vector<double>());
}

TEST(NpyReader, WrongDtypeOrShapeNamesTheFile) {
  const std::string path = temp_path("images.npy");
  write_npy(path, Tensor::zeros({2, 32, 32, 3}, DType::f32));
  test::expect_error([&] { read_npy(path, DType::u8, {-1, 32, 32, 3}); },
                     {path, "uint8", "float32"});
  write_npy(path, Tensor::zeros({2, 32, 32}, DType::u8));
  test::expect_error([&] { read_npy(path, DType::u8, {-1, 32, 32, 3}); }, {path, "[2, 32, 32]"});
  std::ofstream(path, std::ios::binary) << "not numpy";
  test::expect_error([&] { read_npy(path); }, {path, "magic"});
}

TEST(NpyReader, TruncatedDataIsAnError) {
  const std::string path = temp_path("short.npy");
  write_npy(path, Tensor::zeros({100}, DType::i64));
  std::string bytes;
  {
    std::ifstream in(path, std::ios::binary);
    bytes.assign(std::istreambuf_iterator<char>(in), {});
  }
  std::ofstream(path, std::ios::binary | std::ios::trunc).write(bytes.data(), bytes.size() - 8);
  test::expect_error([&] { read_npy(path); }, {path, "truncated"});
}

// A .npy file of format 1.0 with the given header dict and `data_bytes` zero bytes after it.
void write_raw_npy(const std::string& path, const std::string& dict, size_t data_bytes) {
  std::string header = dict + "\n";
  const char prefix[10] = {'\x93', 'N', 'U', 'M', 'P', 'Y', 1, 0,
                           static_cast<char>(header.size() & 0xff),
                           static_cast<char>(header.size() >> 8)};
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out.write(prefix, 10) << header << std::string(data_bytes, '\0');
}

// A header's sizes are checked against the bytes present before anything is allocated, so a
// corrupt shape is an error naming the file, never an attempt to allocate what it claims.
TEST(NpyReader, HeaderSizesAreCheckedAgainstTheFileBeforeAllocating) {
  const std::string path = temp_path("corrupt.npy");
  const auto with_shape = [&](const std::string& shape) {
    write_raw_npy(path, "{'descr': '|u1', 'fortran_order': False, 'shape': " + shape + ", }", 64);
  };
  with_shape("(4096, 4096, 4096, 3)");  // 206 GB claimed, 64 bytes present
  test::expect_error([&] { read_npy(path); }, {path, "[4096, 4096, 4096, 3]", "64 bytes"});
  test::expect_error([&] { read_npy_rows(path, {0}); }, {path, "64 bytes"});
  with_shape("(999999999999999999, 99999)");  // the byte count overflows 64 bits
  test::expect_error([&] { read_npy(path); }, {path, "too large"});
  with_shape("(0, 74444444444444415, 430, 14330)");  // empty, but its strides would overflow
  test::expect_error([&] { read_npy(path); }, {path, "too large"});
  with_shape("(-3, 4)");
  test::expect_error([&] { read_npy(path); }, {path, "negative dimension"});
  with_shape("(3, x)");
  test::expect_error([&] { read_npy(path); }, {path, "unreadable shape"});
  with_shape("(8, 8)");  // exactly the bytes present
  EXPECT_EQ(read_npy(path).shape(), (Shape{8, 8}));
  with_shape("(0, 4096, 4096)");
  EXPECT_EQ(read_npy(path).numel(), 0);
  // A format 2.0 header length of 4 GiB in a file of a few bytes.
  std::ofstream(path, std::ios::binary | std::ios::trunc).write("\x93NUMPY\x02\x00\xff\xff\xff\xff{}", 14);
  test::expect_error([&] { read_npy(path); }, {path, "header length 4294967295 exceeds the file"});
}

TEST(LongTail, ReproducesTheCifar10LtCounts) {
  EXPECT_EQ(long_tail_counts(4500, 10, 100.0),
            (std::vector<int64_t>{4500, 2697, 1617, 969, 581, 348, 208, 125, 75, 45}));
}

TEST(LongTail, SubsetHasTheProfileAndIsSeeded) {
  std::vector<int64_t> labels(10 * 600);
  for (size_t i = 0; i < labels.size(); ++i) labels[i] = static_cast<int64_t>(i % 10);
  std::vector<int64_t> pool(labels.size());
  for (size_t i = 0; i < pool.size(); ++i) pool[i] = static_cast<int64_t>(i);
  std::vector<int64_t> a = make_long_tail_subset(labels, pool, 10, 500, 10.0, 7);
  std::vector<int64_t> counts = class_counts(labels, a, 10);
  std::sort(counts.rbegin(), counts.rend());
  EXPECT_EQ(counts, long_tail_counts(500, 10, 10.0));
  EXPECT_EQ(a, make_long_tail_subset(labels, pool, 10, 500, 10.0, 7));
  EXPECT_NE(a, make_long_tail_subset(labels, pool, 10, 500, 10.0, 8));
}

TEST(LongTail, OutOfRangeSplitIndexNamesTheFile) {
  const std::string path = temp_path("split.npy");
  write_npy(path, Tensor::from_vector<int64_t>({0, 5, 50000}, {3}));
  test::expect_error([&] { read_split_indices(path, 50000); }, {path, "50000", "position 2"});
  EXPECT_EQ(read_split_indices(path, 50001).size(), 3u);
}

}  // namespace
}  // namespace kdup
