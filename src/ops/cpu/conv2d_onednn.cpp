// CPU 2-D convolution through oneDNN, the fast path for float32 (compiled when the build has
// oneDNN). The primitives compute on channels-last activations (NHWC) and let oneDNN pick the
// weights' layout: a channels-last tensor (Tensor::is_channels_last; what the conv op allocates)
// is used in place, a contiguous NCHW one is reordered in or out, and so are the OIHW weights.
// Some geometries use the blocked layout or a transposed form (choose_primitives).
// Primitive descriptors are built once per geometry and cached; the im2col reference in
// conv2d.cpp defines the results these must match (tests/ops/conv2d_onednn_test.cpp).
#include <oneapi/dnnl/dnnl.hpp>

#include <array>
#include <map>
#include <mutex>
#include <optional>
#include <vector>

#include "ops/cpu/conv2d_paths.h"

namespace kdup::cpu {

namespace {

using dnnl::memory;

dnnl::engine& engine() {
  static dnnl::engine e(dnnl::engine::kind::cpu, 0);
  return e;
}

memory::dims dims_of(const Shape& s) { return memory::dims(s.begin(), s.end()); }

memory::desc plain(const Shape& s, memory::format_tag tag) {
  return memory::desc(dims_of(s), memory::data_type::f32, tag);
}

memory::desc any(const Shape& s) {
  return memory::desc(dims_of(s), memory::data_type::f32, memory::format_tag::any);
}

memory::desc nhwc(const Shape& s) { return plain(s, memory::format_tag::nhwc); }

// Whether two layouts place every value at the same byte: equal, or channels last and oneDNN's
// blocked layout (nChw16c) of 16 channels, which lie alike.
bool same_bytes(const memory::desc& a, const memory::desc& b) {
  if (a == b) return true;
  const memory::dims d = a.dims();
  if (d.size() != 4 || d[1] != 16 || b.dims() != d) return false;
  const Shape s(d.begin(), d.end());
  const memory::desc channels_last = nhwc(s), blocked = plain(s, memory::format_tag::nChw16c);
  return (a == channels_last && b == blocked) || (a == blocked && b == channels_last);
}

// The three primitive descriptors of one convolution geometry, and for some the forward as the
// backward data of the transposed convolution (see choose_primitives).
struct ConvPrimitives {
  dnnl::convolution_forward::primitive_desc forward;
  dnnl::convolution_backward_data::primitive_desc backward_data;
  dnnl::convolution_backward_weights::primitive_desc backward_weights;
  std::optional<dnnl::convolution_backward_data::primitive_desc> forward_as_transpose;
};

// With `blocked`, the activations take oneDNN's own blocked layout and are reordered in and out.
ConvPrimitives make_primitives(const Shape& x, const Shape& w, const Shape& y, Conv2dParams p,
                               bool with_bias, bool blocked) {
  constexpr dnnl::algorithm algo = dnnl::algorithm::convolution_direct;
  const memory::dims strides = {p.stride, p.stride}, padding = {p.padding, p.padding};
  const memory::desc src = blocked ? any(x) : nhwc(x), dst = blocked ? any(y) : nhwc(y);
  const memory::desc bias = plain({w[0]}, memory::format_tag::x);
  auto forward_desc =
      with_bias ? dnnl::convolution_forward::desc(dnnl::prop_kind::forward_training, algo, src,
                                                  any(w), bias, dst, strides, padding, padding)
                : dnnl::convolution_forward::desc(dnnl::prop_kind::forward_training, algo, src,
                                                  any(w), dst, strides, padding, padding);
  ConvPrimitives prims;
  prims.forward = dnnl::convolution_forward::primitive_desc(forward_desc, engine());
  prims.backward_data = dnnl::convolution_backward_data::primitive_desc(
      dnnl::convolution_backward_data::desc(algo, src, any(w), dst, strides, padding, padding),
      engine(), prims.forward);
  prims.backward_weights = dnnl::convolution_backward_weights::primitive_desc(
      dnnl::convolution_backward_weights::desc(algo, src, any(w), dst, strides, padding, padding),
      engine(), prims.forward);
  return prims;
}

// The primitives for one geometry: direct channels-last convolutions (conv2d_winograd.cpp takes
// the 3x3 stride-1 ones of 16 to 128 channels on AVX2 and AVX-512 CPUs), except
// 1. Fewer than 8 input channels (the RGB stem): the blocked layout, 2.6x faster there, and it
//    reads NCHW images as they lie; a 16-channel output lies as channels last (same_bytes).
// 2. Stride-1 forwards that keep the size (2p = k - 1), of 8 to 16 channels in and out or on
//    images of 4x4 or fewer: oneDNN's channels-last forward kernel is slow there and its
//    backward-data kernel is not (batch 128, alone: 16 channels 32x32, 3.7 against 2.7 ms with
//    AVX-512 and 7.4 against 4.9 with AVX2; 512 channels 4x4, 63 against 41 and 87 against 69).
//    Such a convolution is the transposed convolution of its kernel with the channel roles
//    swapped and the taps flipped,
//      y[o](h, w) = sum_{i,a,b} x[i](h + a - p, w + b - p) W[o, i, a, b]
//                 = sum_{i,a,b} x[i](h - a + p, w - b + p) V[i, o, a, b],
//    V[i, o, a, b] = W[o, i, k-1-a, k-1-b]: the backward data of V applied to x.
// oneDNN's own Winograd (on its blocked layout, with scratch for the whole batch: 50-140 MB per
// convolution of a full-width ResNet-18) is not used. The measurements behind these are in
// BENCHMARKS.md.
ConvPrimitives choose_primitives(const Shape& x, const Shape& w, const Shape& y, Conv2dParams p,
                                 bool with_bias) {
  using dnnl::algorithm;
  ConvPrimitives prims = make_primitives(x, w, y, p, with_bias, w[1] < 8);
  const bool narrow = w[0] <= 16 && w[1] <= 16, small_image = x[2] * x[3] <= 16;
  if (w[1] >= 8 && (narrow || small_image) && p.stride == 1 && 2 * p.padding == w[2] - 1 &&
      w[2] == w[3] && !with_bias) {
    const Shape v{w[1], w[0], w[2], w[3]};
    const memory::dims strides = {1, 1}, padding = {p.padding, p.padding};
    const auto transpose_forward = dnnl::convolution_forward::primitive_desc(
        dnnl::convolution_forward::desc(dnnl::prop_kind::forward_training,
                                        algorithm::convolution_direct, nhwc(y), any(v), nhwc(x),
                                        strides, padding, padding),
        engine());
    prims.forward_as_transpose = dnnl::convolution_backward_data::primitive_desc(
        dnnl::convolution_backward_data::desc(algorithm::convolution_direct, nhwc(y), any(v),
                                              nhwc(x), strides, padding, padding),
        engine(), transpose_forward);
  }
  return prims;
}

// V[i, o, a, b] = W[o, i, k-1-a, k-1-b] (choose_primitives), as OIHW float32.
std::vector<float> transposed_flipped(const Tensor& weight) {
  const Shape& w = weight.shape();
  const int64_t out = w[0], in = w[1], kh = w[2], kw = w[3];
  const float* pw = weight.data<float>();
  std::vector<float> v(static_cast<size_t>(weight.numel()));
  for (int64_t o = 0; o < out; ++o)
    for (int64_t i = 0; i < in; ++i)
      for (int64_t a = 0; a < kh; ++a)
        for (int64_t b = 0; b < kw; ++b)
          v[((i * out + o) * kh + (kh - 1 - a)) * kw + (kw - 1 - b)] =
              pw[((o * in + i) * kh + a) * kw + b];
  return v;
}

// Cached per (input shape, weight shape, stride, padding, bias).
ConvPrimitives& primitives_for(const Shape& x, const Shape& w, const Shape& y, Conv2dParams p,
                               bool with_bias) {
  using Key = std::array<int64_t, 11>;
  static std::map<Key, ConvPrimitives> cache;
  static std::mutex mutex;
  const Key key{x[0], x[1], x[2], x[3], w[0], w[2], w[3], p.stride, p.padding, with_bias, 0};
  std::lock_guard<std::mutex> lock(mutex);
  auto found = cache.find(key);
  if (found == cache.end())
    found = cache.emplace(key, choose_primitives(x, w, y, p, with_bias)).first;
  return found->second;
}

// A memory in the layout `wanted`: the user's own when the bytes lie alike, else a new buffer,
// filled from the user's data when `copy_in` is set.
memory in_layout(const memory& user, const memory::desc& wanted, dnnl::stream& s, bool copy_in) {
  if (user.get_desc() == wanted) return user;
  if (same_bytes(user.get_desc(), wanted)) return memory(wanted, engine(), user.get_data_handle());
  memory converted(wanted, engine());
  if (copy_in) dnnl::reorder(user, converted).execute(s, const_cast<memory&>(user), converted);
  return converted;
}

// Copies a result back into the user's memory when the primitive wrote another layout.
void to_user(memory& result, memory& user, dnnl::stream& s) {
  if (!same_bytes(result.get_desc(), user.get_desc()))
    dnnl::reorder(result, user).execute(s, result, user);
}

memory wrap(const Tensor& t, memory::format_tag tag) {
  return memory(plain(t.shape(), tag), engine(), const_cast<void*>(t.raw_data()));
}

// An activation as it lies: channels last, or contiguous NCHW.
memory wrap_activation(const Tensor& t) {
  return wrap(t, t.is_only_channels_last() ? memory::format_tag::nhwc : memory::format_tag::nchw);
}

// diff_src = the backward data (transposed convolution) of diff_dst with the weights.
void run_backward_data(const dnnl::convolution_backward_data::primitive_desc& pd,
                       const memory& user_diff_dst, const memory& user_weights,
                       memory& user_diff_src) {
  dnnl::stream s(engine());
  memory diff_dst = in_layout(user_diff_dst, pd.diff_dst_desc(), s, true);
  memory weights = in_layout(user_weights, pd.weights_desc(), s, true);
  memory diff_src = in_layout(user_diff_src, pd.diff_src_desc(), s, false);
  dnnl::convolution_backward_data(pd).execute(s, {{DNNL_ARG_DIFF_DST, diff_dst},
                                                  {DNNL_ARG_WEIGHTS, weights},
                                                  {DNNL_ARG_DIFF_SRC, diff_src}});
  to_user(diff_src, user_diff_src, s);
  s.wait();
}

}  // namespace

void conv2d_forward_onednn(const Tensor& x, const Tensor& weight, const Tensor& bias,
                           Conv2dParams p, Tensor& y) {
  ConvPrimitives& prims = primitives_for(x.shape(), weight.shape(), y.shape(), p, bias.defined());
  memory user_src = wrap_activation(x), user_dst = wrap_activation(y);
  if (prims.forward_as_transpose) {
    std::vector<float> v = transposed_flipped(weight);
    const Shape& w = weight.shape();
    memory user_v(plain({w[1], w[0], w[2], w[3]}, memory::format_tag::oihw), engine(), v.data());
    run_backward_data(*prims.forward_as_transpose, user_src, user_v, user_dst);
    return;
  }
  dnnl::stream s(engine());
  memory user_weights = wrap(weight, memory::format_tag::oihw);
  memory src = in_layout(user_src, prims.forward.src_desc(), s, true);
  memory weights = in_layout(user_weights, prims.forward.weights_desc(), s, true);
  memory dst = in_layout(user_dst, prims.forward.dst_desc(), s, false);
  std::unordered_map<int, memory> args{{DNNL_ARG_SRC, src},
                                       {DNNL_ARG_WEIGHTS, weights},
                                       {DNNL_ARG_DST, dst}};
  if (bias.defined()) args.insert({DNNL_ARG_BIAS, wrap(bias, memory::format_tag::x)});
  dnnl::convolution_forward(prims.forward).execute(s, args);
  to_user(dst, user_dst, s);
  s.wait();
}

void conv2d_backward_data_onednn(const Tensor& grad_y, const Tensor& weight, Conv2dParams p,
                                 Tensor& grad_x) {
  ConvPrimitives& prims = primitives_for(grad_x.shape(), weight.shape(), grad_y.shape(), p, false);
  memory user_diff_src = wrap_activation(grad_x);
  run_backward_data(prims.backward_data, wrap_activation(grad_y),
                    wrap(weight, memory::format_tag::oihw), user_diff_src);
}

void conv2d_backward_weight_onednn(const Tensor& x, const Tensor& grad_y, Conv2dParams p,
                                   Tensor& grad_weight) {
  ConvPrimitives& prims = primitives_for(x.shape(), grad_weight.shape(), grad_y.shape(), p, false);
  dnnl::stream s(engine());
  memory user_src = wrap_activation(x);
  memory user_diff_dst = wrap_activation(grad_y);
  memory user_diff_weights = wrap(grad_weight, memory::format_tag::oihw);
  memory src = in_layout(user_src, prims.backward_weights.src_desc(), s, true);
  memory diff_dst = in_layout(user_diff_dst, prims.backward_weights.diff_dst_desc(), s, true);
  memory diff_weights =
      in_layout(user_diff_weights, prims.backward_weights.diff_weights_desc(), s, false);
  dnnl::convolution_backward_weights(prims.backward_weights)
      .execute(s, {{DNNL_ARG_SRC, src},
                   {DNNL_ARG_DIFF_DST, diff_dst},
                   {DNNL_ARG_DIFF_WEIGHTS, diff_weights}});
  to_user(diff_weights, user_diff_weights, s);
  s.wait();
}

}  // namespace kdup::cpu
