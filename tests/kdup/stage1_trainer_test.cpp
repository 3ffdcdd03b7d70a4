// The stage-1 trainer on tiny data: every sampling runs through warm-up, refresh and merged
// training with finite losses; the refresh honours N_b; a killed run resumes bit-exactly, also from
// within an epoch; a diverging step stops the training; bad inputs are refused before any training.
#include "kdup/stage1_trainer.h"

#include <map>
#include <set>

#include "kdup/merged_batches.h"
#include "test_util.h"
#include "tiny_training.h"

namespace kdup {
namespace {

using test::all_values;
using test::first_ids;
using test::random_images;

constexpr int64_t kIdImages = 32, kPoolImages = 40, kBudget = 12;

ContrastiveModelConfig tiny_model(const std::string& base, uint64_t seed = 5) {
  return test::tiny_model_config(seed, base == "sdclr" ? 2 : 1);
}

// Warm-up 1 epoch, a refresh before every later epoch (T = 1).
Stage1Config tiny_stage1(Stage1Config c, const std::string& base = "simclr") {
  c.base.method = base;
  c.base.epochs = 3;
  c.base.batch_size = 8;
  c.base.lr = 0.1;
  c.base.warmup_epochs = 1;
  c.base.seed = 11;
  c.warmup_epochs = 1;
  c.refresh_every = 1;
  c.num_clusters = 3;
  c.tailness_k = 5;
  c.ood_budget = kBudget;
  c.positives_k = 3;
  c.embed_batch_size = 16;
  return c;
}

Stage1Config with_sampling(Stage1Config c, const std::string& sampling) {
  c.sampling = sampling;
  return c;
}

std::map<std::string, std::vector<double>> state_values(const Stage1MethodState& state) {
  std::map<std::string, std::vector<double>> out;
  for (const auto& [name, t] : state.to_named_tensors()) out[name] = t.to_vector<double>();
  return out;
}

TEST(Stage1Trainer, EverySamplingRefreshesAndTrainsOnMergedBatches) {
  const Tensor id_images = random_images(kIdImages, 1), pool = random_images(kPoolImages, 2);
  const std::vector<std::pair<std::string, Stage1Config>> runs = {
      {"kdup", kdup_stage1_config()},
      {"colt", colt_stage1_config()},
      {"random", with_sampling(kdup_stage1_config(), "random")},
      {"augmented", with_sampling(kdup_stage1_config(), "augmented")},
      {"kdup-infonce-random-batches", [] {
         Stage1Config c = kdup_stage1_config();
         c.psd_denominator = "infonce";
         c.batch_construction = "random";
         c.clustering = "kmeans";
         return c;
       }()}};
  for (const auto& [name, config] : runs) {
    SCOPED_TRACE(name);
    ContrastiveModel model(tiny_model("simclr"));
    Stage1Trainer trainer(model, tiny_stage1(config), id_images, first_ids(kIdImages), pool);

    const Stage1EpochReport warmup = trainer.train_epoch(nullptr);
    EXPECT_FALSE(warmup.merged);
    EXPECT_FALSE(warmup.refresh.has_value());
    EXPECT_EQ(warmup.images, (kIdImages / 8) * 2 * 8);
    EXPECT_TRUE(std::isfinite(warmup.loss));

    int steps = 0;
    const Stage1EpochReport first = trainer.train_epoch([&](const StepReport&) { ++steps; });
    ASSERT_TRUE(first.refresh.has_value());
    EXPECT_TRUE(first.merged);
    EXPECT_EQ(steps, (kIdImages + kBudget) / 8);
    EXPECT_EQ(first.images, steps * 2 * 8);
    EXPECT_TRUE(std::isfinite(first.loss));
    EXPECT_TRUE(std::isfinite(first.domain_loss));
    EXPECT_EQ(first.refresh->sampled, kBudget);
    const RefreshReport& refresh = *first.refresh;
    if (name != "random") {
      int64_t budget_sum = 0, size_sum = 0;
      for (int64_t u : refresh.budgets) budget_sum += u;
      for (int64_t s : refresh.cluster_sizes) size_sum += s;
      EXPECT_EQ(budget_sum, kBudget);
      EXPECT_EQ(size_sum, kIdImages);
      EXPECT_EQ(refresh.cluster_tailness.size(), 3u);
    }
    const std::vector<int64_t> chosen = trainer.method_state().selection.to_vector<int64_t>();
    EXPECT_EQ(std::set<int64_t>(chosen.begin(), chosen.end()).size(), chosen.size());
    const int64_t source = name == "augmented" ? kIdImages : kPoolImages;
    for (int64_t i : chosen) EXPECT_TRUE(i >= 0 && i < source) << i;
    EXPECT_EQ(trainer.method_state().positives.shape(), (Shape{kIdImages + kBudget, 3}));

    const Stage1EpochReport second = trainer.train_epoch(nullptr);
    EXPECT_TRUE(second.refresh.has_value());
    EXPECT_TRUE(std::isfinite(second.loss));
    EXPECT_EQ(trainer.epochs_done(), 3);
    EXPECT_EQ(trainer.images_processed(), warmup.images + first.images + second.images);
  }
}

TEST(Stage1Trainer, WithoutSamplingTheLossesRunOnIdAlone) {
  const Tensor id_images = random_images(kIdImages, 11);
  ContrastiveModel model(tiny_model("simclr"));
  Stage1Trainer trainer(model, tiny_stage1(with_sampling(kdup_stage1_config(), "none")), id_images,
                        first_ids(kIdImages), Tensor());
  trainer.train_epoch(nullptr);
  const Stage1EpochReport r = trainer.train_epoch(nullptr);
  ASSERT_TRUE(r.refresh.has_value());
  EXPECT_TRUE(r.merged);
  EXPECT_EQ(r.refresh->sampled, 0);
  EXPECT_EQ(r.images, (kIdImages / 8) * 2 * 8);
  EXPECT_TRUE(std::isfinite(r.loss));
  EXPECT_EQ(r.domain_loss, 0.0);  // one domain: L_DD is zero
  EXPECT_EQ(trainer.method_state().positives.shape(), (Shape{kIdImages, 3}));
}

TEST(Stage1Trainer, WarmupIsThePretrainerEpoch) {
  const Tensor id_images = random_images(kIdImages, 3), pool = random_images(kPoolImages, 4);
  ContrastiveModel a(tiny_model("sdclr")), b(tiny_model("sdclr"));
  const Stage1Config config = tiny_stage1(kdup_stage1_config(), "sdclr");
  Stage1Trainer stage1(a, config, id_images, first_ids(kIdImages), pool);
  Pretrainer pretrain(b, config.base, id_images, first_ids(kIdImages));
  const double loss_a = stage1.train_epoch(nullptr).loss;
  const double loss_b = pretrain.train_epoch(nullptr).loss;
  EXPECT_EQ(loss_a, loss_b);
  EXPECT_EQ(all_values(a), all_values(b));

  // Stage 1 may branch from the base method's checkpoint at the end of the warm-up (§2b).
  const std::string path = ::testing::TempDir() + "/kdup_stage1_branch.safetensors";
  pretrain.save(path);
  ContrastiveModel branched(tiny_model("sdclr", 99));
  Stage1Trainer from_pretrain(branched, config, id_images, first_ids(kIdImages), pool);
  from_pretrain.restore(path);
  EXPECT_EQ(from_pretrain.epochs_done(), 1);
  from_pretrain.train_epoch(nullptr);
  stage1.train_epoch(nullptr);
  EXPECT_EQ(all_values(branched), all_values(a));
  pretrain.train_epoch(nullptr);
  pretrain.save(path);
  test::expect_error([&] { from_pretrain.restore(path); }, {"within its warm-up of 1 epochs"});
}

TEST(Stage1Trainer, ColtDoesNotBranchFromTheBaseMethod) {
  const Tensor id_images = random_images(kIdImages, 3), pool = random_images(kPoolImages, 4);
  const Stage1Config config = tiny_stage1(colt_stage1_config());
  ContrastiveModel a(tiny_model("simclr")), b(tiny_model("simclr"));
  Pretrainer pretrain(a, config.base, id_images, first_ids(kIdImages));
  pretrain.train_epoch(nullptr);
  const std::string path = ::testing::TempDir() + "/kdup_stage1_colt_branch.safetensors";
  pretrain.save(path);
  Stage1Trainer colt(b, config, id_images, first_ids(kIdImages), pool);
  test::expect_error([&] { colt.restore(path); }, {path, "COLT's tailness", "first epoch"});
}

TEST(Stage1Trainer, RefreshReportsTheLabelDiagnosis) {
  const Tensor id_images = random_images(kIdImages, 5), pool = random_images(kPoolImages, 6);
  std::vector<int64_t> labels(kIdImages);
  for (int64_t i = 0; i < kIdImages; ++i) labels[i] = i < 20 ? 0 : (i < 28 ? 1 : 2);
  Stage1Config config = tiny_stage1(kdup_stage1_config());
  config.warmup_epochs = 0;
  ContrastiveModel model(tiny_model("simclr"));
  Stage1Trainer trainer(model, config, id_images, first_ids(kIdImages), pool, labels);
  const Stage1EpochReport r = trainer.train_epoch(nullptr);
  ASSERT_TRUE(r.refresh.has_value());
  EXPECT_EQ(r.refresh->refresh, 1);
  if (r.refresh->has_spearman) {
    EXPECT_GE(r.refresh->tailness_size_spearman, -1.0);
    EXPECT_LE(r.refresh->tailness_size_spearman, 1.0);
  }
  EXPECT_GE(r.refresh->kl_passes, 1);
  // METHOD.md §6: the diagnostics are those of the state the refresh left.
  ASSERT_TRUE(r.refresh->has_diagnostics);
  const LabelGroups groups = label_groups_by_thirds(labels);
  const Stage1MethodState& state = trainer.method_state();
  const ClusterPurity clusters =
      cluster_purity(state.assignments.to_vector<int64_t>(), config.num_clusters, groups);
  EXPECT_EQ(r.refresh->cluster_purity.purity, clusters.purity);
  EXPECT_EQ(r.refresh->positive_purity.purity.all,
            neighbour_purity(state.positives, groups).purity.all);
  double placed = 0, random = 0;
  for (int g = 0; g < 3; ++g)
    placed += r.refresh->ood_placement.placed[g], random += r.refresh->random_placement.placed[g];
  EXPECT_NEAR(placed, 1.0, 1e-12);
  EXPECT_NEAR(random, 1.0, 1e-12);
  EXPECT_EQ(r.refresh->ood_placement.id_share, groups.sample_shares());
}

TEST(Stage1Resume, KilledRunResumesExactly) {
  const Tensor id_images = random_images(kIdImages, 7), pool = random_images(kPoolImages, 8);
  const std::string path = ::testing::TempDir() + "/kdup_stage1_resume.safetensors";
  const std::vector<std::pair<std::string, Stage1Config>> runs = {{"simclr", kdup_stage1_config()},
                                                                  {"sdclr", colt_stage1_config()}};
  for (const auto& [base, method] : runs) {
    SCOPED_TRACE(base);
    const Stage1Config config = tiny_stage1(method, base);
    ContrastiveModel unbroken(tiny_model(base));
    Stage1Trainer a(unbroken, config, id_images, first_ids(kIdImages), pool);
    for (int e = 0; e < 3; ++e) a.train_epoch(nullptr);

    ContrastiveModel killed(tiny_model(base));
    Stage1Trainer b(killed, config, id_images, first_ids(kIdImages), pool);
    b.train_epoch(nullptr);
    b.train_epoch(nullptr);  // the first epoch after the warm-up, with its refresh
    b.save(path);
    ContrastiveModel resumed(tiny_model(base, 99));  // a fresh model: its seed must not matter
    Stage1Trainer c(resumed, config, id_images, first_ids(kIdImages), pool);
    c.restore(path);
    EXPECT_EQ(c.epochs_done(), 2);
    EXPECT_EQ(c.images_processed(), b.images_processed());
    EXPECT_EQ(state_values(c.method_state()), state_values(b.method_state()));
    c.train_epoch(nullptr);
    EXPECT_EQ(all_values(resumed), all_values(unbroken));
    EXPECT_EQ(state_values(c.method_state()), state_values(a.method_state()));
  }
}

// Stopped within the first epoch after the warm-up (after its refresh), resumed in a fresh
// trainer: the rest of the epoch runs without a second refresh, the next epoch refreshes again, and
// the parameters, method state and epoch losses are those of an unbroken run.
TEST(Stage1Resume, StoppedWithinAnEpochResumesExactlyAcrossARefresh) {
  const Tensor id_images = random_images(kIdImages, 7), pool = random_images(kPoolImages, 8);
  const std::string path = ::testing::TempDir() + "/kdup_stage1_resume_within.safetensors";
  const std::vector<std::pair<std::string, Stage1Config>> runs = {{"simclr", kdup_stage1_config()},
                                                                  {"sdclr", colt_stage1_config()}};
  for (const auto& [base, method] : runs) {
    SCOPED_TRACE(base);
    const Stage1Config config = tiny_stage1(method, base);
    ContrastiveModel unbroken(tiny_model(base));
    Stage1Trainer a(unbroken, config, id_images, first_ids(kIdImages), pool);
    std::vector<Stage1EpochReport> expected;
    for (int e = 0; e < 3; ++e) expected.push_back(a.train_epoch(nullptr));

    ContrastiveModel stopped(tiny_model(base));
    Stage1Trainer b(stopped, config, id_images, first_ids(kIdImages), pool);
    b.train_epoch(nullptr);
    int asked = 0;
    const Stage1EpochReport part = b.train_epoch(nullptr, [&] { return ++asked == 2; });
    EXPECT_TRUE(part.stopped);
    EXPECT_TRUE(part.refresh.has_value());
    EXPECT_EQ(b.epoch_steps_done(), 2);  // of (32 + 12) / 8 = 5
    b.save(path);

    ContrastiveModel resumed(tiny_model(base, 99));
    Stage1Trainer c(resumed, config, id_images, first_ids(kIdImages), pool);
    c.restore(path);
    EXPECT_EQ(c.epochs_done(), 1);
    EXPECT_EQ(c.epoch_steps_done(), 2);
    EXPECT_EQ(state_values(c.method_state()), state_values(b.method_state()));
    int steps = 0;
    const Stage1EpochReport rest = c.train_epoch([&](const StepReport&) { ++steps; });
    EXPECT_EQ(steps, 3);
    EXPECT_FALSE(rest.refresh.has_value());  // done before the stop
    EXPECT_EQ(rest.loss, expected[1].loss);
    EXPECT_EQ(rest.contrastive_loss, expected[1].contrastive_loss);
    EXPECT_EQ(rest.domain_loss, expected[1].domain_loss);
    EXPECT_EQ(rest.images, expected[1].images);
    const Stage1EpochReport last = c.train_epoch(nullptr);
    EXPECT_TRUE(last.refresh.has_value());
    EXPECT_EQ(last.loss, expected[2].loss);
    EXPECT_EQ(all_values(resumed), all_values(unbroken));
    EXPECT_EQ(state_values(c.method_state()), state_values(a.method_state()));
    EXPECT_EQ(c.images_processed(), a.images_processed());
  }
}

TEST(Stage1Trainer, DivergenceNamesTheStepAndTheLossTerms) {
  const Tensor id_images = random_images(kIdImages, 5), pool = random_images(kPoolImages, 6);
  Stage1Config config = tiny_stage1(kdup_stage1_config());
  config.base.lr = 1e30;  // the loss is NaN at the second step
  config.base.warmup_epochs = 0;
  ContrastiveModel model(tiny_model("simclr"));
  Stage1Trainer trainer(model, config, id_images, first_ids(kIdImages), pool);
  test::expect_divergence([&] { trainer.train_epoch(nullptr); },
                          {"stage1 diverged at epoch 1, step ", "/4: loss ", " (contrastive ",
                           ", domain ", "gradient norm "});
}

TEST(Stage1BadInput, RefusedBeforeTraining) {
  const Tensor id_images = random_images(kIdImages, 9), pool = random_images(kPoolImages, 10);
  ContrastiveModel model(tiny_model("simclr"));
  const Stage1Config good = tiny_stage1(kdup_stage1_config());
  auto build = [&](const Stage1Config& c, const Tensor& p) {
    Stage1Trainer t(model, c, id_images, first_ids(kIdImages), p);
  };
  test::expect_error(
      [&] {
        build(good, Tensor::zeros({0, 32, 32, 3}, DType::u8));
      },
      {"OOD pool is empty"});
  test::expect_error([&] { build(good, Tensor()); }, {"OOD pool is empty"});
  Stage1Config c = good;
  c.ood_budget = kPoolImages + 1;
  test::expect_error([&] { build(c, pool); }, {"N_b = 41", "OOD pool (40 images)"});
  c = good;
  c.tailness_k = kIdImages;
  test::expect_error([&] { build(c, pool); }, {"tailness_k", "K = 32"});
  c = good;
  c.num_clusters = kIdImages + 1;
  test::expect_error([&] { build(c, pool); }, {"num_clusters", "N_c = 33"});
  c = good;
  c.sampling = "augmented";
  c.ood_budget = kIdImages + 1;
  test::expect_error([&] { build(c, pool); }, {"N_b = 33"});
  c = good;
  c.positives_k = kBudget;
  test::expect_error([&] { build(c, pool); }, {"positives_k", "N_b > K_pos"});
  c = good;
  c.sampling = "nearest";
  test::expect_error([&] { build(c, pool); }, {"stage1.sampling", "'nearest'"});
  c = good;
  c.batch_construction = "anchor_neighbour";
  c.base.batch_size = 7;
  test::expect_error([&] { build(c, pool); }, {"even batch size"});
}

TEST(Stage1Batches, AnchorNeighbourBatchesHoldEachAnchorsNeighbourOnce) {
  const int64_t n = 20, k_pos = 3;
  std::vector<int64_t> lists;
  for (int64_t i = 0; i < n; ++i)
    for (int64_t t = 1; t <= k_pos; ++t) lists.push_back((i + t) % n);
  const Tensor positives = Tensor::from_vector<int64_t>(lists, {n, k_pos});
  const BatchPlan plan = anchor_neighbour_batch_plan(positives, 8, 3, 0);
  ASSERT_EQ(plan.size(), 2u);
  std::set<int64_t> anchors;
  for (const auto& batch : plan) {
    ASSERT_EQ(batch.size(), 8u);
    EXPECT_EQ(std::set<int64_t>(batch.begin(), batch.end()).size(), 8u);
    for (int a = 0; a < 4; ++a) {
      anchors.insert(batch[a]);
      bool has_neighbour = false;
      for (int64_t t = 0; t < k_pos; ++t)
        has_neighbour |= std::count(batch.begin(), batch.end(), lists[batch[a] * k_pos + t]) > 0;
      EXPECT_TRUE(has_neighbour);
    }
  }
  EXPECT_EQ(anchors.size(), 8u);
  EXPECT_EQ(anchor_neighbour_batch_plan(positives, 8, 3, 0), plan);
  EXPECT_NE(anchor_neighbour_batch_plan(positives, 8, 3, 1), plan);
}

}  // namespace
}  // namespace kdup
