// The per-element math the CUDA kernels share (ops/math/*.h, KDUP_HD), run on the CPU over every
// index and compared with the CPU kernels' results. This runs on every machine, GPU or not, so the
// GPU kernels' arithmetic is checked even where they cannot be launched.
#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <vector>

#include "cuda/allocator.h"
#include "ops/kernels.h"
#include "ops/ops.h"
#include "ops/math/batch_norm_math.h"
#include "ops/math/channel_math.h"
#include "ops/math/indexing_math.h"
#include "ops/math/pool_math.h"
#include "ops/math/reduce_math.h"
#include "ops/math/softmax_parallel_math.h"
#include "ops/math/sort_math.h"
#include "ops/math/strided_math.h"

namespace kdup {
namespace {

Tensor randn64(const Shape& shape, uint64_t seed) { return Tensor::randn(shape, seed, DType::f64); }

TEST(HostDeviceMath, StridedOffsetWalksViewsAsTheCpuCopy) {
  const Tensor base = randn64({4, 5, 3}, 1);
  // A permuted view and a broadcast view (stride 0 along the middle dimension).
  const std::vector<Tensor> views = {
      make_view(base, {3, 4, 5}, {1, 15, 3}, 0),
      make_view(base, {4, 6, 3}, {15, 0, 1}, 3),
  };
  for (const Tensor& view : views) {
    Tensor out = Tensor::empty(view.shape(), DType::f64);
    cpu::copy(view, out);
    const StridedLayout layout = strided_layout(view);
    const double* first = view.data<double>();
    const std::vector<double> expected = out.to_vector<double>();
    for (int64_t i = 0; i < out.numel(); ++i)
      ASSERT_EQ(first[strided_offset(layout, i)], expected[i]) << "element " << i;
  }
}

TEST(HostDeviceMath, ReductionsMatchTheCpuKernels) {
  const Tensor x = randn64({3, 7, 4}, 2);
  const double* px = x.data<double>();
  for (int64_t dim = 0; dim < 3; ++dim) {
    ReduceSplit s;
    for (int64_t d = 0; d < dim; ++d) s.outer *= x.shape()[d];
    s.n = x.shape()[dim];
    for (int64_t d = dim + 1; d < 3; ++d) s.inner *= x.shape()[d];
    Shape out_shape = x.shape();
    out_shape.erase(out_shape.begin() + dim);
    Tensor sums = Tensor::empty(out_shape, DType::f64), values = Tensor::empty(out_shape, DType::f64);
    Tensor indices = Tensor::empty(out_shape, DType::i64);
    cpu::sum_dim(x, dim, sums);
    cpu::max_dim(x, dim, values, indices);
    const std::vector<double> sum_v = sums.to_vector<double>(), max_v = values.to_vector<double>();
    const std::vector<int64_t> idx_v = indices.to_vector<int64_t>();
    for (int64_t j = 0; j < s.outer * s.inner; ++j) {
      double total = 0;
      ArgMax<double> best{px[reduce_input_offset(s, j, 0)], 0};
      for (int64_t k = 0; k < s.n; ++k) {
        total += px[reduce_input_offset(s, j, k)];
        best = argmax_combine(best, {px[reduce_input_offset(s, j, k)], k});
      }
      EXPECT_NEAR(total, sum_v[j], 1e-12) << "dim " << dim << " output " << j;
      EXPECT_EQ(best.value, max_v[j]) << "dim " << dim << " output " << j;
      EXPECT_EQ(best.index, idx_v[j]) << "dim " << dim << " output " << j;
    }
  }
}

TEST(HostDeviceMath, ArgmaxCombineIsOrderFreeWithTiesAndNaN) {
  const double nan = std::numeric_limits<double>::quiet_NaN();
  const std::vector<std::vector<double>> rows = {
      {1, 3, 2, 3, 0, 3}, {-1, -1, -1, -1}, {1, nan, 5, nan, 2}, {2, 7, 1, 7, 7, 0, 6, 7}};
  for (const std::vector<double>& row : rows) {
    const int64_t n = static_cast<int64_t>(row.size());
    Tensor x = Tensor::from_vector<double>(row, {1, n});
    Tensor value = Tensor::empty({1}, DType::f64), index = Tensor::empty({1}, DType::i64);
    cpu::max_dim(x, 1, value, index);
    // A pairwise tree, the shape of a block reduction, combining later candidates first.
    std::vector<ArgMax<double>> level;
    for (int64_t k = 0; k < n; ++k) level.push_back({row[k], k});
    while (level.size() > 1) {
      std::vector<ArgMax<double>> next;
      for (size_t i = 0; i + 1 < level.size(); i += 2) next.push_back(argmax_combine(level[i + 1], level[i]));
      if (level.size() % 2) next.push_back(level.back());
      level = next;
    }
    EXPECT_EQ(level[0].index, index.to_vector<int64_t>()[0]);
  }
}

TEST(HostDeviceMath, GatherAndRowSelectionMatchTheCpuKernels) {
  const Tensor x = randn64({3, 6, 2}, 3);
  const std::vector<int64_t> picks = {5, 0, 0, 2, 1, 3, 4, 4, 0, 1, 2, 5, 3, 3, 0, 1, 5, 2};
  const Tensor index = Tensor::from_vector<int64_t>(picks, {3, 3, 2});
  Tensor out = Tensor::empty({3, 3, 2}, DType::f64);
  cpu::gather_dim(x, 1, index, out);
  GatherSplit s;
  s.n = 6;
  s.inner = 2;
  s.m = 3;
  s.inner_index = 2;
  const std::vector<double> expected = out.to_vector<double>();
  for (int64_t at = 0; at < index.numel(); ++at)
    EXPECT_EQ(x.data<double>()[gather_offset(s, at, picks[at])], expected[at]) << at;

  const Tensor rows = randn64({5, 4}, 4);
  const std::vector<int64_t> row_picks = {4, 0, 4, 2};
  const Tensor row_index = Tensor::from_vector<int64_t>(row_picks, {4});
  Tensor selected = Tensor::empty({4, 4}, DType::f64);
  cpu::index_select_rows(rows, row_index, selected);
  const std::vector<double> sel = selected.to_vector<double>();
  for (int64_t at = 0; at < 16; ++at)
    EXPECT_EQ(rows.data<double>()[selected_row_offset(at, 4, row_picks.data())], sel[at]) << at;
}

TEST(HostDeviceMath, SoftmaxTermsMatchTheCpuKernels) {
  const int64_t rows = 4, n = 9;
  const Tensor x = randn64({rows, n}, 5) * 3.0;
  const Tensor g = randn64({rows, n}, 6);
  for (bool log : {false, true}) {
    Tensor y = Tensor::empty({rows, n}, DType::f64), gx = Tensor::empty({rows, n}, DType::f64);
    cpu::softmax_rows(x, log, y);
    cpu::softmax_rows_backward(y, g, log, gx);
    const double *px = x.data<double>(), *py = y.data<double>(), *pg = g.data<double>();
    const double* pgx = gx.data<double>();
    for (int64_t r = 0; r < rows; ++r) {
      double m = -INFINITY, total = 0, term_sum = 0;
      for (int64_t k = 0; k < n; ++k) m = std::max(m, px[r * n + k]);
      for (int64_t k = 0; k < n; ++k) total += softmax_exp_term(px[r * n + k], m);
      for (int64_t k = 0; k < n; ++k) term_sum += softmax_backward_term(py[r * n + k], pg[r * n + k], log);
      for (int64_t k = 0; k < n; ++k) {
        const int64_t at = r * n + k;
        EXPECT_NEAR(softmax_output(px[at], m, total, log), py[at], 1e-14) << "log " << log << " " << at;
        EXPECT_NEAR(softmax_grad_input(py[at], pg[at], term_sum, log), pgx[at], 1e-14)
            << "log " << log << " " << at;
      }
    }
  }
}

TEST(HostDeviceMath, TopkIsTheHeadOfTheStableArgsort) {
  const int64_t rows = 3, n = 8, k = 3;
  Tensor x = Tensor::from_vector<double>({1, 3, 3, 0, 2, 3, 1, 0,  //
                                          5, 4, 3, 2, 1, 0, -1, -2,  //
                                          0, 0, 0, 0, 0, 0, 0, 0},
                                         {rows, n});
  for (bool largest : {true, false}) {
    Tensor order = Tensor::empty({rows, n}, DType::i64);
    Tensor values = Tensor::empty({rows, k}, DType::f64), indices = Tensor::empty({rows, k}, DType::i64);
    cpu::argsort_rows(x, largest, order);
    cpu::topk_rows(x, k, largest, values, indices);
    const std::vector<int64_t> ord = order.to_vector<int64_t>(), idx = indices.to_vector<int64_t>();
    const std::vector<double> val = values.to_vector<double>();
    for (int64_t at = 0; at < rows * k; ++at) {
      const int64_t from = topk_source_offset(at, k, n);
      EXPECT_EQ(ord[from], idx[at]) << "largest " << largest << " " << at;
      EXPECT_EQ(x.data<double>()[(at / k) * n + ord[from]], val[at]);
    }
  }
}

TEST(HostDeviceMath, BatchNormMatchesTheCpuKernels) {
  const int64_t batch = 3, channels = 4, spatial = 5, count = batch * spatial;
  const Tensor x = randn64({batch, channels, spatial}, 7) * 2.0 + 1.0;
  const Tensor gamma = randn64({channels}, 8), beta = randn64({channels}, 9);
  const Tensor gy = randn64({batch, channels, spatial}, 10);
  const double eps = 1e-5;
  Tensor y = Tensor::empty(x.shape(), DType::f64), mean = Tensor::empty({channels}, DType::f64);
  Tensor invstd = Tensor::empty({channels}, DType::f64);
  cpu::batch_norm_forward_train(x, gamma, beta, eps, false, y, mean, invstd);
  Tensor gx = Tensor::empty(x.shape(), DType::f64), gg = Tensor::empty({channels}, DType::f64);
  Tensor gb = Tensor::empty({channels}, DType::f64);
  cpu::batch_norm_backward(gy, Tensor(), x, gamma, mean, invstd, gx, gg, gb);
  Tensor y_eval = Tensor::empty(x.shape(), DType::f64);
  const Tensor running_var = invstd;  // any positive per-channel values serve
  cpu::batch_norm_forward_eval(x, gamma, beta, mean, running_var, eps, false, y_eval);

  const double *px = x.data<double>(), *pg = gamma.data<double>(), *pb = beta.data<double>();
  const double* pgy = gy.data<double>();
  for (int64_t c = 0; c < channels; ++c) {
    double total = 0, squares = 0, sum_g = 0, sum_g_xhat = 0;
    for (int64_t j = 0; j < count; ++j) total += px[channel_element_offset(c, j, spatial, channels)];
    const double m = total / count;
    for (int64_t j = 0; j < count; ++j) {
      const double d = px[channel_element_offset(c, j, spatial, channels)] - m;
      squares += d * d;
    }
    const double s = batch_norm_invstd(squares / count, eps);
    EXPECT_NEAR(m, mean.data<double>()[c], 1e-12);
    EXPECT_NEAR(s, invstd.data<double>()[c], 1e-12);
    for (int64_t j = 0; j < count; ++j) {
      const int64_t at = channel_element_offset(c, j, spatial, channels);
      sum_g += pgy[at];
      sum_g_xhat += pgy[at] * ((px[at] - m) * s);
    }
    EXPECT_NEAR(sum_g, gb.data<double>()[c], 1e-12);
    EXPECT_NEAR(sum_g_xhat, gg.data<double>()[c], 1e-12);
    const double eval_invstd = batch_norm_invstd(running_var.data<double>()[c], eps);
    for (int64_t j = 0; j < count; ++j) {
      const int64_t at = channel_element_offset(c, j, spatial, channels);
      ASSERT_EQ(channel_of(at, spatial, channels), c);
      EXPECT_NEAR(batch_norm_output(px[at], m, s, pg[c], pb[c]), y.data<double>()[at], 1e-12);
      EXPECT_NEAR(batch_norm_output(px[at], m, eval_invstd, pg[c], pb[c]),
                  y_eval.data<double>()[at], 1e-12);
      EXPECT_NEAR(batch_norm_grad_input(pgy[at], (px[at] - m) * s, pg[c], s, count, sum_g, sum_g_xhat),
                  gx.data<double>()[at], 1e-12);
    }
  }
}

TEST(HostDeviceMath, MaxPoolWindowsMatchTheCpuKernels) {
  const int64_t planes = 2, height = 7, width = 6;
  Tensor x = randn64({1, planes, height, width}, 11);
  x.data<double>()[8] = x.data<double>()[9] = 10.0;  // a tie inside one window
  for (const Pool2dParams p : {Pool2dParams{2, 2, 0}, Pool2dParams{3, 2, 1}, Pool2dParams{3, 1, 1}}) {
    const int64_t oh_n = window_output_size(height, p.kernel, p.stride, p.padding);
    const int64_t ow_n = window_output_size(width, p.kernel, p.stride, p.padding);
    Tensor y = Tensor::empty({1, planes, oh_n, ow_n}, DType::f64);
    Tensor indices = Tensor::empty({1, planes, oh_n, ow_n}, DType::i64);
    cpu::max_pool2d_forward(x, p, y, indices);
    const Tensor gy = randn64(y.shape(), 12);
    Tensor gx = Tensor::empty(x.shape(), DType::f64);
    cpu::max_pool2d_backward(gy, indices, p, gx);
    std::vector<double> accumulated(static_cast<size_t>(x.numel()), 0.0);
    for (int64_t at = 0; at < y.numel(); ++at) {
      const int64_t ow = at % ow_n, oh = (at / ow_n) % oh_n, plane = at / (ow_n * oh_n);
      double value = 0;
      int64_t index = -1;
      max_pool_window(x.data<double>() + plane * height * width, height, width, oh, ow, p, value, index);
      EXPECT_EQ(value, y.data<double>()[at]) << at;
      EXPECT_EQ(index, indices.data<int64_t>()[at]) << at;
      accumulated[max_pool_grad_target(at, oh_n * ow_n, height * width, index)] += gy.data<double>()[at];
    }
    const std::vector<double> expected = gx.to_vector<double>();
    for (size_t i = 0; i < accumulated.size(); ++i) EXPECT_NEAR(accumulated[i], expected[i], 1e-12) << i;
  }
}

TEST(HostDeviceMath, AllocatorSizeClasses) {
  using cuda::allocation_size_class;
  EXPECT_EQ(allocation_size_class(0), 512u);
  EXPECT_EQ(allocation_size_class(1), 512u);
  EXPECT_EQ(allocation_size_class(512), 512u);
  EXPECT_EQ(allocation_size_class(513), 1024u);
  EXPECT_EQ(allocation_size_class((1u << 20) - 1), size_t(1) << 20);
  EXPECT_EQ(allocation_size_class(1u << 20), size_t(2) << 20);
  EXPECT_EQ(allocation_size_class((2u << 20) + 1), size_t(4) << 20);
}

}  // namespace
}  // namespace kdup
