// Argument checks shared by the op front ends; each message names the op and the shapes.
#pragma once
#include "tensor/tensor.h"

namespace kdup {

void check_defined(const char* op, const Tensor& t);
void check_floating(const char* op, const Tensor& t);
void check_dtype(const char* op, const Tensor& t, DType dtype, const char* what);
void check_rank(const char* op, const Tensor& t, int64_t rank, const char* what);
void check_same_device(const char* op, const Tensor& a, const Tensor& b);
void check_same_dtype_device(const char* op, const Tensor& a, const Tensor& b);
// The shape a and b broadcast to (equal ranks with size-1 stretching, or a rank-0 side).
Shape broadcast_shape(const char* op, const Shape& a, const Shape& b);
// A view of x with the target shape, stride 0 along broadcast dimensions (no copy).
Tensor expand_to(const Tensor& x, const Shape& shape);

}  // namespace kdup
