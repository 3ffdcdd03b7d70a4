// The CPU convolution paths: the im2col + GEMM reference (conv2d.cpp, readable, float32 and
// float64), oneDNN (conv2d_onednn.cpp, the fast path for float32 when the build has oneDNN) and,
// for the stride-1 3x3 convolutions of up to 128 channels on AVX2 and AVX-512 CPUs, Winograd
// (conv2d_winograd.cpp). The kernel-list entries conv2d_forward/backward_* pick one; the tests
// compare them.
#pragma once
#include "ops/kernel_params.h"
#include "tensor/tensor.h"

namespace kdup::cpu {

void conv2d_forward_im2col(const Tensor& x, const Tensor& weight, const Tensor& bias,
                           Conv2dParams p, Tensor& y);
void conv2d_backward_data_im2col(const Tensor& grad_y, const Tensor& weight, Conv2dParams p,
                                 Tensor& grad_x);
void conv2d_backward_weight_im2col(const Tensor& x, const Tensor& grad_y, Conv2dParams p,
                                   Tensor& grad_weight);

// True when the build has oneDNN (KDUP_WITH_ONEDNN).
bool onednn_available();
// Whether float32 convolutions go through oneDNN: on when available, unless turned off here or by
// the environment variable KDUP_REFERENCE_CONV=1.
void set_onednn_conv_enabled(bool enabled);
bool use_onednn_conv(DType dtype);

void conv2d_forward_onednn(const Tensor& x, const Tensor& weight, const Tensor& bias,
                           Conv2dParams p, Tensor& y);
void conv2d_backward_data_onednn(const Tensor& grad_y, const Tensor& weight, Conv2dParams p,
                                 Tensor& grad_x);
void conv2d_backward_weight_onednn(const Tensor& x, const Tensor& grad_y, Conv2dParams p,
                                   Tensor& grad_weight);

// The vector instructions of the Winograd kernels: the best of AVX-512 and AVX2 with FMA that the
// CPU has, within oneDNN's cap (ONEDNN_MAX_CPU_ISA=AVX2 keeps both to AVX2); none without AVX2
// or under a lower cap.
enum class WinogradIsa { none, avx2, avx512 };
WinogradIsa winograd_isa();

// Whether the Winograd kernels take this convolution: float32, 3x3, stride 1, padding 1, no bias,
// channels in and out that they are compiled for (16, 32, 64 or 128, equal or 16 <-> 32), both
// activations channels last, and a CPU with AVX2 at least.
bool winograd_conv_applies(const Tensor& in, const Tensor& weight, const Tensor& bias,
                           Conv2dParams p, const Tensor& out);
void conv2d_forward_winograd(const Tensor& x, const Tensor& weight, Tensor& y,
                             WinogradIsa isa = winograd_isa());
void conv2d_backward_data_winograd(const Tensor& grad_y, const Tensor& weight, Tensor& grad_x,
                                   WinogradIsa isa = winograd_isa());
void conv2d_backward_weight_winograd(const Tensor& x, const Tensor& grad_y, Tensor& grad_weight,
                                     WinogradIsa isa = winograd_isa());

}  // namespace kdup::cpu
