// Every setting of stage 1 (METHOD.md §1) and of the baselines built on it (METHOD.md §4: COLT,
// the strong baseline, augmented-instead-of-OOD, random sampling). Each [choice] of METHOD.md is a
// field here.
#pragma once
#include <cstdint>
#include <string>

#include "kdup/kl_refinement.h"
#include "kdup/pretrain.h"

namespace kdup {

struct Stage1Config {
  // The base method and its optimiser and schedule: base.method is simclr | sdclr (SDCLR's pruned
  // branch, METHOD.md §4.2), base.epochs the whole run, base.warmup_epochs the linear lr warm-up.
  PretrainConfig base;

  // Epochs of plain base-method training on D_ID before the first refresh (COLT: 100 of 2000).
  int64_t warmup_epochs = 100;
  // T: epochs between refreshes (25 for CIFAR, 50 for ImageNet-100).
  int64_t refresh_every = 25;

  // Where the extra training samples come from:
  //   clusters  — METHOD.md §1.5: cluster budgets u_k from the cluster tailness, filled with the
  //               pool items nearest to each centroid. KDUP (clustering kl, tailness kdup) and COLT
  //               (clustering kmeans, tailness colt) differ only in the fields below.
  //   random    — N_b pool items drawn uniformly at every refresh (METHOD.md §4.5).
  //   augmented — paper Table 12: the budgets are filled with ID images instead of OOD ones: for
  //               each cluster, the u_k ID images nearest to its centroid are added once more to
  //               the training set (so they are seen with fresh augmentations twice per epoch).
  //               They keep the ID domain label; the positives of a copy are its original and the
  //               original's first K_pos − 1 neighbours. The pool is not used.
  //   none      — no extra samples: the stage-1 losses on D_ID alone.
  std::string sampling = "clusters";
  std::string clustering = "kl";  // kl: k-means++ / k-means then KL refinement | kmeans
  std::string tailness = "kdup";  // kdup: neighbourhood sparsity (§1.3) | colt: COLT's EMA score
  bool tailness_momentum = true;  // §1.3 momentum across refreshes (kdup tailness only)
  double tailness_rho = 0.9;
  int64_t tailness_k = 10;  // K nearest neighbours of the kdup tailness
  int64_t colt_top_k = 10;  // top negatives of COLT's batch score
  double colt_score_momentum = 0.97;

  int64_t num_clusters = 10;  // N_c
  int64_t kmeans_max_iterations = 300;
  KlRefinementConfig kl;       // the KL refinement of §1.2 (its seed is mixed with the refresh)
  int64_t ood_budget = 10000;  // N_b
  double budget_temperature = 1.0;  // tau_b

  // Losses after the warm-up. use_psd: L_PSD (Eq. 8) as the contrastive term, else NT-Xent.
  bool use_psd = true;
  std::string psd_denominator = "as_written";  // as_written (negatives only) | infonce
  int64_t positives_k = 3;                     // K_pos
  std::string domain_loss = "dd";  // dd: alpha·L_DD (Eq. 9) | colt: sup_weight·SupCon | none
  double alpha = 0.3;
  double sup_weight = 0.2;
  // anchor_neighbour: B/2 anchors of the epoch's permutation plus one random K_pos neighbour each
  // (METHOD.md §1, the recommended construction) | random: B samples of the permutation.
  std::string batch_construction = "anchor_neighbour";

  int64_t embed_batch_size = 512;  // images per forward of the refresh's embedding passes
};

// A KDUP run with the paper's settings (SimCLR base, KL clustering, kdup tailness, L_PSD + L_DD).
Stage1Config kdup_stage1_config();
// COLT (METHOD.md §4.3): k-means, COLT's tailness, NT-Xent plus the SupCon domain loss.
Stage1Config colt_stage1_config();

// Throws kdup::Error naming the field when a value is unknown or out of range.
void validate_stage1_config(const Stage1Config& config);

// Throws kdup::Error naming the field when the config asks more than the data holds: D_ID of n_id
// images, an OOD pool of pool_count images (an empty pool, N_b above the pool, N_c or K above
// D_ID, K_pos neighbours that a domain cannot provide).
void validate_stage1_sizes(const Stage1Config& config, int64_t n_id, int64_t pool_count);

bool stage1_uses_pool(const Stage1Config& config);      // sampling clusters | random
bool stage1_uses_clusters(const Stage1Config& config);  // sampling clusters | augmented
int64_t stage1_extra_samples(const Stage1Config& config);  // N_b, or 0 without sampling

}  // namespace kdup
