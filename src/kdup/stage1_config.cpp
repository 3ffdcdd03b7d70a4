#include "kdup/stage1_config.h"

#include <initializer_list>

#include "tensor/error.h"

namespace kdup {

namespace {

void check_one_of(const std::string& field, const std::string& value,
                  std::initializer_list<const char*> allowed) {
  std::string list;
  for (const char* a : allowed) {
    if (value == a) return;
    list += list.empty() ? a : std::string(" | ") + a;
  }
  KDUP_CHECK(false, "stage1." << field << ": unknown value '" << value << "' (" << list << ")");
}

}  // namespace

Stage1Config kdup_stage1_config() { return Stage1Config{}; }

Stage1Config colt_stage1_config() {
  Stage1Config c;
  c.clustering = "kmeans";
  c.tailness = "colt";
  c.tailness_momentum = false;
  c.use_psd = false;
  c.domain_loss = "colt";
  c.batch_construction = "random";
  return c;
}

void validate_stage1_config(const Stage1Config& c) {
  check_one_of("base.method", c.base.method, {"simclr", "sdclr"});
  check_one_of("sampling", c.sampling, {"clusters", "random", "augmented", "none"});
  check_one_of("clustering", c.clustering, {"kl", "kmeans"});
  check_one_of("tailness", c.tailness, {"kdup", "colt"});
  check_one_of("psd_denominator", c.psd_denominator, {"as_written", "infonce"});
  check_one_of("domain_loss", c.domain_loss, {"dd", "colt", "none"});
  check_one_of("batch_construction", c.batch_construction, {"anchor_neighbour", "random"});
  KDUP_CHECK(c.warmup_epochs >= 0 && c.warmup_epochs <= c.base.epochs,
             "stage1.warmup_epochs: " << c.warmup_epochs
                                      << " must lie in [0, epochs = " << c.base.epochs << "]");
  KDUP_CHECK(c.refresh_every >= 1,
             "stage1.refresh_every: must be at least 1, got " << c.refresh_every);
  KDUP_CHECK(c.num_clusters >= 1,
             "stage1.num_clusters: must be at least 1, got " << c.num_clusters);
  KDUP_CHECK(c.tailness_k >= 1, "stage1.tailness_k: must be at least 1, got " << c.tailness_k);
  KDUP_CHECK(c.positives_k >= 1, "stage1.positives_k: must be at least 1, got " << c.positives_k);
  KDUP_CHECK(c.tailness_rho >= 0 && c.tailness_rho < 1,
             "stage1.tailness_rho: must lie in [0, 1), got " << c.tailness_rho);
  KDUP_CHECK(
      c.sampling == "none" || c.ood_budget >= 1,
      "stage1.ood_budget: sampling '" << c.sampling << "' needs N_b >= 1, got " << c.ood_budget);
  KDUP_CHECK(c.budget_temperature > 0,
             "stage1.budget_temperature: must be positive, got " << c.budget_temperature);
  KDUP_CHECK(c.base.batch_size >= 2,
             "train.batch_size: must be at least 2, got " << c.base.batch_size);
  KDUP_CHECK(c.batch_construction != "anchor_neighbour" || c.base.batch_size % 2 == 0,
             "stage1.batch_construction: anchor_neighbour needs an even batch size, got "
                 << c.base.batch_size);
  KDUP_CHECK(c.embed_batch_size >= 1,
             "stage1.embed_batch_size: must be positive, got " << c.embed_batch_size);
}

}  // namespace kdup
