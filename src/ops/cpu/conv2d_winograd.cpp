// Winograd F(4x4, 3x3) convolution (Lavin and Gray, "Fast Algorithms for Convolutional Neural
// Networks", 2016) for the 3x3, stride-1, padding-1 convolutions of 16 to 128 channels in and out
// (the first two stages of ResNet-18, all four at the CPU configs' width), float32 channels-last
// activations, on CPUs with AVX-512. oneDNN's direct kernels spend 4x the multiplications; its
// own Winograd runs on its blocked layout (activations reordered in and out) with scratch memory
// for the whole batch, and is slower below 64 channels.
//
// Each 4x4 output tile Y comes from the 6x6 input tile d around it, per pair of input and output
// channels and summed over the input channels:
//   Y = A^T [(G g G^T) ⊙ (B^T d B)] A,  g the 3x3 kernel, with
//   B^T = [4  0 -5  0 1 0     G = [ 1/4     0     0      A^T = [1 1  1 1  1 0
//          0 -4 -4  1 1 0          -1/6  -1/6  -1/6             0 1 -1 2 -2 0
//          0  4 -4 -1 1 0          -1/6   1/6  -1/6             0 1  1 4  4 0
//          0 -2 -1  2 1 0          1/24  1/12   1/6             0 1 -1 8 -8 1].
//          0  2 -1 -2 1 0          1/24 -1/12   1/6
//          0  4  0 -5 0 1],           0     0     1],
// The 36 points p of the transformed 6x6 tile are independent: summed over channels, each is a
// matrix product M[t, p, :] = V[t, p, :] U[p] of the transformed input tiles (V = B^T d B) and
// kernels (U = G g G^T), where the time goes. Outputs past the image edge are computed and
// dropped. The transforms cost precision: against the direct sum the float32 error is 2e-6 to
// 6e-6 of the largest output in the tests (2e-7 direct, 1.5e-6 to 2.2e-6 for oneDNN's Winograd).
// - Backward data is the forward of dy with the flipped, transposed kernel: the identity in
//   conv2d_onednn.cpp.
// - Backward weight takes the transposes in reverse order: with Z = A dY A^T per tile,
//   dU[p] = sum over tiles of V[t, p]^T Z[t, p], and dW = G^T dU G.
// Tiles go in blocks of whole tile rows, about 32 tiles, whose transformed values stay in the
// core's cache; blocks run in parallel.
#include <omp.h>

#include <algorithm>
#include <vector>

#include "ops/cpu/conv2d_paths.h"

