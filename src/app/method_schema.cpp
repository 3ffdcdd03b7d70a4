#include "app/method_schema.h"

#include "app/train_schema.h"

namespace kdup {

void add_method_keys(ConfigSchema& s) {
  const NumberRange positive{1e-12, 1e12}, non_negative{0, 1e12}, unit{0, 1};
  s.add_string("ood.pool_file", "datasets/ood/ood_tinyimagenet32_33k.npy",
               "the OOD pool: .npy uint8 [N, H, W, 3] (the 300K Random Images layout), or an "
               "image list of `path` lines decoded at data.image_size")
      .add_string("ood.pool_root", "", "folder the pool's image list is relative to")
      // stage 1 (METHOD.md §1, §4)
      .add_bool(
          "stage1.enabled", false,
          "run the stage-1 loop (KDUP, COLT, ablations); off: plain train.method pre-training")
      .add_integer("stage1.warmup_epochs", 100, "epochs of base-method training on D_ID first",
                   {0, 1e9})
      .add_integer("stage1.refresh_every", 25, "T: epochs between refreshes", {1, 1e9})
      .add_string("stage1.sampling", "clusters",
                  "extra samples: clusters (budgeted, nearest to centroids) | random | augmented "
                  "(ID images instead of OOD, Table 12) | none",
                  {"clusters", "random", "augmented", "none"})
      .add_string("stage1.clustering", "kl", "k-means then KL refinement | plain k-means",
                  {"kl", "kmeans"})
      .add_string("stage1.tailness", "kdup", "kdup: neighbourhood sparsity | colt: COLT's score",
                  {"kdup", "colt"})
      .add_bool("stage1.tailness_momentum", true, "momentum of the tailness across refreshes")
      .add_number("stage1.tailness_rho", 0.9, "rho of the tailness momentum", unit)
      .add_integer("stage1.tailness_k", 10, "K nearest neighbours of the tailness", {1, 1e6})
      .add_integer("stage1.colt_top_k", 10, "top negatives of COLT's score", {1, 1e6})
      .add_number("stage1.colt_score_momentum", 0.97, "EMA momentum of COLT's score", unit)
      .add_integer("stage1.num_clusters", 10, "N_c", {1, 1e6})
      .add_integer("stage1.kmeans_max_iterations", 300, "Lloyd iterations at most", {1, 1e6})
      .add_number("stage1.kl.lr", 0.01, "KL refinement learning rate", positive)
      .add_number("stage1.kl.momentum", 0.0, "KL refinement momentum", unit)
      .add_integer("stage1.kl.batch_size", 256, "KL refinement minibatch", {1, 1e9})
      .add_integer("stage1.kl.max_passes", 30, "KL refinement passes at most", {1, 1e6})
      .add_number("stage1.kl.stop_fraction", 0.001,
                  "stop when fewer assignments than this fraction changed in a pass", unit)
      .add_integer("stage1.ood_budget", 10000, "N_b: samples added at each refresh", {1, 1e9})
      .add_number("stage1.budget_temperature", 1.0, "tau_b of the budget softmax", positive)
      .add_bool("stage1.use_psd", true, "L_PSD (Eq. 8) as the contrastive term, else NT-Xent")
      .add_string("stage1.psd_denominator", "as_written",
                  "as_written: negatives only (Eq. 8) | infonce: positives too",
                  {"as_written", "infonce"})
      .add_integer("stage1.positives_k", 3, "K_pos: within-domain positives per sample", {1, 1e6})
      .add_string("stage1.domain_loss", "dd", "dd: L_DD (Eq. 9) | colt: SupCon | none",
                  {"dd", "colt", "none"})
      .add_number("stage1.alpha", 0.3, "weight of L_DD", non_negative)
      .add_number("stage1.sup_weight", 0.2, "weight of COLT's SupCon domain loss", non_negative)
      .add_string("stage1.batch_construction", "anchor_neighbour",
                  "anchor_neighbour: B/2 anchors + one K_pos neighbour each | random",
                  {"anchor_neighbour", "random"})
      .add_integer("stage1.embed_batch_size", 512, "batch of the refresh's embedding passes",
                   {1, 1e9})
      // stage 2 (METHOD.md §2)
      .add_bool("stage2.enabled", false, "distil the stage-1 network into a new one")
      .add_string("stage2.mode", "guided_weighting",
                  "typical | guided_sampling | guided_weighting (paper Table 6)",
                  {"typical", "guided_sampling", "guided_weighting"})
      .add_number("stage2.beta", 0.4, "weight of L_DL (Eq. 12)", non_negative)
      .add_integer("stage2.k_kd", 5, "K_kd nearest neighbours (positives)", {1, 1e6})
      .add_integer("stage2.num_clusters", 10, "clusters of f's embedding (negatives)", {1, 1e6})
      .add_string("stage2.clustering", "kl", "kl | kmeans", {"kl", "kmeans"})
      .add_bool("stage2.augmented_views", true, "y and z on augmented views, else plain images")
      .add_string("stage2.pairs_embedding", "projection", "f's embedding used for the pairs",
                  {"projection", "features"})
      .add_integer("stage2.epochs", 500, "stage-2 epochs", {1, 1e9})
      .add_integer("stage2.batch_size", 512, "anchors per batch", {2, 1e9})
      .add_number("stage2.lr", 0.5, "stage-2 base learning rate", positive)
      .add_integer("stage2.warmup_epochs", 10, "stage-2 linear lr warm-up epochs", {0, 1e9})
      .add_number("stage2.final_lr", 1e-6, "stage-2 lr at the end of its cosine", non_negative);
}

// The KL refinement settings (stage1.kl.*), shared by stage 1's and stage 2's clustering.
static KlRefinementConfig kl_config_from(const Config& cfg, uint64_t seed) {
  KlRefinementConfig kl;
  kl.learning_rate = cfg.number("stage1.kl.lr");
  kl.momentum = cfg.number("stage1.kl.momentum");
  kl.batch_size = cfg.integer("stage1.kl.batch_size");
  kl.max_passes = cfg.integer("stage1.kl.max_passes");
  kl.stop_change_fraction = cfg.number("stage1.kl.stop_fraction");
  kl.seed = seed;
  return kl;
}

Stage1Config stage1_config_from(const Config& cfg, const PretrainConfig& base) {
  Stage1Config c;
  c.base = base;
  c.warmup_epochs = cfg.integer("stage1.warmup_epochs");
  c.refresh_every = cfg.integer("stage1.refresh_every");
  c.sampling = cfg.string("stage1.sampling");
  c.clustering = cfg.string("stage1.clustering");
  c.tailness = cfg.string("stage1.tailness");
  c.tailness_momentum = cfg.boolean("stage1.tailness_momentum");
  c.tailness_rho = cfg.number("stage1.tailness_rho");
  c.tailness_k = cfg.integer("stage1.tailness_k");
  c.colt_top_k = cfg.integer("stage1.colt_top_k");
  c.colt_score_momentum = cfg.number("stage1.colt_score_momentum");
  c.num_clusters = cfg.integer("stage1.num_clusters");
  c.kmeans_max_iterations = cfg.integer("stage1.kmeans_max_iterations");
  c.kl = kl_config_from(cfg, base.seed);
  c.ood_budget = cfg.integer("stage1.ood_budget");
  c.budget_temperature = cfg.number("stage1.budget_temperature");
  c.use_psd = cfg.boolean("stage1.use_psd");
  c.psd_denominator = cfg.string("stage1.psd_denominator");
  c.positives_k = cfg.integer("stage1.positives_k");
  c.domain_loss = cfg.string("stage1.domain_loss");
  c.alpha = cfg.number("stage1.alpha");
  c.sup_weight = cfg.number("stage1.sup_weight");
  c.batch_construction = cfg.string("stage1.batch_construction");
  c.embed_batch_size = cfg.integer("stage1.embed_batch_size");
  validate_stage1_config(c);
  return c;
}

Stage2Config stage2_config_from(const Config& cfg, Device device) {
  Stage2Config c;
  c.mode = cfg.string("stage2.mode");
  c.beta = cfg.number("stage2.beta");
  c.augmented_views = cfg.boolean("stage2.augmented_views");
  c.pairs.neighbours = cfg.integer("stage2.k_kd");
  c.pairs.num_clusters = cfg.integer("stage2.num_clusters");
  c.pairs.clustering = cfg.string("stage2.clustering");
  c.pairs.kmeans_seed = static_cast<uint64_t>(cfg.integer("run.seed"));
  c.pairs.kl = kl_config_from(cfg, static_cast<uint64_t>(cfg.integer("run.seed")));
  c.pairs_embedding = cfg.string("stage2.pairs_embedding");
  c.base = pretrain_config_from(cfg, device);  // momentum, weight decay, temperature, seed
  c.base.epochs = cfg.integer("stage2.epochs");
  c.base.batch_size = cfg.integer("stage2.batch_size");
  c.base.lr = cfg.number("stage2.lr");
  c.base.warmup_epochs = cfg.integer("stage2.warmup_epochs");
  c.base.final_lr = cfg.number("stage2.final_lr");
  return c;
}

}  // namespace kdup
