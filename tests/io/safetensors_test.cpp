// safetensors round trip, atomic writes and errors naming the file.
#include <fstream>

#include "io/safetensors.h"
#include "test_util.h"

namespace kdup {
namespace {

TEST(Safetensors, RoundTripsTensorsAndMetadata) {
  const std::string path = ::testing::TempDir() + "/kdup_round.safetensors";
  Tensor a = Tensor::randn({3, 4}, 1);
  Tensor b = Tensor::from_vector<int64_t>({7, -2}, {2});
  Tensor c = Tensor::randn({2}, 2, DType::f64);
  Tensor d = Tensor::full({5}, 9, DType::u8);
  write_safetensors(path, {{"a", a}, {"b", b}, {"c", c}, {"d", d}}, {{"epoch", "3"}});
  SafetensorsFile f = read_safetensors(path);
  ASSERT_EQ(f.tensors.size(), 4u);
  EXPECT_EQ(f.tensors[0].first, "a");  // file order kept
  EXPECT_EQ(f.at("a").to_vector<float>(), a.to_vector<float>());
  EXPECT_EQ(f.at("b").to_vector<int64_t>(), b.to_vector<int64_t>());
  EXPECT_EQ(f.at("c").to_vector<double>(), c.to_vector<double>());
  EXPECT_EQ(f.at("d").to_vector<uint8_t>(), d.to_vector<uint8_t>());
  EXPECT_EQ(f.metadata.at("epoch"), "3");
  EXPECT_FALSE(f.contains("e"));
  test::expect_error([&] { f.at("e"); }, {"'e'"});
}

TEST(Safetensors, TruncatedFileNamesTheFileAndTheTensor) {
  const std::string path = ::testing::TempDir() + "/kdup_trunc.safetensors";
  write_safetensors(path, {{"weights", Tensor::zeros({100})}});
  std::string bytes;
  {
    std::ifstream in(path, std::ios::binary);
    bytes.assign(std::istreambuf_iterator<char>(in), {});
  }
  std::ofstream(path, std::ios::binary | std::ios::trunc).write(bytes.data(), bytes.size() - 10);
  test::expect_error([&] { read_safetensors(path); }, {path, "weights"});
  test::expect_error([&] { read_safetensors(path + ".missing"); }, {".missing", "cannot open"});
}

// A safetensors file: the 8-byte length, the JSON header as given, then `data_bytes` zero bytes.
void write_raw_safetensors(const std::string& path, const std::string& header, size_t data_bytes,
                           uint64_t declared_length = 0) {
  const uint64_t length = declared_length ? declared_length : header.size();
  char le[8];
  for (int i = 0; i < 8; ++i) le[i] = static_cast<char>(length >> (8 * i));
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out.write(le, 8) << header << std::string(data_bytes, '\0');
}

// Every size in the header is checked against the bytes present before anything is allocated.
TEST(Safetensors, HeaderSizesAreCheckedAgainstTheFileBeforeAllocating) {
  const std::string path = ::testing::TempDir() + "/kdup_corrupt.safetensors";
  const auto entry = [](const std::string& shape, const std::string& offsets) {
    return R"({"w": {"dtype": "F32", "shape": )" + shape + R"(, "data_offsets": )" + offsets + "}}";
  };
  write_raw_safetensors(path, entry("[4096, 4096, 4096]", "[0, 274877906944]"), 16);
  test::expect_error([&] { read_safetensors(path); }, {path, "'w'", "16 bytes"});
  write_raw_safetensors(path, entry("[4611686018427387904, 8]", "[0, 0]"), 16);
  test::expect_error([&] { read_safetensors(path); }, {path, "'w'", "too large"});
  write_raw_safetensors(path, entry("[-2, 2]", "[0, 16]"), 16);
  test::expect_error([&] { read_safetensors(path); }, {path, "negative dimension"});
  write_raw_safetensors(path, entry("[2, 1e22]", "[0, 16]"), 16);  // found by fuzz_safetensors
  test::expect_error([&] { read_safetensors(path); }, {path, "'w'", "1e+22", "not an integer"});
  write_raw_safetensors(path, entry("[2]", "[18446744073709551615, 7]"), 16);
  test::expect_error([&] { read_safetensors(path); }, {path, "'w'", "bad byte range"});
  write_raw_safetensors(path, entry("[4]", "[8, 24]"), 16);  // past the end of the data
  test::expect_error([&] { read_safetensors(path); }, {path, "'w'", "bad byte range"});
  write_raw_safetensors(path, entry("[4]", "[0, 16]"), 16);
  EXPECT_EQ(read_safetensors(path).at("w").numel(), 4);
  write_raw_safetensors(path, "{}", 0, uint64_t{1} << 40);
  test::expect_error([&] { read_safetensors(path); }, {path, "header length", "exceeds"});
  write_raw_safetensors(path, "[1, 2]", 0);
  test::expect_error([&] { read_safetensors(path); }, {path, "not a JSON object"});
  write_raw_safetensors(path, R"({"__metadata__": {"epoch": 3}})", 0);
  test::expect_error([&] { read_safetensors(path); }, {path, "__metadata__"});
}

TEST(Safetensors, WritingReplacesTheFileAtomically) {
  const std::string path = ::testing::TempDir() + "/kdup_atomic.safetensors";
  write_safetensors(path, {{"x", Tensor::ones({2})}});
  write_safetensors(path, {{"x", Tensor::zeros({3})}});
  EXPECT_EQ(read_safetensors(path).at("x").numel(), 3);
  std::ifstream tmp(path + ".tmp");
  EXPECT_FALSE(tmp.good());  // no temporary left behind
}

}  // namespace
}  // namespace kdup