namespace kdup::cpu {

namespace {

// The kernels below are compiled for AVX-512 whatever the build's target; they run only where
// the CPU has it (winograd_conv_applies).
#define KDUP_AVX512 __attribute__((target("avx512f")))

using Vec = float __attribute__((vector_size(64)));  // 16 channels: one AVX-512 register
constexpr int kLanes = 16;
constexpr int kTile = 4;     // output tile side
constexpr int kSpan = 6;     // input tile side, kTile + 2
constexpr int kPoints = 36;  // of the transformed 6x6 tile, p = 6 * row + column
constexpr int64_t kBlockTiles = 32;

// The 36 planes of transformed kernels (and of their gradients) lie one plane of in x out values
// plus a cache line apart: a power of two apart, a kernel's 36 values would fall into the same
// cache sets and evict each other.
int64_t plane_size(int64_t in, int64_t out) { return in * out + kLanes; }

KDUP_AVX512 inline Vec load(const float* p) {
  Vec v;
  __builtin_memcpy(&v, p, sizeof v);
  return v;
}

KDUP_AVX512 inline void store(float* p, Vec v) { __builtin_memcpy(p, &v, sizeof v); }

// sum[0..16) += v, in double.
KDUP_AVX512 inline void add_in_double(double* sum, Vec v) {
  using Half = float __attribute__((vector_size(32)));
  using Doubles = double __attribute__((vector_size(64)));
  const Half halves[2] = {__builtin_shufflevector(v, v, 0, 1, 2, 3, 4, 5, 6, 7),
                          __builtin_shufflevector(v, v, 8, 9, 10, 11, 12, 13, 14, 15)};
  for (int h = 0; h < 2; ++h) {
    Doubles d;
    __builtin_memcpy(&d, sum + 8 * h, sizeof d);
    d += __builtin_convertvector(halves[h], Doubles);
    __builtin_memcpy(sum + 8 * h, &d, sizeof d);
  }
}

// The three 1-D transforms, each applied to the columns of a tile and then to its rows.
// r = B^T d
KDUP_AVX512 inline void input_transform(const Vec d[kSpan], Vec r[kSpan]) {
  const Vec a = d[4] - 4 * d[2], b = d[3] - 4 * d[1], c = d[4] - d[2], e = 2 * (d[3] - d[1]);
  r[0] = 4 * d[0] - 5 * d[2] + d[4];
  r[1] = a + b;
  r[2] = a - b;
  r[3] = c + e;
  r[4] = c - e;
  r[5] = 4 * d[1] - 5 * d[3] + d[5];
}

// o = A^T m
KDUP_AVX512 inline void output_transform(const Vec m[kSpan], Vec o[kTile]) {
  const Vec a = m[1] + m[2], b = m[1] - m[2], c = m[3] + m[4], e = m[3] - m[4];
  o[0] = m[0] + a + c;
  o[1] = b + 2 * e;
  o[2] = a + 4 * c;
  o[3] = b + 8 * e + m[5];
}

// z = A e
KDUP_AVX512 inline void gradient_transform(const Vec e[kTile], Vec z[kSpan]) {
  const Vec a = e[0] + e[2], b = e[1] + e[3], c = e[0] + 4 * e[2], f = 2 * e[1] + 8 * e[3];
  z[0] = e[0];
  z[1] = a + b;
  z[2] = a - b;
  z[3] = c + f;
  z[4] = c - f;
  z[5] = e[3];
}

// Output tile (row, col) covers output rows 4 row .. 4 row + 3 and the same columns, and reads
// input rows 4 row - 1 .. 4 row + 4 and the same columns (zero outside). The rows of tiles of all
// images are numbered one after the other, r = image * tile_rows + row, and cut into blocks of
// rows_per_block, which may span images.
struct Tiling {
  int64_t batch, height, width, tile_rows, tile_cols, rows_per_block;

  explicit Tiling(const Shape& s)
      : batch(s[0]),
        height(s[2]),
        width(s[3]),
        tile_rows((s[2] + kTile - 1) / kTile),
        tile_cols((s[3] + kTile - 1) / kTile),
        rows_per_block(std::max<int64_t>(kBlockTiles / tile_cols, 1)) {}
  int64_t blocks() const { return (batch * tile_rows + rows_per_block - 1) / rows_per_block; }
  int64_t max_block_tiles() const { return rows_per_block * tile_cols; }
  int64_t image(int64_t r) const { return r / tile_rows; }
  int64_t row(int64_t r) const { return r % tile_rows; }
};

// Tile rows [first, end); tile t = (r - first) * tile_cols + col.
struct Block {
  int64_t first, end;

  Block(const Tiling& g, int64_t b)
      : first(b * g.rows_per_block),
        end(std::min(g.batch * g.tile_rows, first + g.rows_per_block)) {}
  int64_t tiles(const Tiling& g) const { return (end - first) * g.tile_cols; }
};

// The rows of an activation [N, H, W, channels] that block b reads: its tiles' output rows,
// widened by `margin` on each side (1 for the input). They lie in one stretch of memory, which
// the kernels load into the cache while the previous block's products keep the vector units
// busy: the blocks' short rows leave the hardware prefetchers too little to go on.
struct Rows {
  const char* begin = nullptr;
  int64_t bytes = 0;

