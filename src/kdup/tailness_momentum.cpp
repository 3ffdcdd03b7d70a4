#include "kdup/tailness_momentum.h"

#include <vector>

namespace kdup {

namespace {

Tensor float_vector_on_cpu(const Tensor& t, const char* what) {
  KDUP_CHECK(t.defined() && t.dim() == 1,
             "TailnessMomentum: " << what << " must be a 1-D tensor"
                                  << (t.defined() ? ", got " + shape_str(t.shape()) : ""));
  return Tensor::from_vector(t.to_vector<float>(), {t.numel()});
}

}  // namespace

TailnessMomentum::TailnessMomentum(double rho, bool use_momentum)
    : rho_(rho), use_momentum_(use_momentum) {
  KDUP_CHECK(rho >= 0.0 && rho < 1.0, "TailnessMomentum: rho must lie in [0, 1), got " << rho);
}

const Tensor& TailnessMomentum::update(const Tensor& fresh) {
  Tensor next = float_vector_on_cpu(fresh, "the fresh tailness");
  if (!use_momentum_ || !scores_.defined()) {
    scores_ = next;
    return scores_;
  }
  KDUP_CHECK(next.numel() == scores_.numel(),
             "TailnessMomentum: the fresh tailness has " << next.numel() << " samples but the running one has "
                                                         << scores_.numel());
  // A new tensor each time, so a tensor handed out earlier (e.g. to a checkpoint) never changes.
  const float* previous = scores_.data<float>();
  float* s = next.data<float>();
  for (int64_t i = 0; i < next.numel(); ++i)
    s[i] = static_cast<float>(rho_ * previous[i] + (1.0 - rho_) * s[i]);
  scores_ = next;
  return scores_;
}

void TailnessMomentum::load(const Tensor& scores) {
  scores_ = float_vector_on_cpu(scores, "the loaded tailness");
}

}  // namespace kdup
