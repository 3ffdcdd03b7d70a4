// The differentiable view and conversion methods of Tensor: reshape, transpose, slice, contiguous,
// and copies across devices and dtypes.
#include <cstring>

#include "autograd/node.h"
#include "ops/dispatch.h"
#include "tensor/host_reads.h"

namespace kdup {

// Resolves one -1 in a requested shape against a number of elements.
static Shape infer_shape(const Shape& requested, int64_t numel, const Shape& from) {
  Shape shape = requested;
  int64_t known = 1, infer_at = -1;
  for (size_t i = 0; i < shape.size(); ++i) {
    if (shape[i] == -1) {
      KDUP_CHECK(infer_at < 0, "reshape: more than one -1 in " << shape_str(requested));
      infer_at = static_cast<int64_t>(i);
    } else {
      KDUP_CHECK(shape[i] >= 0, "reshape: negative size in " << shape_str(requested));
      known *= shape[i];
    }
  }
  if (infer_at >= 0) {
    KDUP_CHECK(known > 0 && numel % known == 0,
               "reshape: cannot reshape " << shape_str(from) << " to " << shape_str(requested));
    shape[infer_at] = numel / known;
  }
  KDUP_CHECK(shape_numel(shape) == numel,
             "reshape: cannot reshape " << shape_str(from) << " (" << numel << " elements) to "
                                        << shape_str(requested));
  return shape;
}

Tensor Tensor::reshape(const Shape& requested) const {
  Shape shape = infer_shape(requested, numel(), this->shape());
  if (shape == this->shape()) return *this;
  Tensor source = contiguous();
  Tensor out = make_view(source, shape, contiguous_strides(shape), source.offset());
  return record("reshape", out, {*this}, [from = this->shape()](const Tensor& g) {
    return std::vector<Tensor>{g.reshape(from)};
  });
}

Tensor Tensor::flatten(int64_t start_dim) const {
  int64_t start = normalize_dim(start_dim, dim(), "flatten");
  Shape shape(this->shape().begin(), this->shape().begin() + start);
  shape.push_back(-1);
  return reshape(shape);
}

Tensor Tensor::transpose(int64_t dim0, int64_t dim1) const {
  int64_t a = normalize_dim(dim0, shape(), "transpose"), b = normalize_dim(dim1, shape(), "transpose");
  Shape shape = this->shape(), strides = this->strides();
  std::swap(shape[a], shape[b]);
  std::swap(strides[a], strides[b]);
  Tensor out = make_view(*this, shape, strides, offset());
  return record("transpose", out, {*this}, [a, b](const Tensor& g) {
    return std::vector<Tensor>{g.transpose(a, b)};
  });
}

Tensor Tensor::slice(int64_t dim_in, int64_t start, int64_t end) const {
  int64_t d = normalize_dim(dim_in, shape(), "slice");
  KDUP_CHECK(0 <= start && start <= end && end <= shape()[d],
             "slice: range [" << start << ", " << end << ") is out of bounds for dimension " << d
                              << " of shape " << shape_str(shape()));
  Shape shape = this->shape();
  shape[d] = end - start;
  Tensor out = make_view(*this, shape, strides(), offset() + start * strides()[d]);
  return record("slice", out, {*this}, [d, start, end, from = this->shape()](const Tensor& g) {
    Tensor grad = Tensor::zeros(from, g.dtype(), g.device());
    Tensor window = grad.slice(d, start, end);
    KDUP_DISPATCH(g.device(), copy, g, window);
    return std::vector<Tensor>{grad};
  });
}

Tensor Tensor::clone() const {
  Tensor out = Tensor::empty(shape(), dtype(), device());
  KDUP_DISPATCH(device(), copy, *this, out);
  return record("clone", out, {*this}, [](const Tensor& g) { return std::vector<Tensor>{g}; });
}

Tensor Tensor::contiguous() const {
  if (is_contiguous()) return *this;
  return clone();
}

Tensor Tensor::contiguous_or_channels_last() const {
  return is_channels_last() ? *this : contiguous();
}

Tensor Tensor::in_layout_of(const Tensor& like) const {
  if (strides() == like.strides()) return detach();
  Tensor out = Tensor::empty_like(like);
  KDUP_DISPATCH(device(), copy, *this, out);
  return out;
}

Tensor Tensor::to(DType target) const {
  if (target == dtype()) return *this;
  Tensor out = Tensor::empty(shape(), target, device());
  KDUP_DISPATCH(device(), copy, *this, out);
  if (!is_floating(target)) return out;  // integer results carry no gradient
  return record("to_dtype", out, {*this}, [from = dtype()](const Tensor& g) {
    return std::vector<Tensor>{g.to(from)};
  });
}

Tensor Tensor::to(Device target) const {
  if (target == device()) return *this;
  Tensor source = contiguous();
  Tensor out = Tensor::empty(shape(), dtype(), target);
  const size_t bytes = numel() * dtype_size(dtype());
  if (bytes > 0) {
    if (target == Device::cuda) {
      cuda_copy_to_device(out.raw_data(), source.raw_data(), bytes);
    } else {
      count_host_read();
      cuda_copy_to_host(out.raw_data(), source.raw_data(), bytes);
    }
  }
  return record("to_device", out, {*this}, [from = device()](const Tensor& g) {
    return std::vector<Tensor>{g.to(from)};
  });
}

[[noreturn]] void throw_no_cuda_backend(const char* kernel) {
  KDUP_CHECK(false, kernel << ": tensor is on cuda, but this build of kdup has no CUDA backend");
  throw;  // unreachable
}

}  // namespace kdup