  Rows(const float* a, const Tiling& g, int64_t b, int64_t channels, int margin) {
    if (b >= g.blocks()) return;
    const Block block(g, b);
    const int64_t first = g.row(block.first), last = g.row(block.end - 1);
    const int64_t h0 =
        g.image(block.first) * g.height + std::max<int64_t>(kTile * first - margin, 0);
    const int64_t h1 =
        g.image(block.end - 1) * g.height + std::min(kTile * (last + 1) + margin, g.height);
    const int64_t row_values = g.width * channels;
    begin = reinterpret_cast<const char*>(a + h0 * row_values);
    bytes = (h1 - h0) * row_values * static_cast<int64_t>(sizeof(float));
  }
  // Part `part` of `parts`.
  void prefetch(int part, int parts) const {
    constexpr int64_t kLine = 64;
    for (int64_t at = bytes * part / parts / kLine * kLine; at < bytes * (part + 1) / parts;
         at += kLine)
      __builtin_prefetch(begin + at);
  }
};

// out[p][c] = (B^T d B)[p] of channel c for the tile whose input columns start at w0, its rows
// in_row (null outside the image); Inside when the whole tile lies inside the image.
template <int C, bool Inside>
KDUP_AVX512 void transform_input_tile(const float* const in_row[kSpan], int64_t w0, int64_t width,
                                      float* out) {
  for (int c = 0; c < C; c += kLanes) {
    Vec r[kSpan][kSpan];  // B^T d, column by column
    for (int j = 0; j < kSpan; ++j) {
      const int64_t w = w0 + j;
      Vec d[kSpan];
      for (int i = 0; i < kSpan; ++i)
        d[i] = Inside || (in_row[i] && w >= 0 && w < width) ? load(in_row[i] + w * C + c) : Vec{};
      Vec column[kSpan];
      input_transform(d, column);
      for (int i = 0; i < kSpan; ++i) r[i][j] = column[i];
    }
    for (int i = 0; i < kSpan; ++i) {  // (B^T d) B, row by row
      Vec transformed[kSpan];
      input_transform(r[i], transformed);
      for (int j = 0; j < kSpan; ++j) store(out + (kSpan * i + j) * C + c, transformed[j]);
    }
  }
}

// v[t][p][c] for the tiles of a block of x [N, H, W, C].
template <int C>
KDUP_AVX512 void transform_input(const float* x, const Tiling& g, const Block& b, float* v) {
  for (int64_t r = b.first; r < b.end; ++r) {
    const float* in_row[kSpan];
    bool rows_inside = true;
    for (int i = 0; i < kSpan; ++i) {
      const int64_t h = kTile * g.row(r) - 1 + i;
      in_row[i] = h >= 0 && h < g.height ? x + (g.image(r) * g.height + h) * g.width * C : nullptr;
      rows_inside = rows_inside && in_row[i];
    }
    for (int64_t col = 0; col < g.tile_cols; ++col) {
      const int64_t w0 = kTile * col - 1;
      float* out = v + ((r - b.first) * g.tile_cols + col) * kPoints * C;
      if (rows_inside && w0 >= 0 && w0 + kSpan <= g.width)
        transform_input_tile<C, true>(in_row, w0, g.width, out);
      else
        transform_input_tile<C, false>(in_row, w0, g.width, out);
    }
  }
}

// m[t][p][k] = sum_c v[t][p][c] u[p][c][k] for `Tiles` tiles from t, output channels k..k+15:
// the tiles' sums run side by side to keep the vector units busy. Each 16 channels are summed
// on their own and then added up, which halves the rounding error of one running sum over 128.
template <int C, int K, int Tiles>
KDUP_AVX512 void multiply_tiles(const float* v, const float* u, int64_t t, int p, int k, float* m) {
  const float* vt = v + (t * kPoints + p) * C;
  const float* up = u + p * plane_size(C, K) + k;
  float* mt = m + (t * kPoints + p) * K + k;
  for (int c0 = 0; c0 < C; c0 += kLanes) {
    Vec acc[Tiles] = {};
    for (int c = c0; c < c0 + kLanes; ++c) {
      const Vec weights = load(up + c * K);
      for (int j = 0; j < Tiles; ++j) acc[j] += weights * vt[j * kPoints * C + c];
    }
    for (int j = 0; j < Tiles; ++j) {
      float* out = mt + j * kPoints * K;
      store(out, c0 == 0 ? acc[j] : load(out) + acc[j]);
    }
  }
}

// m = v u for the tiles of a block, point by point, while the next block's rows come in.
template <int C, int K>
KDUP_AVX512 void multiply(const float* v, const float* u, int64_t tiles, float* m,
                          const Rows& next) {
  constexpr int kSideBySide = 16;
  for (int p = 0; p < kPoints; ++p) {
    next.prefetch(p, kPoints);
    for (int k = 0; k < K; k += kLanes) {
      int64_t t = 0;
      for (; t + kSideBySide <= tiles; t += kSideBySide)
        multiply_tiles<C, K, kSideBySide>(v, u, t, p, k, m);
      for (; t < tiles; ++t) multiply_tiles<C, K, 1>(v, u, t, p, k, m);
    }
  }
}

// y = A^T M A for the tiles of a block, y [N, H, W, K]: the outputs inside the image.
template <int K>
KDUP_AVX512 void transform_output(const float* m, const Tiling& g, const Block& b, float* y) {
  for (int64_t r = b.first; r < b.end; ++r)
    for (int64_t col = 0; col < g.tile_cols; ++col) {
      const float* mt = m + ((r - b.first) * g.tile_cols + col) * kPoints * K;
      for (int k = 0; k < K; k += kLanes) {
        Vec am[kTile][kSpan];  // A^T M, column by column
        for (int j = 0; j < kSpan; ++j) {
          Vec column[kSpan], reduced[kTile];
          for (int i = 0; i < kSpan; ++i) column[i] = load(mt + (kSpan * i + j) * K + k);
          output_transform(column, reduced);
          for (int i = 0; i < kTile; ++i) am[i][j] = reduced[i];
        }
        for (int i = 0; i < kTile; ++i) {  // (A^T M) A, row by row
          const int64_t h = kTile * g.row(r) + i;
          if (h >= g.height) break;
          Vec out[kTile];
          output_transform(am[i], out);
          float* y_row = y + (g.image(r) * g.height + h) * g.width * K + k;
          for (int j = 0; j < kTile && kTile * col + j < g.width; ++j)
            store(y_row + (kTile * col + j) * K, out[j]);
        }
      }
    }
}

// z[t][p][k] = (A dY A^T)[p] for the tiles of a block of dy [N, H, W, K]; outputs past the
// image edge count as zero.
template <int K>
KDUP_AVX512 void transform_output_gradient(const float* dy, const Tiling& g, const Block& b,
                                           float* z) {
  for (int64_t r = b.first; r < b.end; ++r)
    for (int64_t col = 0; col < g.tile_cols; ++col) {
      float* zt = z + ((r - b.first) * g.tile_cols + col) * kPoints * K;
      for (int k = 0; k < K; k += kLanes) {
        Vec ad[kSpan][kTile];  // A dY, column by column
        for (int j = 0; j < kTile; ++j) {
          const int64_t w = kTile * col + j;
          Vec e[kTile], column[kSpan];
          for (int i = 0; i < kTile; ++i) {
            const int64_t h = kTile * g.row(r) + i;
            e[i] = h < g.height && w < g.width
                       ? load(dy + ((g.image(r) * g.height + h) * g.width + w) * K + k)
                       : Vec{};
          }
          gradient_transform(e, column);
          for (int i = 0; i < kSpan; ++i) ad[i][j] = column[i];
        }
        for (int i = 0; i < kSpan; ++i) {  // (A dY) A^T, row by row
          Vec transformed[kSpan];
          gradient_transform(ad[i], transformed);
          for (int j = 0; j < kSpan; ++j) store(zt + (kSpan * i + j) * K + k, transformed[j]);
        }
      }
    }
}

// du[p][c][k] += sum_t v[t][p][c] z[t][p][k] over a block's tiles: 16 input channels side by
// side, each a vector over 16 output channels.
template <int C, int K>
KDUP_AVX512 void accumulate_products(const float* v, const float* z, int64_t tiles, double* du,
                                     const Rows& next_x, const Rows& next_dy) {
  for (int p = 0; p < kPoints; ++p) {
    next_x.prefetch(p, kPoints);
    next_dy.prefetch(p, kPoints);
    for (int k = 0; k < K; k += kLanes)
      for (int c0 = 0; c0 < C; c0 += kLanes) {
        Vec acc[kLanes] = {};
        for (int64_t t = 0; t < tiles; ++t) {
          const Vec zt = load(z + (t * kPoints + p) * K + k);
          const float* vt = v + (t * kPoints + p) * C + c0;
          for (int c = 0; c < kLanes; ++c) acc[c] += zt * vt[c];
        }
        for (int c = 0; c < kLanes; ++c)
          add_in_double(du + p * plane_size(C, K) + (c0 + c) * K + k, acc[c]);
      }
  }
}

// r = G g for a column g of a kernel. Products with reciprocals: divisions would set the pace.
inline void kernel_transform(const float g[3], float r[kSpan]) {
  constexpr float kSixth = 1.0f / 6, kTwelfth = 1.0f / 12, kTwentyFourth = 1.0f / 24;
  const float a = g[0] + g[2], b = g[0] * kTwentyFourth + g[2] * kSixth, c = g[1] * kTwelfth;
  r[0] = g[0] * 0.25f;
  r[1] = -(a + g[1]) * kSixth;
  r[2] = -(a - g[1]) * kSixth;
  r[3] = b + c;
  r[4] = b - c;
  r[5] = g[2];
}

// r = G^T d for a column d of a transformed kernel's gradient, G^T = [1/4 -1/6 -1/6 1/24 1/24 0;
// 0 -1/6 1/6 1/12 -1/12 0; 0 -1/6 -1/6 1/6 1/6 1].
inline void kernel_gradient_transform(const double d[kSpan], double r[3]) {
  constexpr double kSixth = 1.0 / 6, kTwelfth = 1.0 / 12, kTwentyFourth = 1.0 / 24;
  const double a = d[1] + d[2], b = d[3] + d[4];
  r[0] = d[0] * 0.25 - a * kSixth + b * kTwentyFourth;
  r[1] = (d[2] - d[1]) * kSixth + (d[3] - d[4]) * kTwelfth;
  r[2] = (b - a) * kSixth + d[5];
}

// u[p][i][o] = (G g G^T)[p] for the 3x3 kernel g from input channel i to output channel o of w
// [O, I, 3, 3]; with `flipped`, of the kernel from o to i turned by 180 degrees (backward data).
std::vector<float> transform_weights(const Tensor& weight, bool flipped) {
  const int64_t out = weight.shape()[0], in = weight.shape()[1];
  const int64_t u_in = flipped ? out : in, u_out = flipped ? in : out;
  const int64_t plane = plane_size(u_in, u_out);
  const float* w = weight.data<float>();
  std::vector<float> u(static_cast<size_t>(kPoints * plane));
  for (int64_t ui = 0; ui < u_in; ++ui)
    for (int64_t uo = 0; uo < u_out; ++uo) {
      const float* g = w + (flipped ? ui * in + uo : uo * in + ui) * 9;
      float gg[kSpan][3];  // G g, column by column
      for (int b = 0; b < 3; ++b) {
        const float column[3] = {flipped ? g[8 - b] : g[b], g[flipped ? 5 - b : 3 + b],
                                 flipped ? g[2 - b] : g[6 + b]};
        float transformed[kSpan];
        kernel_transform(column, transformed);
        for (int a = 0; a < kSpan; ++a) gg[a][b] = transformed[a];
      }
      float* up = u.data() + ui * u_out + uo;
      for (int a = 0; a < kSpan; ++a) {  // (G g) G^T, row by row
        float row[kSpan];
        kernel_transform(gg[a], row);
        for (int b = 0; b < kSpan; ++b) up[(kSpan * a + b) * plane] = row[b];
      }
    }
  return u;
}

// w[o][i] = G^T du[.][i][o] G, the transpose of transform_weights.
void transform_weight_gradient(const double* du, int64_t in, int64_t out, Tensor& grad_weight) {
  float* w = grad_weight.data<float>();
  const int64_t plane = plane_size(in, out);
  for (int64_t i = 0; i < in; ++i)
    for (int64_t o = 0; o < out; ++o) {
      double gd[3][kSpan];  // G^T dU, column by column
      for (int b = 0; b < kSpan; ++b) {
        double column[kSpan], transformed[3];
        for (int e = 0; e < kSpan; ++e) column[e] = du[(kSpan * e + b) * plane + i * out + o];
        kernel_gradient_transform(column, transformed);
        for (int a = 0; a < 3; ++a) gd[a][b] = transformed[a];
      }
      for (int a = 0; a < 3; ++a) {  // (G^T dU) G, row by row
        double row[3];
        kernel_gradient_transform(gd[a], row);
        for (int b = 0; b < 3; ++b) w[(o * in + i) * 9 + a * 3 + b] = static_cast<float>(row[b]);
      }
    }
}

// y [N, H, W, K] = the convolution of x [N, H, W, C] with the transformed kernels u.
template <int C, int K>
void winograd_forward(const Tensor& x, const std::vector<float>& u, Tensor& y) {
  const Tiling g(x.shape());
  const float* px = x.data<float>();
  float* py = y.data<float>();
#pragma omp parallel
  {
    std::vector<float> v(static_cast<size_t>(g.max_block_tiles() * kPoints * C));
    std::vector<float> m(static_cast<size_t>(g.max_block_tiles() * kPoints * K));
#pragma omp for schedule(static)
    for (int64_t index = 0; index < g.blocks(); ++index) {
      const Block b(g, index);
      transform_input<C>(px, g, b, v.data());
      multiply<C, K>(v.data(), u.data(), b.tiles(g), m.data(), Rows(px, g, index + 1, C, 1));
      transform_output<K>(m.data(), g, b, py);
    }
  }
}

// Each thread sums its share of the blocks (a fixed share: the schedule is static), and the
// threads' sums are added in order: the result depends on the number of threads, as oneDNN's does.
template <int C, int K>
void winograd_weight_gradient(const Tensor& x, const Tensor& grad_y, Tensor& grad_weight) {
  const Tiling g(x.shape());
  const float* px = x.data<float>();
  const float* pdy = grad_y.data<float>();
  const int64_t size = kPoints * plane_size(C, K);
  std::vector<std::vector<double>> partial(static_cast<size_t>(omp_get_max_threads()));
#pragma omp parallel
  {
    std::vector<double>& du = partial[static_cast<size_t>(omp_get_thread_num())];
    du.assign(static_cast<size_t>(size), 0.0);
    std::vector<float> v(static_cast<size_t>(g.max_block_tiles() * kPoints * C));
    std::vector<float> z(static_cast<size_t>(g.max_block_tiles() * kPoints * K));
#pragma omp for schedule(static)
    for (int64_t index = 0; index < g.blocks(); ++index) {
      const Block b(g, index);
      transform_input<C>(px, g, b, v.data());
      transform_output_gradient<K>(pdy, g, b, z.data());
      accumulate_products<C, K>(v.data(), z.data(), b.tiles(g), du.data(),
                                Rows(px, g, index + 1, C, 1), Rows(pdy, g, index + 1, K, 0));
    }
  }
  std::vector<double>& du = partial[0];
  for (size_t thread = 1; thread < partial.size(); ++thread)
    for (size_t e = 0; e < partial[thread].size(); ++e) du[e] += partial[thread][e];
  transform_weight_gradient(du.data(), C, K, grad_weight);
}

// The channel counts compiled, in and out: with constant counts the inner loops' offsets are
// constants (1.6x faster than counts known at run time). Those of ResNet-18's stride-1 3x3
// convolutions up to 128 channels, and 16 <-> 32 (the tests' unequal counts). Wider layers stay
// with oneDNN: their transformed kernels (9 MB at 256 channels) outgrow the caches the blocks
// count on.
struct Instance {
  int64_t in, out;
  void (*forward)(const Tensor&, const std::vector<float>&, Tensor&);
  void (*weight_gradient)(const Tensor&, const Tensor&, Tensor&);
};

template <int C, int K>
constexpr Instance instance() {
  return {C, K, winograd_forward<C, K>, winograd_weight_gradient<C, K>};
}

constexpr Instance kInstances[] = {instance<16, 16>(), instance<16, 32>(), instance<32, 16>(),
                                   instance<32, 32>(), instance<64, 64>(), instance<128, 128>()};

const Instance* instance_for(int64_t in, int64_t out) {
  for (const Instance& i : kInstances)
    if (i.in == in && i.out == out) return &i;
  return nullptr;
}

}  // namespace

bool winograd_conv_applies(const Tensor& in, const Tensor& weight, const Tensor& bias,
                           Conv2dParams p, const Tensor& out) {
  static const bool cpu_has_avx512 = __builtin_cpu_supports("avx512f");
  const Shape& w = weight.shape();
  return cpu_has_avx512 && in.dtype() == DType::f32 && !bias.defined() && w[2] == 3 && w[3] == 3 &&
         p.stride == 1 && p.padding == 1 && instance_for(w[1], w[0]) && in.is_channels_last() &&
         out.is_channels_last();
}

void conv2d_forward_winograd(const Tensor& x, const Tensor& weight, Tensor& y) {
  const Shape& w = weight.shape();
  instance_for(w[1], w[0])->forward(x, transform_weights(weight, false), y);
}

void conv2d_backward_data_winograd(const Tensor& grad_y, const Tensor& weight, Tensor& grad_x) {
  const Shape& w = weight.shape();
  instance_for(w[0], w[1])->forward(grad_y, transform_weights(weight, true), grad_x);
}

void conv2d_backward_weight_winograd(const Tensor& x, const Tensor& grad_y, Tensor& grad_weight) {
  const Shape& w = grad_weight.shape();
  instance_for(w[1], w[0])->weight_gradient(x, grad_y, grad_weight);
}

}  // namespace kdup::cpu
