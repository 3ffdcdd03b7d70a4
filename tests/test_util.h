// Helpers shared by the tests.
#pragma once
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <iterator>

#include <string>
#include <vector>

#include "autograd/gradcheck.h"
#include "ops/ops.h"

namespace kdup::test {

// A file's bytes.
inline std::string slurp(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string((std::istreambuf_iterator<char>(in)), {});
}

// A float64 leaf of the given shape with seeded normal values, requiring a gradient.
inline Tensor leaf(const Shape& shape, uint64_t seed, double scale = 1.0, double shift = 0.0) {
  Tensor t;
  {
    NoGradGuard no_grad;
    t = Tensor::randn(shape, seed, DType::f64) * scale + shift;
  }
  t.set_requires_grad(true);
  return t;
}

// n seeded random uint8 RGB images of side x side (NHWC), uniform over 0..255.
inline Tensor random_images(int64_t n, int64_t side, uint64_t seed) {
  const std::vector<double> u =
      Tensor::rand({n, side, side, 3}, seed, DType::f64).to_vector<double>();
  std::vector<uint8_t> bytes(u.size());
  for (size_t i = 0; i < u.size(); ++i) bytes[i] = static_cast<uint8_t>(u[i] * 255.999);
  return Tensor::from_vector<uint8_t>(bytes, {n, side, side, 3});
}

// Runs the gradient checker and fails the test with its report when a point disagrees. Smooth ops
// pass max_kinks = 0, so a check that silently skips everything cannot pass.
inline void expect_gradients_match(const GradcheckFn& f, const std::vector<Tensor>& inputs,
                                   int64_t max_kinks = 0, GradcheckOptions options = {}) {
  GradcheckResult r = gradcheck(f, inputs, options);
  EXPECT_TRUE(r.ok) << r.report << "max error " << r.max_error;
  EXPECT_GT(r.checked, 0) << "no point was checked";
  EXPECT_LE(r.skipped_kinks, max_kinks) << "points skipped as kinks";
}

// Element-wise closeness with a normalised error: |a - b| <= tol * max(1, |b|).
inline void expect_close(const std::vector<double>& actual, const std::vector<double>& expected,
                         double tol, const std::string& what = "") {
  ASSERT_EQ(actual.size(), expected.size()) << what;
  for (size_t i = 0; i < actual.size(); ++i)
    ASSERT_NEAR(actual[i], expected[i], tol * std::max(1.0, std::abs(expected[i])))
        << what << " element " << i;
}

// The largest |a - b| over the elements, relative to the largest |b|: how two computations of the
// same tensor that add in different orders (oneDNN against im2col, two layouts) differ.
inline double normalised_error(const Tensor& a, const Tensor& b) {
  std::vector<double> x = a.to_vector<double>(), y = b.to_vector<double>();
  double diff = 0, scale = 1e-30;
  for (size_t i = 0; i < x.size(); ++i) {
    diff = std::max(diff, std::abs(x[i] - y[i]));
    scale = std::max(scale, std::abs(y[i]));
  }
  return diff / scale;
}

// Expects f() to throw kdup::Error whose message contains every fragment.
template <class F>
void expect_error(F f, const std::vector<std::string>& fragments) {
  try {
    f();
    ADD_FAILURE() << "expected an error mentioning " << fragments.front();
  } catch (const Error& e) {
    for (const auto& fragment : fragments)
      EXPECT_NE(std::string(e.what()).find(fragment), std::string::npos)
          << "message '" << e.what() << "' lacks '" << fragment << "'";
  }
}

}  // namespace kdup::test
