// gather, index_select and concat: values, gradients (with repeated indices), bad input.
#include "test_util.h"

namespace kdup {
namespace {

using test::leaf;

TEST(Indexing, GatherPicksAlongEachDimension) {
  Tensor x = Tensor::from_vector<double>({1, 2, 3, 4, 5, 6}, {2, 3});
  Tensor along_cols = Tensor::from_vector<int64_t>({2, 0, 1, 1}, {2, 2});
  test::expect_close(gather(x, 1, along_cols).to_vector<double>(), {3, 1, 5, 5}, 0);
  Tensor along_rows = Tensor::from_vector<int64_t>({1, 0, 1}, {1, 3});
  test::expect_close(gather(x, 0, along_rows).to_vector<double>(), {4, 2, 6}, 0);
  EXPECT_EQ(gather(x, 0, along_rows).shape(), (Shape{1, 3}));
}

TEST(Indexing, GatherGradientAccumulatesRepeats) {
  Tensor index = Tensor::from_vector<int64_t>({0, 0, 3, 2, 1, 2, 2, 0}, {2, 4});
  test::expect_gradients_match(
      [index](const std::vector<Tensor>& in) { return gather(in[0], 1, index); },
      {leaf({2, 4}, 51)});
  Tensor rows = Tensor::from_vector<int64_t>({2, 2, 0, 1, 0, 2}, {2, 3});
  test::expect_gradients_match(
      [rows](const std::vector<Tensor>& in) { return gather(in[0], 0, rows); }, {leaf({3, 3}, 52)});
}

TEST(Indexing, IndexSelectPicksRows) {
  Tensor x = Tensor::from_vector<float>({1, 2, 3, 4, 5, 6}, {3, 2});
  Tensor y = index_select(x, Tensor::from_vector<int64_t>({2, 0, 2, 1}, {4}));
  EXPECT_EQ(y.shape(), (Shape{4, 2}));
  test::expect_close(y.to_vector<double>(), {5, 6, 1, 2, 5, 6, 3, 4}, 0);
}

TEST(Indexing, IndexSelectGradientAccumulatesRepeats) {
  Tensor index = Tensor::from_vector<int64_t>({1, 3, 1, 1, 0}, {5});
  test::expect_gradients_match(
      [index](const std::vector<Tensor>& in) { return index_select(in[0], index); },
      {leaf({4, 3}, 53)});
}

TEST(Indexing, ConcatJoinsAlongADimension) {
  Tensor a = Tensor::from_vector<double>({1, 2}, {1, 2});
  Tensor b = Tensor::from_vector<double>({3, 4, 5, 6}, {2, 2});
  test::expect_close(concat({a, b}, 0).to_vector<double>(), {1, 2, 3, 4, 5, 6}, 0);
  Tensor c = Tensor::from_vector<double>({7, 8}, {2, 1});
  test::expect_close(concat({b, c}, -1).to_vector<double>(), {3, 4, 7, 5, 6, 8}, 0);
  EXPECT_EQ(concat({b, c}, 1).shape(), (Shape{2, 3}));
}

TEST(Indexing, ConcatGradientDimZero) {
  test::expect_gradients_match(
      [](const std::vector<Tensor>& in) { return concat({in[0], in[1], in[2]}, 0); },
      {leaf({1, 3}, 54), leaf({2, 3}, 55), leaf({3, 3}, 56)});
}

TEST(Indexing, ConcatGradientDimOne) {
  test::expect_gradients_match(
      [](const std::vector<Tensor>& in) { return concat({in[0], in[1], in[2]}, 1); },
      {leaf({2, 1}, 57), leaf({2, 3}, 58), leaf({2, 2}, 59)});
}

TEST(Indexing, ConcatOfATransposedView) {
  Tensor a = Tensor::from_vector<double>({1, 2, 3, 4}, {2, 2});
  test::expect_close(concat({a.t(), a}, 0).to_vector<double>(), {1, 3, 2, 4, 1, 2, 3, 4}, 0);
}

TEST(Indexing, RejectsOutOfRangeIndices) {
  Tensor x = Tensor::zeros({2, 3});
  test::expect_error([&] { gather(x, 1, Tensor::from_vector<int64_t>({0, 3, 1, 2}, {2, 2})); },
                     {"gather", "3", "below 3"});
  test::expect_error([&] { gather(x, 0, Tensor::from_vector<int64_t>({0, -1, 1}, {1, 3})); },
                     {"gather", "-1", "below 2"});
  test::expect_error([&] { index_select(x, Tensor::from_vector<int64_t>({0, 1, 2}, {3})); },
                     {"index_select", "2", "below 2"});
}

TEST(Indexing, RejectsWrongIndexDtypeAndShape) {
  Tensor x = Tensor::zeros({2, 3});
  test::expect_error([&] { gather(x, 1, Tensor::zeros({2, 2})); }, {"gather", "int64", "float32"});
  test::expect_error([&] { index_select(x, Tensor::zeros({2}, DType::f64)); },
                     {"index_select", "int64", "float64"});
  test::expect_error([&] { gather(x, 1, Tensor::zeros({3, 1}, DType::i64)); },
                     {"gather", "[3, 1]", "[2, 3]"});
  test::expect_error([&] { index_select(x, Tensor::zeros({2, 1}, DType::i64)); },
                     {"index_select", "rank 1"});
}

TEST(Indexing, RejectsConcatShapeMismatch) {
  test::expect_error([] { concat({Tensor::zeros({2, 3}), Tensor::zeros({3, 2})}, 0); },
                     {"concat", "[3, 2]", "[2, 3]"});
  test::expect_error([] { concat({Tensor::zeros({2, 3}), Tensor::zeros({2, 3, 1})}, 0); },
                     {"concat", "[2, 3, 1]"});
  test::expect_error([] { concat({Tensor::zeros({2}), Tensor::zeros({2}, DType::f64)}, 0); },
                     {"concat", "float64"});
  test::expect_error([] { concat({}, 0); }, {"concat", "no tensors"});
}

}  // namespace
}  // namespace kdup
