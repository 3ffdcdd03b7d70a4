// The KDUP and COLT losses against PyTorch (tools/reference/kdup_losses_golden.py), the gradient
// checker, hand-computed cases and bad inputs.
#include <cmath>
#include <string>
#include <vector>

#include "io/safetensors.h"
#include "kdup/domain_loss.h"
#include "kdup/guided_losses.h"
#include "kdup/nt_xent.h"
#include "kdup/pseudo_semantic_loss.h"
#include "test_util.h"

namespace kdup {
namespace {

const SafetensorsFile& golden() {
  static const SafetensorsFile file =
      read_safetensors(std::string(KDUP_SOURCE_DIR) + "/tests/golden/kdup_losses.safetensors");
  return file;
}

// A fresh leaf holding the golden input `case_name.input`, requiring a gradient.
Tensor golden_leaf(const std::string& case_name, const std::string& input) {
  Tensor t = golden().at(case_name + "." + input).clone().detach();
  t.set_requires_grad(true);
  return t;
}

Tensor golden_input(const std::string& case_name, const std::string& input) {
  return golden().at(case_name + "." + input);
}

// Back-propagates `loss` and compares its value and the gradient of each named leaf with PyTorch.
void expect_matches_golden(const std::string& case_name, const Tensor& loss,
                           const std::vector<std::pair<std::string, Tensor>>& leaves) {
  EXPECT_NEAR(loss.item(), golden_input(case_name, "loss").item(), 1e-10) << case_name;
  loss.backward();
  for (const auto& [name, t] : leaves) {
    ASSERT_TRUE(t.grad().defined()) << case_name << " " << name << " has no gradient";
    test::expect_close(t.grad().to_vector<double>(),
                       golden_input(case_name, "grad." + name).to_vector<double>(), 1e-10,
                       case_name + " grad " + name);
  }
}

Tensor uint8_vector(const std::vector<uint8_t>& values) {
  return Tensor::from_vector(values, {static_cast<int64_t>(values.size())});
}

// ---- L_PSD (Eq. 8) -----------------------------------------------------------------------------

TEST(KdupLossPsd, MatchesPyTorchBothDenominators) {
  for (auto [name, form] : {std::pair{"psd_as_written", PsdDenominator::as_written},
                            std::pair{"psd_infonce", PsdDenominator::infonce}}) {
    Tensor z1 = golden_leaf(name, "z1"), z2 = golden_leaf(name, "z2");
    Tensor loss = pseudo_semantic_loss(z1, z2, golden_input(name, "partners"), 0.5, form);
    expect_matches_golden(name, loss, {{"z1", z1}, {"z2", z2}});
  }
}

TEST(KdupLossPsd, PartnerListsGiveThePartnerMatrix) {
  Tensor from_lists = partner_matrix({{1, 3}, {}, {4}, {}, {2, 0}});
  EXPECT_EQ(from_lists.dtype(), DType::u8);
  EXPECT_EQ(from_lists.to_vector<int64_t>(),
            golden_input("psd_as_written", "partners").to_vector<int64_t>());
}

TEST(KdupLossPsd, PassesTheGradientChecker) {
  Tensor z1 = test::leaf({4, 3}, 11), z2 = test::leaf({4, 3}, 12);
  Tensor partners = partner_matrix({{2}, {0, 3}, {}, {1}});
  for (PsdDenominator form : {PsdDenominator::as_written, PsdDenominator::infonce})
    test::expect_gradients_match(
        [&](const std::vector<Tensor>& in) {
          return pseudo_semantic_loss(in[0], in[1], partners, 0.5, form);
        },
        {z1, z2});
}

TEST(KdupLossPsd, WithoutPartnersTheInfoNceFormIsNtXent) {
  Tensor z1 = test::leaf({5, 4}, 21), z2 = test::leaf({5, 4}, 22);
  Tensor none = partner_matrix(std::vector<std::vector<int64_t>>(5));
  EXPECT_NEAR(pseudo_semantic_loss(z1, z2, none, 0.2, PsdDenominator::infonce).item(),
              nt_xent_loss(z1, z2, 0.2).item(), 1e-12);
}

TEST(KdupLossPsd, HandComputedOrthogonalSamples) {
  // Three orthogonal samples with identical views, tau = 0.1: the positive logit is 10, the
  // negatives 0. Without partners, as written: -log(e^10 / 4) = log 4 - 10 (below zero); InfoNCE:
  // -log(e^10 / (e^10 + 4)).
  Tensor z = Tensor::from_vector<double>({1, 0, 0, 0, 1, 0, 0, 0, 1}, {3, 3});
  Tensor none = partner_matrix(std::vector<std::vector<int64_t>>(3));
  EXPECT_NEAR(pseudo_semantic_loss(z, z, none, 0.1).item(), std::log(4.0) - 10.0, 1e-12);
  EXPECT_NEAR(pseudo_semantic_loss(z, z, none, 0.1, PsdDenominator::infonce).item(),
              std::log1p(4.0 * std::exp(-10.0)), 1e-12);
  // Sample 0 partners sample 1: rows of sample 0 get 3 positives (logits 10, 0, 0) and 2 negatives
  // (sample 2); the other rows are unchanged.
  Tensor partners = partner_matrix({{1}, {}, {}});
  const double row0 = -std::log((std::exp(10.0) + 2.0) / 2.0);
  const double expected = (2 * row0 + 4 * (std::log(4.0) - 10.0)) / 6;
  EXPECT_NEAR(pseudo_semantic_loss(z, z, partners, 0.1).item(), expected, 1e-12);
}

TEST(KdupLossPsd, LargeLogitsStayFinite) {
  Tensor z1 = test::leaf({4, 3}, 31), z2 = test::leaf({4, 3}, 32);
  Tensor partners = partner_matrix({{1}, {}, {3}, {}});
  Tensor loss = pseudo_semantic_loss(z1, z2, partners, 1e-4);
  loss.backward();
  EXPECT_TRUE(std::isfinite(loss.item()));
  for (double g : z1.grad().to_vector<double>()) EXPECT_TRUE(std::isfinite(g));
}

TEST(KdupLossPsd, RejectsBadInputs) {
  Tensor z = test::leaf({3, 4}, 41);
  Tensor none = partner_matrix(std::vector<std::vector<int64_t>>(3));
  test::expect_error([&] { pseudo_semantic_loss(z, z.slice(0, 0, 2), none, 0.5); },
                     {"pseudo_semantic_loss", "[3, 4]", "[2, 4]"});
  test::expect_error(
      [&] {
        pseudo_semantic_loss(z, z, partner_matrix({{}, {}}), 0.5);
      },
      {"pseudo_semantic_loss", "[3, 3]", "[2, 2]"});
  test::expect_error([&] { pseudo_semantic_loss(z, z, none, 0.0); },
                     {"pseudo_semantic_loss", "temperature"});
  // Every sample partners every other: the as_written denominator is empty.
  Tensor everyone = partner_matrix({{1, 2}, {0, 2}, {0, 1}});
  test::expect_error([&] { pseudo_semantic_loss(z, z, everyone, 0.5); },
                     {"pseudo_semantic_loss", "no negatives"});
  EXPECT_TRUE(
      std::isfinite(pseudo_semantic_loss(z, z, everyone, 0.5, PsdDenominator::infonce).item()));
  test::expect_error([&] { partner_matrix({{3}, {}, {}}); }, {"partner_matrix", "3"});
}

// ---- L_DD (Eq. 9) and COLT's SupCon domain loss
// --------------------------------------------------

TEST(KdupLossDomain, MatchesPyTorch) {
  for (const char* name : {"dd_mixed", "dd_one_domain", "dd_lone_row"}) {
    Tensor z = golden_leaf(name, "z");
    expect_matches_golden(name, domain_discrimination_loss(z, golden_input(name, "domain"), 0.5),
                          {{"z", z}});
  }
  Tensor z = golden_leaf("supcon_domain", "z");
  expect_matches_golden("supcon_domain",
                        supcon_loss(z, golden_input("supcon_domain", "domain"), 0.2), {{"z", z}});
}

TEST(KdupLossDomain, ColtDomainLossIsSupConWhenBothDomainsArePresent) {
  Tensor z = golden_input("supcon_domain", "z"), domain = golden_input("supcon_domain", "domain");
  EXPECT_NEAR(colt_domain_loss(z, domain, 0.2).item(), golden_input("supcon_domain", "loss").item(),
              1e-10);
  EXPECT_NEAR(colt_domain_loss(z, domain.to(DType::i64), 0.2).item(),
              golden_input("supcon_domain", "loss").item(), 1e-10);
}

TEST(KdupLossDomain, OneDomainGivesADifferentiableZero) {
  Tensor z = test::leaf({6, 3}, 51);
  for (Tensor domain : {uint8_vector({0, 0, 0, 0, 0, 0}), uint8_vector({1, 1, 1, 1, 1, 1})}) {
    for (Tensor loss :
         {domain_discrimination_loss(z, domain, 0.5), colt_domain_loss(z, domain, 0.5)}) {
      EXPECT_EQ(loss.item(), 0.0);
      z.zero_grad();
      loss.backward();
      ASSERT_TRUE(z.grad().defined());
      for (double g : z.grad().to_vector<double>()) EXPECT_EQ(g, 0.0);
    }
  }
}

TEST(KdupLossDomain, HandComputedTwoDomains) {
  // Two identical ID rows orthogonal to two identical OOD rows, tau = 1: every row has one
  // same-domain partner at logit 1 and two other-domain rows at logit 0:
  // L_DD = -log(e / (e + 2)); SupCon = -log(e / (e + 2)) as well (the same denominator here).
  Tensor z = Tensor::from_vector<double>({1, 0, 1, 0, 0, 1, 0, 1}, {4, 2});
  Tensor domain = uint8_vector({0, 0, 1, 1});
  const double expected = -std::log(std::exp(1.0) / (std::exp(1.0) + 2.0));
  EXPECT_NEAR(domain_discrimination_loss(z, domain, 1.0).item(), expected, 1e-12);
  EXPECT_NEAR(supcon_loss(z, domain, 1.0).item(), expected, 1e-12);
}

TEST(KdupLossDomain, PassesTheGradientChecker) {
  Tensor z = test::leaf({7, 3}, 61);
  Tensor domain = uint8_vector({0, 1, 1, 0, 0, 1, 0});
  test::expect_gradients_match(
      [&](const std::vector<Tensor>& in) { return domain_discrimination_loss(in[0], domain, 0.5); },
      {z});
  test::expect_gradients_match(
      [&](const std::vector<Tensor>& in) { return supcon_loss(in[0], domain, 0.3); }, {z});
  Tensor classes = Tensor::from_vector<int64_t>({2, 0, 2, 1, 0, 5, 1}, {7});
  test::expect_gradients_match(
      [&](const std::vector<Tensor>& in) { return supcon_loss(in[0], classes, 0.3); }, {z});
}

TEST(KdupLossDomain, RejectsBadInputs) {
  Tensor z = test::leaf({4, 3}, 71);
  test::expect_error(
      [&] {
        domain_discrimination_loss(z, uint8_vector({0, 1, 0}), 0.5);
      },
      {"domain_discrimination_loss", "[4]", "[3]"});
  test::expect_error(
      [&] {
        domain_discrimination_loss(z, uint8_vector({0, 1, 2, 0}), 0.5);
      },
      {"domain_discrimination_loss", "row 2", "2"});
  test::expect_error([&] { domain_discrimination_loss(z, Tensor::zeros({4}, DType::f64), 0.5); },
                     {"domain_discrimination_loss", "uint8 or int64"});
  test::expect_error([&] { domain_discrimination_loss(z.reshape({12}), uint8_vector({0}), 0.5); },
                     {"domain_discrimination_loss", "[12]"});
  test::expect_error([&] { supcon_loss(z, uint8_vector({0, 1}), 0.5); }, {"supcon_loss", "[2]"});
  test::expect_error(
      [&] {
        colt_domain_loss(z, uint8_vector({0, 1, 0, 1}), -1.0);
      },
      {"colt_domain_loss", "temperature"});
}

// ---- L_GCL (Eq. 11) and L_DL (Eq. 12)
// ------------------------------------------------------------

TEST(KdupLossGuided, GuidanceWeightsMatchPyTorch) {
  GuidanceWeights w =
      guidance_weights(golden_input("gcl", "f_z"), golden_input("gcl", "f_z_positive"),
                       golden_input("gcl", "f_z_negative"));
  test::expect_close(w.positive.to_vector<double>(),
                     golden_input("gcl", "w_positive").to_vector<double>(), 1e-12);
  test::expect_close(w.negative.to_vector<double>(),
                     golden_input("gcl", "w_negative").to_vector<double>(), 1e-12);
}

TEST(KdupLossGuided, ContrastiveMatchesPyTorch) {
  Tensor y = golden_leaf("gcl", "y"), yp = golden_leaf("gcl", "y_positive"),
         yn = golden_leaf("gcl", "y_negative");
  Tensor w_pos = golden_leaf("gcl", "w_positive"), w_neg = golden_leaf("gcl", "w_negative");
  Tensor loss = guided_contrastive_loss(y, yp, yn, w_pos, w_neg);
  expect_matches_golden("gcl", loss, {{"y", y}, {"y_positive", yp}, {"y_negative", yn}});
  // The weights come from the frozen f: no gradient reaches them.
  EXPECT_FALSE(w_pos.grad().defined());
  EXPECT_FALSE(w_neg.grad().defined());
}

TEST(KdupLossGuided, ContrastiveWithIdenticalEmbeddings) {
  // y = y^p = y^n: cos = 1 for both pairs, so L_GCL = (1/B) sum_i 2 (1 - w_i^neg).
  Tensor y = test::leaf({3, 4}, 81);
  Tensor w_pos = Tensor::from_vector<double>({0.3, -0.2, 0.9}, {3});
  Tensor w_neg = Tensor::from_vector<double>({0.5, -0.5, 0.1}, {3});
  EXPECT_NEAR(guided_contrastive_loss(y, y, y, w_pos, w_neg).item(),
              2.0 * ((1 - 0.5) + (1 + 0.5) + (1 - 0.1)) / 3, 1e-12);
  // Zero weights (the guided-sampling ablation) with an orthogonal positive and an opposite
  // negative: (1 - 0) + (1 + (-1)) = 1 per anchor.
  Tensor a = Tensor::from_vector<double>({1, 0}, {1, 2});
  Tensor zero = Tensor::zeros({1}, DType::f64);
  EXPECT_NEAR(
      guided_contrastive_loss(a, Tensor::from_vector<double>({0, 2}, {1, 2}), -a, zero, zero)
          .item(),
      1.0, 1e-12);
}

TEST(KdupLossGuided, DistillationMatchesPyTorch) {
  Tensor z = golden_leaf("dl", "z"), y = golden_leaf("dl", "y");
  expect_matches_golden("dl", distillation_loss(z, y), {{"y", y}});
  EXPECT_FALSE(z.grad().defined());  // f is frozen
}

TEST(KdupLossGuided, DistillationOfTheTeacherItselfIsZero) {
  Tensor z = test::leaf({4, 3}, 91);
  EXPECT_NEAR(distillation_loss(z, z * 2.5).item(), 0.0, 1e-14);
}

TEST(KdupLossGuided, PassTheGradientChecker) {
  Tensor y = test::leaf({4, 3}, 101), yp = test::leaf({4, 3}, 102), yn = test::leaf({4, 3}, 103);
  GuidanceWeights w =
      guidance_weights(test::leaf({4, 5}, 104), test::leaf({4, 5}, 105), test::leaf({4, 5}, 106));
  test::expect_gradients_match(
      [&](const std::vector<Tensor>& in) {
        return guided_contrastive_loss(in[0], in[1], in[2], w.positive, w.negative);
      },
      {y, yp, yn});
  Tensor z = Tensor::randn({4, 5}, 107, DType::f64);
  test::expect_gradients_match(
      [&](const std::vector<Tensor>& in) { return distillation_loss(z, in[0]); }, {y});
}

TEST(KdupLossGuided, RejectBadInputs) {
  Tensor y = test::leaf({3, 4}, 111);
  Tensor w = Tensor::zeros({3}, DType::f64);
  test::expect_error([&] { guided_contrastive_loss(y, y.slice(1, 0, 3), y, w, w); },
                     {"guided_contrastive_loss", "[3, 4]", "[3, 3]"});
  test::expect_error([&] { guided_contrastive_loss(y, y, y, w.slice(0, 0, 2), w); },
                     {"guided_contrastive_loss", "w_positive", "[2]"});
  test::expect_error([&] { distillation_loss(y.slice(0, 0, 2), y); },
                     {"distillation_loss", "[2, 4]", "[3, 4]"});
  test::expect_error([&] { distillation_loss(y.slice(0, 0, 1), y.slice(0, 0, 1)); },
                     {"distillation_loss", "at least 2"});
  test::expect_error([&] { guidance_weights(y, y, y.slice(0, 0, 2)); },
                     {"guidance_weights", "[2, 4]"});
}

}  // namespace
}  // namespace kdup
