// Winograd F(4x4, 3x3) convolution (Lavin and Gray, "Fast Algorithms for Convolutional Neural
// Networks", 2016) for the 3x3, stride-1, padding-1 convolutions of 16 to 128 channels in and out
// (the first two stages of ResNet-18, all four at the CPU configs' width), float32 channels-last
// activations, on CPUs with AVX2 or AVX-512. oneDNN's direct kernels spend 4x the multiplications;
// its own Winograd runs on its blocked layout (activations reordered in and out) with scratch
// memory for the whole batch, and is slower below 64 channels.
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
// core's cache; blocks run in parallel. The kernels exist for two vector widths, AVX-512's 16
// floats and AVX2's 8 (conv2d_winograd_kernels.inc).
#include <omp.h>

#include <algorithm>
#include <cctype>
#include <cstdlib>
#include <string>
#include <vector>

#include "ops/cpu/conv2d_paths.h"

namespace kdup::cpu {

namespace {

constexpr int kTile = 4;     // output tile side
constexpr int kSpan = 6;     // input tile side, kTile + 2
constexpr int kPoints = 36;  // of the transformed 6x6 tile, p = 6 * row + column
constexpr int64_t kBlockTiles = 32;

// The 36 planes of transformed kernels (and of their gradients) lie one plane of in x out values
// plus a cache line apart: a power of two apart, a kernel's 36 values would fall into the same
// cache sets and evict each other.
int64_t plane_size(int64_t in, int64_t out) { return in * out + 16; }

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

// The kernels, compiled for AVX-512 and for AVX2 with FMA whatever the build's target; each runs
// only where the CPU has its instructions (winograd_isa).
namespace avx512 {
constexpr int kLanes = 16;
#define KDUP_WINOGRAD_TARGET __attribute__((target("avx512f")))
#include "ops/cpu/conv2d_winograd_kernels.inc"
#undef KDUP_WINOGRAD_TARGET
}  // namespace avx512

namespace avx2 {
constexpr int kLanes = 8;
#define KDUP_WINOGRAD_TARGET __attribute__((target("avx2,fma")))
#include "ops/cpu/conv2d_winograd_kernels.inc"
#undef KDUP_WINOGRAD_TARGET
}  // namespace avx2

// The channel counts compiled, in and out: with constant counts the inner loops' offsets are
// constants (1.6x faster than counts known at run time). Those of ResNet-18's stride-1 3x3
// convolutions up to 128 channels, and 16 <-> 32 (the tests' unequal counts). Wider layers stay
// with oneDNN: their transformed kernels (9 MB at 256 channels) outgrow the caches the blocks
// count on.
struct Instance {
  int64_t in, out;
  // [0]: AVX2, [1]: AVX-512
  void (*forward[2])(const Tensor&, const std::vector<float>&, Tensor&);
  void (*weight_gradient[2])(const Tensor&, const Tensor&, Tensor&);
};

template <int C, int K>
constexpr Instance instance() {
  return {C,
          K,
          {avx2::winograd_forward<C, K>, avx512::winograd_forward<C, K>},
          {avx2::winograd_weight_gradient<C, K>, avx512::winograd_weight_gradient<C, K>}};
}

constexpr Instance kInstances[] = {instance<16, 16>(), instance<16, 32>(), instance<32, 16>(),
                                   instance<32, 32>(), instance<64, 64>(), instance<128, 128>()};

const Instance* instance_for(int64_t in, int64_t out) {
  for (const Instance& i : kInstances)
    if (i.in == in && i.out == out) return &i;
  return nullptr;
}

int variant(WinogradIsa isa) {
  const bool avx512 = isa == WinogradIsa::avx512;
  KDUP_CHECK(avx512 ? __builtin_cpu_supports("avx512f")
                    : isa == WinogradIsa::avx2 && __builtin_cpu_supports("avx2") &&
                          __builtin_cpu_supports("fma"),
             "conv2d: this CPU lacks the instructions of the Winograd kernels asked for");
  return avx512 ? 1 : 0;
}

// The highest instruction set oneDNN's cap allows: ONEDNN_MAX_CPU_ISA (SSE41, AVX, AVX2...,
// AVX512_CORE..., ALL), unset meaning ALL.
WinogradIsa onednn_cap() {
  const char* cap = std::getenv("ONEDNN_MAX_CPU_ISA");
  if (!cap || !*cap) return WinogradIsa::avx512;
  std::string isa(cap);
  for (char& c : isa) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  if (isa == "ALL" || isa == "DEFAULT" || isa.rfind("AVX512", 0) == 0 ||
      isa.rfind("AVX10", 0) == 0)
    return WinogradIsa::avx512;
  return isa.rfind("AVX2", 0) == 0 ? WinogradIsa::avx2 : WinogradIsa::none;
}

}  // namespace

WinogradIsa winograd_isa() {
  static const WinogradIsa isa = [] {
    const WinogradIsa cap = onednn_cap();
    if (cap == WinogradIsa::avx512 && __builtin_cpu_supports("avx512f")) return WinogradIsa::avx512;
    if (cap != WinogradIsa::none && __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma"))
      return WinogradIsa::avx2;
    return WinogradIsa::none;
  }();
  return isa;
}

bool winograd_conv_applies(const Tensor& in, const Tensor& weight, const Tensor& bias,
                           Conv2dParams p, const Tensor& out) {
  const Shape& w = weight.shape();
  return winograd_isa() != WinogradIsa::none && in.dtype() == DType::f32 && !bias.defined() &&
         w[2] == 3 && w[3] == 3 && p.stride == 1 && p.padding == 1 && instance_for(w[1], w[0]) &&
         in.is_channels_last() && out.is_channels_last();
}

void conv2d_forward_winograd(const Tensor& x, const Tensor& weight, Tensor& y, WinogradIsa isa) {
  const Shape& w = weight.shape();
  instance_for(w[1], w[0])->forward[variant(isa)](x, transform_weights(weight, false), y);
}

void conv2d_backward_data_winograd(const Tensor& grad_y, const Tensor& weight, Tensor& grad_x,
                                   WinogradIsa isa) {
  const Shape& w = weight.shape();
  instance_for(w[0], w[1])->forward[variant(isa)](grad_y, transform_weights(weight, true), grad_x);
}

void conv2d_backward_weight_winograd(const Tensor& x, const Tensor& grad_y, Tensor& grad_weight,
                                     WinogradIsa isa) {
  const Shape& w = grad_weight.shape();
  instance_for(w[1], w[0])->weight_gradient[variant(isa)](x, grad_y, grad_weight);
}

}  // namespace kdup::cpu
