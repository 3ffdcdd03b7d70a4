// Element types. float32 trains; float64 runs the gradient checks; int64 holds indices and labels;
// uint8 holds decoded images.
#pragma once
#include <cstddef>
#include <cstdint>

#include "tensor/error.h"

namespace kdup {

enum class DType : uint8_t { f32, f64, i64, u8 };

inline size_t dtype_size(DType t) {
  switch (t) {
    case DType::f32: return 4;
    case DType::f64: return 8;
    case DType::i64: return 8;
    case DType::u8: return 1;
  }
  return 0;
}

inline const char* dtype_name(DType t) {
  switch (t) {
    case DType::f32: return "float32";
    case DType::f64: return "float64";
    case DType::i64: return "int64";
    case DType::u8: return "uint8";
  }
  return "?";
}

inline bool is_floating(DType t) { return t == DType::f32 || t == DType::f64; }

template <class T> constexpr DType dtype_of();
template <> constexpr DType dtype_of<float>() { return DType::f32; }
template <> constexpr DType dtype_of<double>() { return DType::f64; }
template <> constexpr DType dtype_of<int64_t>() { return DType::i64; }
template <> constexpr DType dtype_of<uint8_t>() { return DType::u8; }

template <class T> struct TypeTag { using type = T; };

// Calls f(TypeTag<float>{}) or f(TypeTag<double>{}) for a floating dtype; other dtypes are an error
// naming the op. Kernels are templates over the scalar type, so one body serves both precisions.
template <class F>
void dispatch_floating(DType t, const char* op, F&& f) {
  switch (t) {
    case DType::f32: f(TypeTag<float>{}); return;
    case DType::f64: f(TypeTag<double>{}); return;
    default: KDUP_CHECK(false, op << ": expected a float32 or float64 tensor, got " << dtype_name(t));
  }
}

// As dispatch_floating, plus int64 and uint8 (for copies, casts and fills).
template <class F>
void dispatch_all(DType t, const char* op, F&& f) {
  switch (t) {
    case DType::f32: f(TypeTag<float>{}); return;
    case DType::f64: f(TypeTag<double>{}); return;
    case DType::i64: f(TypeTag<int64_t>{}); return;
    case DType::u8: f(TypeTag<uint8_t>{}); return;
  }
  KDUP_CHECK(false, op << ": unknown dtype");
}

}  // namespace kdup
