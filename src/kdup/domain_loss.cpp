#include "kdup/domain_loss.h"

#include <vector>

#include "kdup/pair_masks.h"
#include "ops/ops.h"

namespace kdup {
namespace {

void check_rows(const char* loss, const Tensor& z, double temperature) {
  KDUP_CHECK(z.defined() && z.dim() == 2,
             loss << ": expected rows z of shape [N, d], got "
                  << (z.defined() ? shape_str(z.shape()) : std::string("an undefined tensor")));
  KDUP_CHECK(temperature > 0, loss << ": temperature must be positive, got " << temperature);
}

void check_labels(const char* loss, const Tensor& z, const std::vector<int64_t>& labels,
                  const char* what) {
  KDUP_CHECK(static_cast<int64_t>(labels.size()) == z.shape()[0],
             loss << ": expected " << what << " of shape [" << z.shape()[0]
                  << "] (one per row), got [" << labels.size() << "]");
}

void check_domains(const char* loss, const Tensor& z, const std::vector<int64_t>& d) {
  check_labels(loss, z, d, "domain");
  for (size_t i = 0; i < d.size(); ++i)
    KDUP_CHECK(d[i] == 0 || d[i] == 1, loss << ": domain of row " << i << " is " << d[i]
                                            << ", expected 0 (ID) or 1 (OOD)");
}

bool single_domain(const std::vector<int64_t>& domain) {
  for (int64_t d : domain)
    if (d != domain.front()) return false;
  return true;
}

// A zero that depends on z: backward() through it gives zero gradients.
Tensor connected_zero(const Tensor& z) { return sum(z) * 0.0; }

// same(i, j): j != i with the same label as i; differ(i, j): a different label.
PairMask same_label_pairs(const std::vector<int64_t>& labels) {
  const int64_t n = static_cast<int64_t>(labels.size());
  PairMask same(n);
  for (int64_t i = 0; i < n; ++i)
    for (int64_t j = 0; j < n; ++j) same.at(i, j) = j != i && labels[i] == labels[j];
  return same;
}

PairMask other_label_pairs(const std::vector<int64_t>& labels) {
  const int64_t n = static_cast<int64_t>(labels.size());
  PairMask differ(n);
  for (int64_t i = 0; i < n; ++i)
    for (int64_t j = 0; j < n; ++j) differ.at(i, j) = labels[i] != labels[j];
  return differ;
}

// Per-row weights 1/|P(i)| / |I| over the pairs of `positive`, rows with no positive left out; the
// weighted sum of a per-pair term is then the mean over I of the per-row mean over P(i).
// Returns an undefined tensor when no row has a positive.
Tensor mean_over_positives_weights(const PairMask& positive, const Tensor& like) {
  std::vector<double> row_scale(static_cast<size_t>(positive.n), 0.0);
  int64_t rows_with_positives = 0;
  for (int64_t i = 0; i < positive.n; ++i) rows_with_positives += positive.count_in_row(i) > 0;
  if (rows_with_positives == 0) return Tensor();
  for (int64_t i = 0; i < positive.n; ++i) {
    const int64_t count = positive.count_in_row(i);
    if (count > 0) row_scale[i] = 1.0 / static_cast<double>(count * rows_with_positives);
  }
  return row_weights(positive, row_scale, like);
}

// log(e^a + e^b) elementwise (a and b broadcast), shifted by the detached larger of the two.
Tensor log_add_exp(const Tensor& a, const Tensor& b) {
  Tensor shift = where(gt(a, b), a, b).detach();
  return log(exp(a - shift) + exp(b - shift)) + shift;
}

}  // namespace

Tensor domain_discrimination_loss(const Tensor& z, const std::vector<int64_t>& d,
                                  double temperature) {
  const char* loss = "domain_discrimination_loss";
  check_rows(loss, z, temperature);
  check_domains(loss, z, d);
  if (d.empty() || single_domain(d)) return connected_zero(z);
  const PairMask same = same_label_pairs(d);
  Tensor weights = mean_over_positives_weights(same, z);
  if (!weights.defined()) return connected_zero(z);

  Tensor logits = normalized_similarity_logits(z, temperature);
  // Eq. 9, one pair (i, p): log(e^{s_ip} / (e^{s_ip} + sum_n e^{s_in})) = s_ip - log(e^{s_ip} +
  // e^{lse_i}), lse_i = log sum_{n in S_i^d} e^{s_in} (finite: both domains are present).
  Tensor other_domain_lse = row_logsumexp_over(logits, other_label_pairs(d));
  Tensor pair_log_prob = logits - log_add_exp(logits, other_domain_lse);
  return -sum(weights * pair_log_prob);
}

Tensor supcon_loss(const Tensor& z, const std::vector<int64_t>& l, double temperature) {
  const char* loss = "supcon_loss";
  check_rows(loss, z, temperature);
  check_labels(loss, z, l, "labels");
  const PairMask positive = same_label_pairs(l);
  Tensor weights = mean_over_positives_weights(positive, z);
  if (!weights.defined()) return connected_zero(z);

  PairMask anchors(positive.n);  // A(i): every row except i
  for (int64_t i = 0; i < anchors.n; ++i)
    for (int64_t j = 0; j < anchors.n; ++j) anchors.at(i, j) = j != i;
  Tensor logits = normalized_similarity_logits(z, temperature);
  Tensor pair_log_prob = logits - row_logsumexp_over(logits, anchors);
  return -sum(weights * pair_log_prob);
}

Tensor colt_domain_loss(const Tensor& z, const std::vector<int64_t>& d, double temperature) {
  const char* loss = "colt_domain_loss";
  check_rows(loss, z, temperature);
  check_domains(loss, z, d);
  if (d.empty() || single_domain(d)) return connected_zero(z);
  return supcon_loss(z, d, temperature);
}

// The label tensors, read to the host where the masks are built.
Tensor domain_discrimination_loss(const Tensor& z, const Tensor& domain, double temperature) {
  const char* loss = "domain_discrimination_loss";
  check_rows(loss, z, temperature);
  return domain_discrimination_loss(z, row_labels(loss, domain, z.shape()[0], "domain"),
                                    temperature);
}

Tensor supcon_loss(const Tensor& z, const Tensor& labels, double temperature) {
  check_rows("supcon_loss", z, temperature);
  return supcon_loss(z, row_labels("supcon_loss", labels, z.shape()[0], "labels"), temperature);
}

Tensor colt_domain_loss(const Tensor& z, const Tensor& domain, double temperature) {
  check_rows("colt_domain_loss", z, temperature);
  return colt_domain_loss(z, row_labels("colt_domain_loss", domain, z.shape()[0], "domain"),
                          temperature);
}

}  // namespace kdup
