// The deterministic variants of the CUDA scatter kernels (run.deterministic): their per-element
// math (ops/math/indexing_math.h, pool_math.h) run on the host over every element must give the
// CPU kernels' results exactly — the same additions in the same order — with repeated targets.
#include <gtest/gtest.h>

#include <algorithm>
#include <numeric>
#include <vector>

#include "ops/kernels.h"
#include "ops/math/indexing_math.h"
#include "ops/math/pool_math.h"
#include "ops/ops.h"

namespace kdup {
namespace {

Tensor randn64(const Shape& shape, uint64_t seed) { return Tensor::randn(shape, seed, DType::f64); }

TEST(DeterministicScatterMath, ScatterAddGatheredEqualsTheCpuScatter) {
  // target [4, 6, 3] along dim 1 from an index [4, 5, 2]: repeats, and a narrower inner size.
  std::vector<int64_t> picks;
  for (int64_t i = 0; i < 4 * 5 * 2; ++i) picks.push_back((i * 7 + i / 3) % 6);
  const Tensor index = Tensor::from_vector<int64_t>(picks, {4, 5, 2});
  const Tensor src = randn64({4, 5, 2}, 1), start = randn64({4, 6, 3}, 2);
  Tensor expected = start.clone();
  cpu::scatter_add_dim(src, 1, index, expected);

  GatherSplit s;
  s.n = 6;
  s.inner = 3;
  s.m = 5;
  s.inner_index = 2;
  const double* before = start.data<double>();
  const std::vector<double> want = expected.to_vector<double>();
  for (int64_t at = 0; at < start.numel(); ++at)
    EXPECT_EQ(scatter_add_gathered(s, 4, at, before[at], src.data<double>(),
                                   index.data<int64_t>()),
              want[at])
        << "element " << at;
}

TEST(DeterministicScatterMath, IndexAddRunsAfterAStableSortEqualTheCpu) {
  const std::vector<int64_t> rows = {4, 0, 4, 2, 1, 4, 0, 2};
  const int64_t width = 3;
  const Tensor index = Tensor::from_vector<int64_t>(rows, {8});
  const Tensor src = randn64({8, width}, 3), start = randn64({5, width}, 4);
  Tensor expected = start.clone();
  cpu::index_add_rows(src, index, expected);

  // What the CUDA path's radix sort gives: rows ascending, equal rows in source order.
  std::vector<int64_t> order(rows.size());
  std::iota(order.begin(), order.end(), 0);
  std::stable_sort(order.begin(), order.end(),
                   [&](int64_t a, int64_t b) { return rows[a] < rows[b]; });
  std::vector<int64_t> sorted_rows;
  for (int64_t o : order) sorted_rows.push_back(rows[o]);
  std::vector<double> out = start.to_vector<double>();
  const int64_t n = static_cast<int64_t>(rows.size());
  for (int64_t t = 0; t < n * width; ++t)
    index_add_run(t / width, t % width, n, width, sorted_rows.data(), order.data(),
                  src.data<double>(), out.data());
  EXPECT_EQ(out, expected.to_vector<double>());
}

TEST(DeterministicScatterMath, MaxPoolGradGatheredEqualsTheCpuBackward) {
  const int64_t planes = 3, height = 16, width = 13;
  // Ties and a constant region, so that one input is the maximum of several windows.
  Tensor x = randn64({1, planes, height, width}, 5);
  for (int64_t i = 0; i < 20; ++i) x.data<double>()[i] = 7.0;
  for (const Pool2dParams p : {Pool2dParams{3, 2, 1}, Pool2dParams{2, 2, 0},
                               Pool2dParams{3, 1, 1}, Pool2dParams{5, 3, 2}}) {
    SCOPED_TRACE(::testing::Message() << "kernel " << p.kernel << " stride " << p.stride
                                      << " padding " << p.padding);
    const int64_t out_h = window_output_size(height, p.kernel, p.stride, p.padding);
    const int64_t out_w = window_output_size(width, p.kernel, p.stride, p.padding);
    Tensor y = Tensor::empty({1, planes, out_h, out_w}, DType::f64);
    Tensor indices = Tensor::empty({1, planes, out_h, out_w}, DType::i64);
    cpu::max_pool2d_forward(x, p, y, indices);
    const Tensor gy = randn64(y.shape(), 6);
    Tensor gx = Tensor::empty(x.shape(), DType::f64);
    cpu::max_pool2d_backward(gy, indices, p, gx);
    const std::vector<double> want = gx.to_vector<double>();
    int64_t receiving = 0;
    for (int64_t at = 0; at < x.numel(); ++at) {
      const int64_t w = at % width, h = (at / width) % height, plane = at / (width * height);
      const int64_t out_offset = plane * out_h * out_w;
      const double got =
          max_pool_grad_gathered(gy.data<double>() + out_offset,
                                 indices.data<int64_t>() + out_offset, out_h, out_w, width, h, w, p);
      ASSERT_EQ(got, want[at]) << "plane " << plane << " h " << h << " w " << w;
      receiving += got != 0;
    }
    EXPECT_GT(receiving, 0);
  }
}

}  // namespace
}  // namespace kdup
