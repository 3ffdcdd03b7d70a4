#include "tensor/tensor.h"

#include <cstring>

#include "autograd/node.h"
#include "ops/dispatch.h"
#include "tensor/host_reads.h"
#include "tensor/philox.h"

namespace kdup {

Tensor make_view(const Tensor& x, const Shape& shape, const Shape& strides, int64_t offset) {
  auto impl = std::make_shared<TensorImpl>();
  impl->storage = x.impl()->storage;
  impl->shape = shape;
  impl->strides = strides;
  impl->offset = offset;
  impl->dtype = x.dtype();
  return Tensor(std::move(impl));
}

Tensor Tensor::empty(const Shape& shape, DType dtype, Device device) {
  for (int64_t s : shape)
    KDUP_CHECK(s >= 0, "empty: negative size in shape " << shape_str(shape));
  auto impl = std::make_shared<TensorImpl>();
  impl->storage = std::make_shared<Storage>(shape_numel(shape) * dtype_size(dtype), device);
  impl->shape = shape;
  impl->strides = contiguous_strides(shape);
  impl->dtype = dtype;
  return Tensor(std::move(impl));
}

Tensor Tensor::empty_channels_last(const Shape& shape, DType dtype, Device device) {
  KDUP_CHECK(shape.size() == 4, "empty_channels_last: shape " << shape_str(shape) << " is not 4-D");
  Tensor t = empty(shape, dtype, device);
  t.impl_->strides = channels_last_strides(shape);
  return t;
}

Tensor Tensor::empty_like(const Tensor& t) {
  return t.is_only_channels_last()
             ? empty_channels_last(t.shape(), t.dtype(), t.device())
             : empty(t.shape(), t.dtype(), t.device());
}

Tensor Tensor::full(const Shape& shape, double value, DType dtype, Device device) {
  Tensor t = empty(shape, dtype, device);
  KDUP_DISPATCH(device, fill, t, value);
  return t;
}

Tensor Tensor::zeros(const Shape& shape, DType dtype, Device device) {
  return full(shape, 0.0, dtype, device);
}

Tensor Tensor::ones(const Shape& shape, DType dtype, Device device) {
  return full(shape, 1.0, dtype, device);
}

template <class T>
Tensor Tensor::from_vector(const std::vector<T>& values, const Shape& shape, Device device) {
  KDUP_CHECK(static_cast<int64_t>(values.size()) == shape_numel(shape),
             "from_vector: " << values.size() << " values for shape " << shape_str(shape));
  Tensor host = empty(shape, dtype_of<T>(), Device::cpu);
  if (!values.empty()) std::memcpy(host.raw_data(), values.data(), values.size() * sizeof(T));
  return device == Device::cpu ? host : host.to(device);
}
template Tensor Tensor::from_vector(const std::vector<float>&, const Shape&, Device);
template Tensor Tensor::from_vector(const std::vector<double>&, const Shape&, Device);
template Tensor Tensor::from_vector(const std::vector<int64_t>&, const Shape&, Device);
template Tensor Tensor::from_vector(const std::vector<uint8_t>&, const Shape&, Device);

Tensor Tensor::arange(int64_t n, DType dtype, Device device) {
  Tensor host = empty({n}, dtype, Device::cpu);
  dispatch_all(dtype, "arange", [&](auto tag) {
    using T = typename decltype(tag)::type;
    T* p = host.data<T>();
    for (int64_t i = 0; i < n; ++i) p[i] = static_cast<T>(i);
  });
  return device == Device::cpu ? host : host.to(device);
}

// Random tensors are drawn on the host from Philox, element i from counter i, so a seed gives the
// same values on every device and in every build.
static Tensor random_tensor(const Shape& shape, uint64_t seed, DType dtype, Device device,
                            bool normal) {
  Tensor host = Tensor::empty(shape, dtype, Device::cpu);
  dispatch_floating(dtype, normal ? "randn" : "rand", [&](auto tag) {
    using T = typename decltype(tag)::type;
    T* p = host.data<T>();
    const int64_t n = host.numel();
    for (int64_t i = 0; i < n; ++i)
      p[i] = static_cast<T>(normal ? philox_normal(seed, 0, i) : philox_uniform(seed, 0, i));
  });
  return device == Device::cpu ? host : host.to(device);
}

Tensor Tensor::randn(const Shape& shape, uint64_t seed, DType dtype, Device device) {
  return random_tensor(shape, seed, dtype, device, true);
}

Tensor Tensor::rand(const Shape& shape, uint64_t seed, DType dtype, Device device) {
  return random_tensor(shape, seed, dtype, device, false);
}

int64_t Tensor::size(int64_t d) const { return shape()[normalize_dim(d, dim(), "size")]; }

bool Tensor::is_contiguous() const {
  int64_t expected = 1;
  for (size_t i = shape().size(); i-- > 0;) {
    if (shape()[i] != 1 && strides()[i] != expected) return false;
    expected *= shape()[i];
  }
  return true;
}

bool Tensor::is_channels_last() const {
  if (dim() != 4) return false;
  int64_t expected = 1;
  for (int64_t d : {1, 3, 2, 0}) {  // innermost first: C, W, H, N
    if (shape()[d] != 1 && strides()[d] != expected) return false;
    expected *= shape()[d];
  }
  return true;
}

void* Tensor::raw_data() const {
  return static_cast<char*>(impl_->storage->data()) + impl_->offset * dtype_size(dtype());
}

template <class T>
std::vector<T> Tensor::to_vector() const {
  if (device() == Device::cpu) count_host_read();  // a device tensor counts in to(Device::cpu)
  Tensor host = to(Device::cpu).contiguous();
  std::vector<T> out(host.numel());
  dispatch_all(host.dtype(), "to_vector", [&](auto tag) {
    using S = typename decltype(tag)::type;
    const S* p = host.data<S>();
    for (size_t i = 0; i < out.size(); ++i) out[i] = static_cast<T>(p[i]);
  });
  return out;
}
template std::vector<float> Tensor::to_vector() const;
template std::vector<double> Tensor::to_vector() const;
template std::vector<int64_t> Tensor::to_vector() const;
template std::vector<uint8_t> Tensor::to_vector() const;

double Tensor::item() const {
  KDUP_CHECK(numel() == 1, "item: tensor of shape " << shape_str(shape()) << " is not one value");
  return to_vector<double>()[0];
}

Tensor& Tensor::set_requires_grad(bool value) {
  KDUP_CHECK(!value || is_floating(dtype()),
             "set_requires_grad: only floating tensors have gradients, this one is "
                 << dtype_name(dtype()));
  KDUP_CHECK(is_leaf(), "set_requires_grad: only a leaf tensor can be marked (use detach())");
  impl_->requires_grad = value;
  return *this;
}

Tensor Tensor::detach() const { return make_view(*this, shape(), strides(), offset()); }

}  // namespace kdup
