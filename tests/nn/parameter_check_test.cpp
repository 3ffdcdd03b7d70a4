// The finiteness check of a training step: the global gradient norm, whether every parameter value
// is finite, over all parameter groups, and whether the model's buffers are.
#include "nn/parameter_check.h"

#include <cmath>
#include <limits>

#include "test_util.h"

namespace kdup {
namespace {

Tensor parameter(std::vector<float> values, std::vector<float> gradient) {
  const int64_t n = static_cast<int64_t>(values.size());
  Tensor p = Tensor::from_vector<float>(values, {n});
  p.set_requires_grad(true);
  if (!gradient.empty()) p.set_grad(Tensor::from_vector<float>(gradient, {n}));
  return p;
}

// A module with one buffer, as batch norm's running statistics.
struct WithBuffer : Module {
  explicit WithBuffer(Tensor buffer) { register_buffer("running_var", std::move(buffer)); }
};

const Module no_buffers{};

TEST(ParameterCheck, GradientNormOverEveryGroup) {
  Tensor a = parameter({1, 2}, {3, 4}), b = parameter({5}, {12}), c = parameter({7}, {});
  const SGD opt({{{a, c}, 1e-4}, {{b}, 0.0}}, 0.1);
  const ParameterCheck check = check_parameters(opt, no_buffers);
  EXPECT_DOUBLE_EQ(check.gradient_norm, 13.0);  // sqrt(9 + 16 + 144); c has no gradient
  EXPECT_TRUE(check.parameters_finite);
  EXPECT_TRUE(check.ok());
}

TEST(ParameterCheck, NonFiniteGradientsAndValuesAreFound) {
  const float inf = std::numeric_limits<float>::infinity();
  const float nan = std::numeric_limits<float>::quiet_NaN();
  {
    Tensor a = parameter({1, 2}, {3, inf}), b = parameter({1}, {1});
    const ParameterCheck check = check_parameters(SGD({{{a, b}, 0.0}}, 0.1), no_buffers);
    EXPECT_TRUE(std::isinf(check.gradient_norm));
    EXPECT_TRUE(check.parameters_finite);
    EXPECT_FALSE(check.ok());
  }
  {
    Tensor a = parameter({1, 2}, {nan, 0});
    EXPECT_TRUE(std::isnan(check_parameters(SGD({{{a}, 0.0}}, 0.1), no_buffers).gradient_norm));
  }
  for (float bad : {inf, -inf, nan}) {
    Tensor a = parameter({1, 2}, {1, 1}), b = parameter({3, bad, 4}, {});
    const ParameterCheck check = check_parameters(SGD({{{a}, 0.0}, {{b}, 0.0}}, 0.1), no_buffers);
    EXPECT_DOUBLE_EQ(check.gradient_norm, std::sqrt(2.0));
    EXPECT_FALSE(check.parameters_finite) << bad;
    EXPECT_FALSE(check.ok());
  }
  // Large but finite values are finite: the check sums 0 * x, never x itself.
  Tensor big = parameter({3e38f, -3e38f, 3e38f}, {});
  EXPECT_TRUE(check_parameters(SGD({{{big}, 0.0}}, 0.1), no_buffers).parameters_finite);
}

TEST(ParameterCheck, NonFiniteBuffersAreFound) {
  Tensor p = parameter({1}, {1});
  const SGD opt({{{p}, 0.0}}, 0.1);
  const ParameterCheck good =
      check_parameters(opt, WithBuffer(Tensor::from_vector<float>({1, 2}, {2})));
  EXPECT_TRUE(good.buffers_finite);
  const float inf = std::numeric_limits<float>::infinity();
  const ParameterCheck bad =
      check_parameters(opt, WithBuffer(Tensor::from_vector<float>({1, inf}, {2})));
  EXPECT_FALSE(bad.buffers_finite);
  EXPECT_TRUE(bad.parameters_finite);
  EXPECT_FALSE(bad.ok());
  // Integer buffers (counters) are finite by nature.
  EXPECT_TRUE(check_parameters(opt, WithBuffer(Tensor::from_vector<int64_t>({7}, {1}))).ok());
}

}  // namespace
}  // namespace kdup
