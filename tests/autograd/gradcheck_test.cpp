// The gradient checker itself: it passes a correct backward, fails a wrong one, skips kinks.
#include "autograd/node.h"
#include "test_util.h"

namespace kdup {
namespace {

using test::leaf;

// x^2 with a deliberately wrong backward (3x instead of 2x).
Tensor square_with_wrong_backward(const Tensor& x) {
  Tensor out;
  {
    NoGradGuard no_grad;
    out = x * x;
  }
  return record("wrong_square", out, {x}, [x](const Tensor& g) {
    return std::vector<Tensor>{g * x * 3.0};
  });
}

TEST(Gradcheck, PassesACorrectBackward) {
  Tensor x = leaf({3, 4}, 1);
  GradcheckResult r = gradcheck([](const std::vector<Tensor>& in) { return in[0] * in[0]; }, {x});
  EXPECT_TRUE(r.ok) << r.report;
  EXPECT_EQ(r.checked, 12);
  EXPECT_EQ(r.skipped_kinks, 0);
  EXPECT_LT(r.max_error, 1e-8);
}

TEST(Gradcheck, CatchesAWrongBackward) {
  Tensor x = leaf({3, 4}, 2);
  GradcheckResult r =
      gradcheck([](const std::vector<Tensor>& in) { return square_with_wrong_backward(in[0]); }, {x});
  EXPECT_FALSE(r.ok);
  EXPECT_GT(r.max_error, 0.1);
  EXPECT_NE(r.report.find("analytic"), std::string::npos);
}

TEST(Gradcheck, CatchesAMissingGradient) {
  // The second input influences the output, but the backward drops its gradient.
  Tensor a = leaf({4}, 3), b = leaf({4}, 4);
  GradcheckResult r = gradcheck(
      [](const std::vector<Tensor>& in) {
        Tensor out;
        {
          NoGradGuard no_grad;
          out = in[0] + in[1];
        }
        return record("half_add", out, {in[0], in[1]}, [](const Tensor& g) {
          return std::vector<Tensor>{g, Tensor()};
        });
      },
      {a, b});
  EXPECT_FALSE(r.ok);
}

TEST(Gradcheck, SkipsKinksButChecksTheRest) {
  // relu at exactly 0 is a kink; the other points are smooth.
  Tensor x = Tensor::from_vector<double>({-1.5, 0.0, 0.7, 2.0}, {4});
  x.set_requires_grad(true);
  GradcheckResult r = gradcheck([](const std::vector<Tensor>& in) { return relu(in[0]); }, {x});
  EXPECT_TRUE(r.ok) << r.report;
  EXPECT_EQ(r.skipped_kinks, 1);
  EXPECT_EQ(r.checked, 3);
}

TEST(Gradcheck, ChecksEveryInputIncludingParameters) {
  Tensor x = leaf({2, 3}, 5), w = leaf({4, 3}, 6), b = leaf({4}, 7);
  GradcheckResult r = gradcheck(
      [](const std::vector<Tensor>& in) { return linear(in[0], in[1], in[2]); }, {x, w, b});
  EXPECT_TRUE(r.ok) << r.report;
  EXPECT_EQ(r.checked, 6 + 12 + 4);
}

}  // namespace
}  // namespace kdup
