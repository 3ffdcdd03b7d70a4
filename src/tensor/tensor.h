// Tensor: a shaped, strided view of a Storage, with the autograd fields it needs.
// Copying a Tensor copies a handle (like a shared_ptr); the data is shared.
#pragma once
#include <cstdint>
#include <memory>
#include <vector>

#include "tensor/device.h"
#include "tensor/dtype.h"
#include "tensor/shape.h"
#include "tensor/storage.h"

namespace kdup {

class Node;

struct TensorImpl {
  std::shared_ptr<Storage> storage;
  Shape shape;
  Shape strides;       // in elements
  int64_t offset = 0;  // in elements, from the start of storage
  DType dtype = DType::f32;
  bool requires_grad = false;       // a leaf the user wants a gradient for, or an op's result
  std::shared_ptr<TensorImpl> grad;  // accumulated gradient of a leaf
  std::shared_ptr<Node> grad_fn;     // the op that made this tensor (null for leaves)
};

class Tensor {
 public:
  Tensor() = default;
  explicit Tensor(std::shared_ptr<TensorImpl> impl) : impl_(std::move(impl)) {}

  // ---- factories -----------------------------------------------------------
  static Tensor empty(const Shape& shape, DType dtype = DType::f32, Device device = Device::cpu);
  // An uninitialised [N, C, H, W] tensor stored channels last (see is_channels_last).
  static Tensor empty_channels_last(const Shape& shape, DType dtype, Device device);
  // An uninitialised tensor of t's shape, dtype and device, channels last when t is.
  static Tensor empty_like(const Tensor& t);
  static Tensor zeros(const Shape& shape, DType dtype = DType::f32, Device device = Device::cpu);
  static Tensor ones(const Shape& shape, DType dtype = DType::f32, Device device = Device::cpu);
  static Tensor full(const Shape& shape, double value, DType dtype = DType::f32,
                     Device device = Device::cpu);
  static Tensor arange(int64_t n, DType dtype = DType::i64, Device device = Device::cpu);
  // Seeded draws (Philox): the same seed gives the same tensor on every device.
  static Tensor randn(const Shape& shape, uint64_t seed, DType dtype = DType::f32,
                      Device device = Device::cpu);
  static Tensor rand(const Shape& shape, uint64_t seed, DType dtype = DType::f32,
                     Device device = Device::cpu);
  template <class T>
  static Tensor from_vector(const std::vector<T>& values, const Shape& shape,
                            Device device = Device::cpu);

  // ---- properties ----------------------------------------------------------
  bool defined() const { return impl_ != nullptr; }
  const Shape& shape() const { return impl_->shape; }
  const Shape& strides() const { return impl_->strides; }
  int64_t offset() const { return impl_->offset; }
  int64_t dim() const { return static_cast<int64_t>(impl_->shape.size()); }
  int64_t size(int64_t d) const;  // negative d counts from the end
  int64_t numel() const { return shape_numel(impl_->shape); }
  DType dtype() const { return impl_->dtype; }
  Device device() const { return impl_->storage->device(); }
  bool is_contiguous() const;
  // A 4-D [N, C, H, W] tensor whose memory runs N, H, W, C: the layout the CPU convolutions read
  // and write, kept by the ops that follow them (batch norm, residual sums, pooling) so that no
  // layout conversion runs between layers. Size-1 dimensions are ignored, as in is_contiguous.
  bool is_channels_last() const;
  // Channels last and not also contiguous (C = 1 or H = W = 1 lie the same both ways): the tensors
  // whose kernels must take the NHWC path.
  bool is_only_channels_last() const { return is_channels_last() && !is_contiguous(); }
  TensorImpl* impl() const { return impl_.get(); }
  const std::shared_ptr<TensorImpl>& impl_ptr() const { return impl_; }
  bool is_same(const Tensor& other) const { return impl_ == other.impl_; }

  // Pointer to the first element (device memory for CUDA tensors). T must match the dtype.
  template <class T>
  T* data() const {
    KDUP_CHECK(dtype_of<T>() == dtype(), "data<T>: tensor holds " << dtype_name(dtype()));
    return static_cast<T*>(impl_->storage->data()) + impl_->offset;
  }
  void* raw_data() const;

  // ---- host access (copies) ------------------------------------------------
  template <class T>
  std::vector<T> to_vector() const;  // every element in row-major order, cast to T
  double item() const;               // the value of a one-element tensor

  // ---- differentiable views and conversions (ops/view.cpp) -----------------
  Tensor reshape(const Shape& shape) const;  // a view when contiguous, else a copy
  Tensor flatten(int64_t start_dim = 0) const;
  Tensor transpose(int64_t dim0, int64_t dim1) const;
  Tensor t() const { return transpose(0, 1); }
  Tensor slice(int64_t dim, int64_t start, int64_t end) const;
  Tensor contiguous() const;
  // This tensor when it is contiguous or channels last (the two dense layouts the CPU kernels
  // read), else a contiguous copy.
  Tensor contiguous_or_channels_last() const;
  // This tensor when its strides are like's, else a copy that is channels last when like is and
  // contiguous otherwise (no autograd).
  Tensor in_layout_of(const Tensor& like) const;
  Tensor to(Device device) const;
  Tensor to(DType dtype) const;
  Tensor clone() const;

  // ---- autograd ------------------------------------------------------------
  bool requires_grad() const { return impl_->requires_grad; }
  Tensor& set_requires_grad(bool value);
  Tensor grad() const { return Tensor(impl_->grad); }
  void set_grad(const Tensor& g) { impl_->grad = g.impl_; }
  void zero_grad() { impl_->grad.reset(); }
  const std::shared_ptr<Node>& grad_fn() const { return impl_->grad_fn; }
  bool is_leaf() const { return impl_->grad_fn == nullptr; }
  Tensor detach() const;  // same data, no history
  // Back-propagates from this tensor; a non-scalar needs an explicit gradient of its shape.
  void backward(const Tensor& gradient = Tensor()) const;

 private:
  std::shared_ptr<TensorImpl> impl_;
};

// A new tensor sharing x's storage with another shape, strides and offset (no autograd).
Tensor make_view(const Tensor& x, const Shape& shape, const Shape& strides, int64_t offset);

}  // namespace kdup
