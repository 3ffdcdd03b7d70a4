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

bool stage1_uses_pool(const Stage1Config& c) {
  return c.sampling == "clusters" || c.sampling == "random";
}

bool stage1_uses_clusters(const Stage1Config& c) {
  return c.sampling == "clusters" || c.sampling == "augmented";
}

int64_t stage1_extra_samples(const Stage1Config& c) {
  return c.sampling == "none" ? 0 : c.ood_budget;
}

void validate_stage1_sizes(const Stage1Config& c, int64_t n_id, int64_t pool_count) {
  KDUP_CHECK(n_id >= c.base.batch_size, "train.batch_size: " << c.base.batch_size
                                                             << " is larger than the " << n_id
                                                             << " ID training images");
  if (stage1_uses_pool(c)) {
    KDUP_CHECK(pool_count > 0, "stage1.sampling '" << c.sampling << "': the OOD pool is empty");
    KDUP_CHECK(c.ood_budget <= pool_count,
               "stage1.ood_budget: N_b = " << c.ood_budget << " is larger than the OOD pool ("
                                           << pool_count << " images)");
  }
  if (c.sampling == "augmented")
    KDUP_CHECK(c.ood_budget <= n_id,
               "stage1.ood_budget: N_b = " << c.ood_budget << " ID copies need as many distinct ID "
                                           << "images, D_ID has " << n_id);
  if (stage1_uses_clusters(c)) {
    KDUP_CHECK(c.num_clusters <= n_id, "stage1.num_clusters: N_c = " << c.num_clusters
                                                                     << " is larger than D_ID ("
                                                                     << n_id << " images)");
    if (c.tailness == "kdup")
      KDUP_CHECK(c.tailness_k < n_id, "stage1.tailness_k: K = " << c.tailness_k
                                                                << " neighbours need more than K "
                                                                << "ID images, D_ID has " << n_id);
  }
  KDUP_CHECK(c.positives_k < n_id,
             "stage1.positives_k: K_pos = " << c.positives_k << " neighbours need more than "
                                            << "K_pos ID images, D_ID has " << n_id);
  if (stage1_uses_pool(c))
    KDUP_CHECK(c.positives_k < c.ood_budget,
               "stage1.positives_k: K_pos = " << c.positives_k
                                              << " OOD neighbours need N_b > K_pos, "
                                              << "N_b is " << c.ood_budget);
}

}  // namespace kdup
