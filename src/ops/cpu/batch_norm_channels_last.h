// The CPU batch-norm kernels for channels-last inputs and [N, C] matrices
// (batch_norm_channels_last.cpp); the kernel-list entries in batch_norm.cpp call these for such x.
// Outputs share x's layout.
#pragma once
#include "tensor/tensor.h"

namespace kdup::cpu {

void batch_norm_forward_train_channels_last(const Tensor& x, const Tensor& gamma,
                                            const Tensor& beta, double eps, bool relu, Tensor& y,
                                            Tensor& mean, Tensor& invstd);
void batch_norm_forward_eval_channels_last(const Tensor& x, const Tensor& gamma, const Tensor& beta,
                                           const Tensor& running_mean, const Tensor& running_var,
                                           double eps, bool relu, Tensor& y);
void batch_norm_backward_channels_last(const Tensor& grad_y, const Tensor& relu_output,
                                       const Tensor& x, const Tensor& gamma, const Tensor& mean,
                                       const Tensor& invstd, Tensor& grad_x, Tensor& grad_gamma,
                                       Tensor& grad_beta);

}  // namespace kdup::cpu
