// Sizes declared in a file's header (a .npy shape, a safetensors entry), checked against the bytes
// the file holds before anything is allocated: a header claiming more data than is present is an
// error naming the file, never an attempt to allocate what it claims.
//
//   const uint64_t bytes = declared_tensor_bytes(shape, 4, file_size - data_start, path);
#pragma once
#include <cstdint>
#include <string>

#include "tensor/shape.h"

namespace kdup {

// The bytes of a tensor of `shape` with elements of `element_size` bytes. Throws an Error starting
// with `file` when a dimension is negative, the product of the nonzero sizes exceeds int64 (even
// for an empty tensor, whose strides multiply them), or the bytes exceed `available`.
uint64_t declared_tensor_bytes(const Shape& shape, uint64_t element_size, uint64_t available,
                               const std::string& file);

}  // namespace kdup
