#include "kdup/guided_losses.h"

#include "ops/ops.h"

namespace kdup {
namespace {

void check_same_rows(const char* loss, const char* what_a, const Tensor& a, const char* what_b,
                     const Tensor& b) {
  KDUP_CHECK(a.defined() && b.defined(), loss << ": undefined " << what_a << " or " << what_b);
  KDUP_CHECK(a.dim() == 2 && a.shape() == b.shape(),
             loss << ": " << what_a << " and " << what_b << " must both be [B, d], got "
                  << shape_str(a.shape()) << " and " << shape_str(b.shape()));
}

void check_weights(const char* loss, const char* what, const Tensor& w, int64_t batch) {
  KDUP_CHECK(w.defined(), loss << ": undefined " << what);
  KDUP_CHECK(w.shape() == Shape{batch},
             loss << ": " << what << " must be [" << batch << "] (one per anchor), got "
                  << shape_str(w.shape()));
}

}  // namespace

Tensor rowwise_cosine(const Tensor& a, const Tensor& b) {
  check_same_rows("rowwise_cosine", "a", a, "b", b);
  return sum(l2_normalize(a, 1) * l2_normalize(b, 1), {1});
}

GuidanceWeights guidance_weights(const Tensor& z, const Tensor& z_positive,
                                 const Tensor& z_negative) {
  check_same_rows("guidance_weights", "z", z, "z_positive", z_positive);
  check_same_rows("guidance_weights", "z", z, "z_negative", z_negative);
  NoGradGuard no_grad;
  return {rowwise_cosine(z, z_positive).detach(), rowwise_cosine(z, z_negative).detach()};
}

Tensor guided_contrastive_loss(const Tensor& y, const Tensor& y_positive, const Tensor& y_negative,
                               const Tensor& w_positive, const Tensor& w_negative) {
  const char* loss = "guided_contrastive_loss";
  check_same_rows(loss, "y", y, "y_positive", y_positive);
  check_same_rows(loss, "y", y, "y_negative", y_negative);
  const int64_t batch = y.shape()[0];
  check_weights(loss, "w_positive", w_positive, batch);
  check_weights(loss, "w_negative", w_negative, batch);
  // Eq. 11: a positive pulled harder the more f already agrees (1 + w^pos), a negative pushed
  // harder the less f finds it similar (1 - w^neg).
  Tensor pull = (1.0 + w_positive.detach()) * (1.0 - rowwise_cosine(y, y_positive));
  Tensor push = (1.0 - w_negative.detach()) * (1.0 + rowwise_cosine(y, y_negative));
  return mean(pull + push);
}

Tensor distillation_loss(const Tensor& z, const Tensor& y) {
  const char* loss = "distillation_loss";
  KDUP_CHECK(z.defined() && y.defined(), loss << ": undefined z or y");
  KDUP_CHECK(z.dim() == 2 && y.dim() == 2 && z.shape()[0] == y.shape()[0],
             loss << ": z and y must be [B, d_f] and [B, d_g] with the same B, got "
                  << shape_str(z.shape()) << " and " << shape_str(y.shape()));
  const int64_t batch = y.shape()[0];
  KDUP_CHECK(batch >= 2, loss << ": needs at least 2 rows, got " << shape_str(y.shape()));
  Tensor teacher = cosine_similarity_matrix(z.detach(), z.detach());
  Tensor student = cosine_similarity_matrix(y, y);
  // Eq. 12 sums over j != i; the diagonal (cos = 1 on both sides, up to rounding) is masked out.
  Tensor diagonal = eq(Tensor::arange(batch, DType::i64, y.device()).reshape({batch, 1}),
                       Tensor::arange(batch, DType::i64, y.device()).reshape({1, batch}));
  Tensor squared = masked_fill(pow(teacher - student, 2.0), diagonal, 0.0);
  return sum(squared) * (1.0 / static_cast<double>(batch * (batch - 1)));
}

}  // namespace kdup
