// Per-element math of the elementwise kernels, shared by the CPU kernels and their CUDA twins.
#pragma once
#include <cmath>
#include <cstdint>

#include "tensor/hostdevice.h"

namespace kdup {

enum class UnaryOp : uint8_t {
  neg,
  exp,
  log,
  sqrt,
  relu,
  abs,
  sign,    // -1, 0 or 1
  pow,     // x^a
  clamp,   // min(max(x, a), b)
  inside,  // 1 where a <= x <= b, else 0 (the derivative of clamp)
  affine,  // a*x + b
};

enum class BinaryOp : uint8_t {
  add,
  sub,
  mul,
  div,
  add_relu,       // max(x + y, 0): a residual sum and its ReLU in one pass
  relu_backward,  // x where y > 0, else 0: relu's backward from its output y, x the gradient
};

enum class CompareOp : uint8_t { gt, ge, lt, le, eq, ne };

template <class T>
KDUP_HD T unary_math(UnaryOp op, T x, T a, T b) {
  switch (op) {
    case UnaryOp::neg: return -x;
    case UnaryOp::exp: return std::exp(x);
    case UnaryOp::log: return std::log(x);
    case UnaryOp::sqrt: return std::sqrt(x);
    case UnaryOp::relu: return x > T(0) ? x : T(0);
    case UnaryOp::abs: return x < T(0) ? -x : x;
    case UnaryOp::sign: return x > T(0) ? T(1) : (x < T(0) ? T(-1) : T(0));
    case UnaryOp::pow: return std::pow(x, a);
    case UnaryOp::clamp: return x < a ? a : (x > b ? b : x);
    case UnaryOp::inside: return (x >= a && x <= b) ? T(1) : T(0);
    case UnaryOp::affine: return a * x + b;
  }
  return x;
}

template <class T>
KDUP_HD T binary_math(BinaryOp op, T x, T y) {
  switch (op) {
    case BinaryOp::add: return x + y;
    case BinaryOp::sub: return x - y;
    case BinaryOp::mul: return x * y;
    case BinaryOp::div: return x / y;
    case BinaryOp::add_relu: return x + y > T(0) ? x + y : T(0);
    case BinaryOp::relu_backward: return y > T(0) ? x : T(0);
  }
  return x;
}

template <class T>
KDUP_HD uint8_t compare_math(CompareOp op, T x, T y) {
  switch (op) {
    case CompareOp::gt: return x > y;
    case CompareOp::ge: return x >= y;
    case CompareOp::lt: return x < y;
    case CompareOp::le: return x <= y;
    case CompareOp::eq: return x == y;
    case CompareOp::ne: return x != y;
  }
  return 0;
}

}  // namespace kdup
