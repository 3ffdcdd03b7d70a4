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
