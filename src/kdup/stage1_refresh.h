// The periodic refresh of stage 1 (METHOD.md §1 steps 1–6), in order: embed D_ID and the OOD pool
// with f (eval mode, no augmentation), cluster the ID embeddings, score the tailness of every ID
// sample and of every cluster, turn it into OOD budgets, sample D_s^OOD, and build the positive
// lists of L_PSD. Its result is the method state that a checkpoint must carry.
#pragma once
#include <cstdint>
#include <vector>

#include "dist/communicator.h"
#include "kdup/contrastive_model.h"
#include "kdup/mechanism_diagnostics.h"
#include "kdup/stage1_config.h"
#include "kdup/tailness_momentum.h"
#include "nn/module.h"

namespace kdup {

// Everything stage 1 carries from one refresh to the next and across a resume.
struct Stage1MethodState {
  int64_t refreshes = 0;
  Tensor selection;  // int64 [N_b]: pool indices (augmented: D_ID positions); undefined before
  Tensor selection_clusters;  // int64 [N_b]: the cluster each item was taken for (cluster sampling)
  Tensor positives;    // int64 [N_D, K_pos]: merged-set positions of each sample's neighbours
  Tensor centroids;    // float32 [N_c, D]
  Tensor assignments;  // int64 [N_id]: the cluster of every ID sample
  Tensor colt_scores;  // float32 [N_id]: COLT's EMA tailness (tailness colt)
  TailnessMomentum tailness{0.9, true};  // the kdup tailness s_i with its momentum

  NamedTensors to_named_tensors() const;  // names "stage1.*"; undefined tensors left out
  void load_named_tensors(const NamedTensors& tensors);
};

struct RefreshReport {
  int64_t refresh = 0;  // 1-based count of refreshes so far
  int64_t epoch = 0;    // epochs completed when it ran
  std::vector<int64_t> cluster_sizes;
  std::vector<double> cluster_tailness;  // s_k (kdup: high = tail; colt: high = head)
  std::vector<int64_t> budgets;          // u_k, summing to N_b
  int64_t kl_passes = 0;
  double kl_change_rate = 0, kl_loss_before = 0, kl_loss_after = 0;
  int64_t sampled = 0;  // |D_s^OOD|
  // With true ID labels (has_spearman): the Spearman correlation of s_k with the D_ID count of each
  // non-empty cluster's majority class. A kdup tailness that finds the tail correlates negatively,
  // a COLT score (high = head) positively.
  bool has_spearman = false;
  double tailness_size_spearman = 0;
  // With true ID labels (has_diagnostics), METHOD.md §6 at this refresh: the purity of the
  // clusters (when the method clusters), of the ID samples' K_pos positive lists, and where the
  // sampled OOD images lie (when OOD images were sampled).
  bool has_diagnostics = false;
  ClusterPurity cluster_purity;
  NeighbourPurity positive_purity;
  OodPlacement ood_placement;
  OodPlacement random_placement;  // N_b pool images drawn uniformly, for reference (clusters)
  double seconds = 0;
};

struct Stage1Data {
  Tensor id_images;                // uint8 [*, H, W, 3]
  std::vector<int64_t> id_ids;     // D_ID: rows of id_images
  Tensor pool_images;              // uint8 [P, H, W, 3] (may be empty for augmented / none)
  LabelGroups id_labels;           // optional true labels of D_ID and their groups (diagnosis only)
};

// Runs steps 1–6 and replaces the state's selection, positive lists, centroids and assignments
// (and folds the fresh kdup tailness into its momentum). `epoch` is the number of epochs done.
// The model is left in training mode on branch 0.
// Over several processes (a collective call, the same network on every rank): the embedding
// passes are shared out among the ranks, rank 0 takes the decisions of steps 2–6 once and every
// rank receives its state; the report's clusters, budgets and diagnostics are rank 0's only (the
// others report the count and the time).
RefreshReport refresh_stage1(ContrastiveModel& model, const Stage1Config& config,
                             const Stage1Data& data, int64_t epoch, Stage1MethodState& state,
                             Communicator& communicator = single_process());

}  // namespace kdup
