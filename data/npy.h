// NumPy .npy files (format versions 1.0 and 2.0, little-endian, C order): uint8 image arrays such
// as the 300K Random Images pool, int64 split index files, float feature caches.
#pragma once
#include <string>
#include <vector>

#include "tensor/tensor.h"

namespace kdup {

// Reads a whole .npy into a CPU tensor of dtype uint8, int64, float32 or float64. Every problem
// (missing file, bad magic, unsupported dtype, Fortran order, truncated data) names the file.
Tensor read_npy(const std::string& path);

// Reads and checks the dtype and, where expected_shape has entries >= 0, those sizes
// (-1 accepts any size). The error names the file, the expected and the found dtype/shape.
Tensor read_npy(const std::string& path, DType dtype, const Shape& expected_shape);

// Reads only the given rows (indices along the first axis, in that order) of a .npy array, without
// loading the rest: a few thumbnails out of a 300K-image pool.
Tensor read_npy_rows(const std::string& path, const std::vector<int64_t>& rows);

// Writes a contiguous CPU tensor as .npy (version 1.0), atomically: a temporary file is renamed
// over the target only once completely written.
void write_npy(const std::string& path, const Tensor& tensor);

}  // namespace kdup
