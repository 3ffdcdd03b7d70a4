#include "kdup/stage1_refresh.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <map>

#include "data/loader.h"
#include "dist/broadcast_values.h"
#include "eval/embed.h"
#include "kdup/cluster_tailness.h"
#include "kdup/kmeans.h"
#include "kdup/ood_budget.h"
#include "kdup/ood_sampler.h"
#include "kdup/positive_lists.h"
#include "kdup/sample_tailness.h"
#include "kdup/spearman.h"
#include "ops/indexing.h"

namespace kdup {

namespace {

// The projections z of the chosen images, L2-normalised (METHOD.md: embeddings are normalised
// projection-head outputs), float32 [ids.size(), d] on the CPU.
Tensor embed_normalized(Communicator& communicator, ContrastiveModel& model, const Tensor& images,
                        const std::vector<int64_t>& ids, const Stage1Config& config) {
  const Encoder encoder = [&model](const Tensor& x) { return model.project(x); };
  Tensor z = embed_images_over_ranks(communicator, encoder, images, ids, config.base.views.plain,
                                     AugmentKey{}, config.embed_batch_size, config.base.device);
  const int64_t n = z.size(0), d = z.size(1);
  std::vector<float> v = z.to_vector<float>();
  for (int64_t i = 0; i < n; ++i) {
    double norm = 0;
    for (int64_t j = 0; j < d; ++j) norm += static_cast<double>(v[i * d + j]) * v[i * d + j];
    const double scale = 1.0 / std::max(std::sqrt(norm), 1e-12);
    for (int64_t j = 0; j < d; ++j) v[i * d + j] = static_cast<float>(v[i * d + j] * scale);
  }
  return Tensor::from_vector<float>(v, {n, d});
}

// A seed of its own for every refresh, so a resumed run draws what an unbroken one does.
uint64_t refresh_seed(uint64_t seed, int64_t refresh) {
  return seed ^ (0x9E3779B97F4A7C15ull * static_cast<uint64_t>(refresh + 1));
}

// §1.2: k-means (k-means++ seeding), then optionally the KL refinement of the centroids.
void cluster_id_embeddings(const Tensor& z_id, const Stage1Config& config, uint64_t seed,
                           Stage1MethodState& state, RefreshReport& report) {
  KMeansConfig kc;
  kc.num_clusters = config.num_clusters;
  kc.max_iterations = config.kmeans_max_iterations;
  kc.seed = seed;
  KMeansResult km = kmeans(z_id, kc);
  std::vector<int64_t> assignments = km.assignments;
  state.centroids = km.centroids;
  if (config.clustering == "kl") {
    KlRefinementConfig klc = config.kl;
    klc.seed ^= seed;
    KlRefinementResult r = refine_centroids_kl(z_id, km.centroids, klc);
    state.centroids = r.centroids.to(Device::cpu).to(DType::f32);
    assignments = r.assignments;
    report.kl_passes = r.passes;
    report.kl_change_rate = r.change_rate;
    report.kl_loss_before = r.loss_before;
    report.kl_loss_after = r.loss_after;
  }
  report.cluster_sizes.assign(static_cast<size_t>(config.num_clusters), 0);
  for (int64_t a : assignments) ++report.cluster_sizes[a];
  state.assignments = Tensor::from_vector<int64_t>(assignments, {z_id.size(0)});
}

// Spearman correlation of the cluster tailness with the D_ID size of each cluster's majority class.
void add_label_diagnosis(const std::vector<int64_t>& labels, const Stage1MethodState& state,
                         RefreshReport& report) {
  std::map<int64_t, int64_t> class_size;
  for (int64_t y : labels) ++class_size[y];
  const std::vector<int64_t> assignments = state.assignments.to_vector<int64_t>();
  std::vector<std::map<int64_t, int64_t>> votes(report.cluster_sizes.size());
  for (size_t i = 0; i < labels.size(); ++i) ++votes[assignments[i]][labels[i]];
  std::vector<double> tailness, majority_size;
  for (size_t k = 0; k < votes.size(); ++k) {
    if (votes[k].empty()) continue;
    auto best = votes[k].begin();  // the most frequent label; ties keep the lower label
    for (auto it = votes[k].begin(); it != votes[k].end(); ++it)
      if (it->second > best->second) best = it;
    tailness.push_back(report.cluster_tailness[k]);
    majority_size.push_back(static_cast<double>(class_size[best->first]));
  }
  if (tailness.size() < 2) return;
  report.has_spearman = true;
  report.tailness_size_spearman = spearman_correlation(tailness, majority_size);
}

// Positive lists of the augmented-instead-of-OOD set: a copy's positives are its original and the
// original's first K_pos − 1 neighbours (all ID positions).
Tensor copy_positive_lists(const Tensor& id_lists, const Tensor& copies) {
  const int64_t n_id = id_lists.size(0), k_pos = id_lists.size(1);
  std::vector<int64_t> lists = id_lists.to_vector<int64_t>();
  for (int64_t original : copies.to_vector<int64_t>()) {
    lists.push_back(original);
    for (int64_t t = 0; t + 1 < k_pos; ++t) lists.push_back(lists[original * k_pos + t]);
  }
  return Tensor::from_vector<int64_t>(lists, {n_id + copies.numel(), k_pos});
}

}  // namespace

RefreshReport refresh_stage1(ContrastiveModel& model, const Stage1Config& config,
                             const Stage1Data& data, int64_t epoch, Stage1MethodState& state,
                             Communicator& communicator) {
  const auto start = std::chrono::steady_clock::now();
  const uint64_t seed = refresh_seed(config.base.seed, state.refreshes);
  RefreshReport report;
  report.epoch = epoch;

  // Step 1: embeddings of D_ID and of the images sampled from, f in eval mode, dense branch; over
  // several processes each rank embeds a share and every rank gets all of them.
  model.eval();
  model.set_branch(0);
  auto embed = [&](const Tensor& images, const std::vector<int64_t>& ids) {
    return embed_normalized(communicator, model, images, ids, config);
  };
  const Tensor z_id = embed(data.id_images, data.id_ids);
  Tensor candidates;  // the embeddings sampled from (clusters: the whole pool; augmented: D_ID)
  const bool candidates_are_pool = config.sampling == "clusters";
  if (stage1_uses_clusters(config))
    candidates = candidates_are_pool
                     ? embed(data.pool_images, all_indices(data.pool_images.size(0)))
                     : z_id;
  Tensor random_selection, z_extra;  // random sampling: the draw and its embeddings
  if (config.sampling == "random") {
    random_selection = sample_ood_random(data.pool_images.size(0), config.ood_budget, seed);
    z_extra = embed(data.pool_images, random_selection.to_vector<int64_t>());
  }
  model.train();

  // Steps 2-6 are decisions: rank 0 takes them once and the other ranks receive its state.
  if (communicator.is_root()) {
    if (stage1_uses_clusters(config)) {
      // Steps 2–4: clusters, per-sample and per-cluster tailness, budgets.
      cluster_id_embeddings(z_id, config, seed, state, report);
      Tensor sample_scores;
      if (config.tailness == "kdup")
        sample_scores = state.tailness.update(sample_tailness(z_id, config.tailness_k));
      else
        sample_scores = state.colt_scores;
      report.cluster_tailness =
          cluster_mean_tailness(sample_scores, state.assignments, config.num_clusters);
      const TailnessDirection direction = config.tailness == "kdup"
                                              ? TailnessDirection::high_is_tail
                                              : TailnessDirection::high_is_head;
      report.budgets = ood_budgets(report.cluster_tailness, config.ood_budget,
                                   config.budget_temperature, direction);
      if (!data.id_labels.labels.empty()) {
        add_label_diagnosis(data.id_labels.labels, state, report);
        report.cluster_purity = cluster_purity(state.assignments.to_vector<int64_t>(),
                                               config.num_clusters, data.id_labels);
      }
      // Step 5: the items nearest to each (normalised) centroid, never one twice.
      OodSelection selection =
          sample_ood_nearest_centroids(candidates, state.centroids, report.budgets);
      state.selection = selection.indices;
      state.selection_clusters = selection.clusters;
      z_extra = index_select(candidates, selection.indices);
    } else if (config.sampling == "random") {
      state.selection = random_selection;
    }

    // Step 6: positive lists within each domain.
    if (config.sampling == "augmented")
      state.positives =
          copy_positive_lists(positive_lists(z_id, Tensor(), config.positives_k), state.selection);
    else
      state.positives = positive_lists(z_id, z_extra, config.positives_k);
    if (!data.id_labels.labels.empty()) {
      report.has_diagnostics = true;
      report.positive_purity = neighbour_purity(state.positives, data.id_labels);
      if (config.sampling == "clusters" || config.sampling == "random")
        report.ood_placement = ood_placement(z_extra, z_id, data.id_labels);
      else
        report.ood_placement.id_share = data.id_labels.sample_shares();
      if (candidates_are_pool) {  // the same count drawn uniformly from the embedded pool
        const Tensor drawn = sample_ood_random(candidates.size(0), config.ood_budget, seed);
        report.random_placement =
            ood_placement(index_select(candidates, drawn), z_id, data.id_labels);
      }
    }
  }
  if (communicator.size() > 1) {
    NamedTensors decided = state.to_named_tensors();
    broadcast_named_tensors(communicator, decided);
    state.load_named_tensors(decided);
  }

  ++state.refreshes;
  report.refresh = state.refreshes;
  report.sampled = state.selection.defined() ? state.selection.numel() : 0;
  report.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  return report;
}

NamedTensors Stage1MethodState::to_named_tensors() const {
  NamedTensors out;
  out.emplace_back("stage1.refreshes", Tensor::from_vector<int64_t>({refreshes}, {1}));
  const std::pair<const char*, const Tensor*> named[] = {
      {"stage1.selection", &selection},     {"stage1.selection_clusters", &selection_clusters},
      {"stage1.positives", &positives},     {"stage1.centroids", &centroids},
      {"stage1.assignments", &assignments}, {"stage1.colt_scores", &colt_scores}};
  for (const auto& [name, tensor] : named)
    if (tensor->defined()) out.emplace_back(name, *tensor);
  if (tailness.has_scores()) out.emplace_back("stage1.tailness", tailness.scores());
  return out;
}

void Stage1MethodState::load_named_tensors(const NamedTensors& tensors) {
  const std::map<std::string, Tensor*> slots = {
      {"stage1.selection", &selection},     {"stage1.selection_clusters", &selection_clusters},
      {"stage1.positives", &positives},     {"stage1.centroids", &centroids},
      {"stage1.assignments", &assignments}, {"stage1.colt_scores", &colt_scores}};
  for (const auto& [name, tensor] : tensors) {
    if (name == "stage1.refreshes")
      refreshes = tensor.to_vector<int64_t>().at(0);
    else if (name == "stage1.tailness")
      tailness.load(tensor);
    else if (slots.count(name))
      *slots.at(name) = tensor.to(Device::cpu).clone();
  }
}

}  // namespace kdup
