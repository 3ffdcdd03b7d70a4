#include "autograd/gradcheck.h"

#include <algorithm>
#include <cmath>
#include <sstream>

#include "autograd/grad_mode.h"
#include "ops/dispatch.h"
#include "ops/elementwise.h"
#include "ops/reduce.h"

namespace kdup {

namespace {

// L = sum(f(inputs) * R): one scalar whose gradient is the vector-Jacobian product with R.
double projected_loss(const GradcheckFn& f, const std::vector<Tensor>& inputs, const Tensor& r,
                      const GradcheckOptions& options) {
  if (options.reseed) options.reseed(options.seed);
  NoGradGuard no_grad;
  return sum(f(inputs) * r).item();
}

// Overwrites element i of the contiguous tensor t (on any device) with value.
void set_element(const Tensor& t, int64_t i, double value) {
  Tensor source = Tensor::full({}, value, t.dtype(), t.device());
  Tensor target = make_view(t, {}, {}, t.offset() + i);
  KDUP_DISPATCH(t.device(), copy, source, target);
}

}  // namespace

GradcheckResult gradcheck(const GradcheckFn& f, const std::vector<Tensor>& inputs,
                          const GradcheckOptions& options) {
  GradcheckResult result;
  for (const Tensor& x : inputs)
    if (x.defined() && x.requires_grad())
      KDUP_CHECK(x.is_contiguous() && x.is_leaf(),
                 "gradcheck: inputs that require a gradient must be contiguous leaves");

  // The analytic side: one backward pass of L.
  if (options.reseed) options.reseed(options.seed);
  Tensor out = f(inputs);
  Tensor r = Tensor::randn(out.shape(), options.seed, out.dtype(), out.device());
  for (const Tensor& x : inputs)
    if (x.defined()) const_cast<Tensor&>(x).zero_grad();
  Tensor loss = sum(out * r);
  if (loss.requires_grad()) loss.backward();

  const double center = projected_loss(f, inputs, r, options);
  std::ostringstream report;
  int failures = 0;
  for (size_t input = 0; input < inputs.size(); ++input) {
    const Tensor& x = inputs[input];
    if (!x.defined() || !x.requires_grad()) continue;
    std::vector<double> analytic = x.grad().defined() ? x.grad().to_vector<double>()
                                                      : std::vector<double>(x.numel(), 0.0);
    std::vector<double> values = x.to_vector<double>();
    for (int64_t i = 0; i < x.numel(); ++i) {
      const double v = values[i];
      set_element(x, i, v + options.eps);
      const double plus = projected_loss(f, inputs, r, options);
      set_element(x, i, v - options.eps);
      const double minus = projected_loss(f, inputs, r, options);
      set_element(x, i, v);
      const double forward_slope = (plus - center) / options.eps;
      const double backward_slope = (center - minus) / options.eps;
      const double numeric = (plus - minus) / (2 * options.eps);
      if (std::abs(forward_slope - backward_slope) >
          options.kink_tol * std::max({1.0, std::abs(forward_slope), std::abs(backward_slope)})) {
        ++result.skipped_kinks;
        continue;
      }
      ++result.checked;
      const double a = analytic[i];
      const double scale = std::max({std::abs(a), std::abs(numeric), 1.0});
      const double error = std::abs(a - numeric) / scale;
      if (!(error <= options.tol)) {  // also catches NaN
        result.ok = false;
        if (failures++ < 8)
          report << "input " << input << " " << shape_str(x.shape()) << " element " << i
                 << ": analytic " << a << ", numeric " << numeric << "\n";
      }
      if (error > result.max_error || error != error) result.max_error = error;
    }
  }
  if (failures > 8) report << "... " << failures << " failures in all\n";
  result.report = report.str();
  return result;
}

}  // namespace kdup
