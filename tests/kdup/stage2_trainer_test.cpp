// KDUP stage 2: the positive/negative selection on planted embeddings, and the trainer in its three
// loss modes (g trained from a copy of f, f untouched, an exact resume, also from within an epoch,
// divergence, bad inputs).
#include <cmath>
#include <set>

#include "kdup/stage2_trainer.h"
#include "test_util.h"
#include "tiny_training.h"

namespace kdup {
namespace {

using test::all_values;
using test::first_ids;
using test::random_images;

Stage2Config tiny_stage2(const std::string& mode) {
  Stage2Config c;
  c.mode = mode;
  c.base.epochs = 3;
  c.base.batch_size = 8;
  c.base.lr = 0.1;
  c.base.warmup_epochs = 1;
  c.base.seed = 11;
  c.pairs.neighbours = 3;
  c.pairs.num_clusters = 3;
  c.pairs.kl.batch_size = 16;
  c.embed_batch_size = 16;
  return c;
}

// Four tight groups of ten points on the unit circle at 0, 40, 120 and 190 degrees. By centroid
// distance the farthest group of 0 and 1 is 3 (170 and 150 degrees away), that of 2 and 3 is 0
// (120 and 170 degrees away).
struct PlantedCircle {
  Tensor embeddings;            // float32 [40, 2]
  std::vector<int64_t> labels;  // the planted group of every row
  std::vector<int64_t> farthest{3, 3, 0, 0};
};

PlantedCircle planted_circle() {
  const double degrees[4] = {0, 40, 120, 190};
  std::vector<float> noise = Tensor::randn({40, 2}, 3).to_vector<float>();
  PlantedCircle p;
  std::vector<float> values;
  for (int64_t i = 0; i < 40; ++i) {
    const int64_t group = i % 4;
    const double angle = degrees[group] * 3.14159265358979 / 180.0;
    values.push_back(static_cast<float>(std::cos(angle) + 0.02 * noise[2 * i]));
    values.push_back(static_cast<float>(std::sin(angle) + 0.02 * noise[2 * i + 1]));
    p.labels.push_back(group);
  }
  p.embeddings = Tensor::from_vector<float>(values, {40, 2});
  return p;
}

TEST(Stage2Pairs, PositivesAreNeighboursAndNegativesComeFromTheFarthestCluster) {
  PlantedCircle planted = planted_circle();
  for (const std::string clustering : {"kmeans", "kl"}) {
    GuidedPairsConfig config;
    config.neighbours = 5;
    config.num_clusters = 4;
    config.clustering = clustering;
    config.kl.batch_size = 16;
    GuidedPairs pairs = build_guided_pairs(planted.embeddings, config);
    const std::vector<int64_t> neighbours = pairs.neighbours.to_vector<int64_t>();
    const std::vector<int64_t> clusters = pairs.clusters.to_vector<int64_t>();
    const std::vector<int64_t> farthest = pairs.farthest_cluster.to_vector<int64_t>();
    // The clustering recovers the planted groups: every cluster holds one group.
    std::vector<int64_t> group_of_cluster(4, -1);
    for (int64_t i = 0; i < 40; ++i) {
      if (group_of_cluster[clusters[i]] < 0) group_of_cluster[clusters[i]] = planted.labels[i];
      ASSERT_EQ(group_of_cluster[clusters[i]], planted.labels[i]) << clustering;
    }
    for (int64_t c = 0; c < 4; ++c)
      EXPECT_EQ(group_of_cluster[farthest[c]], planted.farthest[group_of_cluster[c]]) << clustering;

    const std::vector<int64_t> anchors = first_ids(40);
    std::set<int64_t> positives_seen;
    for (int64_t epoch = 0; epoch < 4; ++epoch) {
      AnchorPairs drawn = draw_anchor_pairs(pairs, anchors, 7, epoch);
      ASSERT_EQ(drawn.positives.size(), 40u);
      ASSERT_EQ(drawn.negatives.size(), 40u);
      for (int64_t i = 0; i < 40; ++i) {
        const auto row = neighbours.begin() + i * 5;
        EXPECT_NE(std::find(row, row + 5, drawn.positives[i]), row + 5)
            << "anchor " << i << ": positive " << drawn.positives[i] << " is not a neighbour";
        EXPECT_EQ(planted.labels[drawn.positives[i]], planted.labels[i]);
        EXPECT_EQ(clusters[drawn.negatives[i]], farthest[clusters[i]]) << "anchor " << i;
        EXPECT_EQ(planted.labels[drawn.negatives[i]], planted.farthest[planted.labels[i]]);
        positives_seen.insert(i * 40 + drawn.positives[i]);
      }
      // The draws depend on (seed, epoch, anchor) only: a single anchor draws what it drew in the
      // batch.
      AnchorPairs again = draw_anchor_pairs(pairs, {17}, 7, epoch);
      EXPECT_EQ(again.positives[0], drawn.positives[17]);
      EXPECT_EQ(again.negatives[0], drawn.negatives[17]);
    }
    EXPECT_GT(positives_seen.size(), 40u) << "the positives never change across epochs";
  }
}

TEST(Stage2Pairs, InconsistentStateIsRejected) {
  Tensor clusters = Tensor::from_vector<int64_t>({0, 0, 1}, {3});
  Tensor farthest = Tensor::from_vector<int64_t>({1, 0}, {2});
  test::expect_error(
      [&] {
        make_guided_pairs(Tensor::from_vector<int64_t>({1, 1, 0}, {3, 1}), clusters, farthest);
      },
      {"neighbour 0 of sample 1"});
  test::expect_error(
      [&] {
        make_guided_pairs(Tensor::from_vector<int64_t>({1, 0, 0}, {3, 1}), clusters,
                          Tensor::from_vector<int64_t>({0, 0}, {2}));
      },
      {"farthest cluster of cluster 0"});
}

TEST(Stage2Trainer, GStartsAsACopyOfF) {
  ContrastiveModel f(test::tiny_model_config(5)), g(test::tiny_model_config(99));
  f.eval();
  ASSERT_NE(all_values(g), all_values(f));
  Stage2Trainer trainer(f, g, tiny_stage2("guided_weighting"), random_images(40, 1),
                        first_ids(40));
  EXPECT_EQ(all_values(g), all_values(f));
}

TEST(Stage2Trainer, EveryModeTrainsGAndLeavesFAlone) {
  Tensor images = random_images(40, 2);
  for (const std::string mode : {"typical", "guided_sampling", "guided_weighting"}) {
    ContrastiveModel f(test::tiny_model_config(5)), g(test::tiny_model_config(99));
    f.eval();
    const std::vector<float> f_before = all_values(f);
    Stage2Trainer trainer(f, g, tiny_stage2(mode), images, first_ids(40));
    const std::vector<float> g_before = all_values(g);
    int steps = 0;
    Stage2EpochReport r = trainer.train_epoch([&](const StepReport& s) {
      ++steps;
      EXPECT_TRUE(std::isfinite(s.loss)) << mode << " step " << s.step;
    });
    EXPECT_EQ(steps, 5) << mode;
    EXPECT_TRUE(std::isfinite(r.loss) && std::isfinite(r.contrastive_loss) &&
                std::isfinite(r.distillation_loss))
        << mode;
    EXPECT_GE(r.distillation_loss, 0) << mode;
    EXPECT_NEAR(r.loss, r.contrastive_loss + 0.4 * r.distillation_loss, 1e-5) << mode;
    const int64_t per_anchor = mode == "typical" ? 2 : 3;
    EXPECT_EQ(r.images, 5 * 8 * per_anchor) << mode;
    EXPECT_EQ(trainer.images_processed(), r.images) << mode;
    EXPECT_EQ(trainer.compute_per_epoch().trained_images, r.images) << mode;
    EXPECT_EQ(trainer.compute_per_epoch().frozen_images,
              mode == "guided_weighting" ? 120 : 40)
        << mode;
    EXPECT_EQ(trainer.epochs_done(), 1);
    EXPECT_EQ(all_values(f), f_before) << mode << ": f changed";
    EXPECT_NE(all_values(g), g_before) << mode << ": g did not change";
  }
}

TEST(Stage2Trainer, PlainViewsFeatureEmbeddingAndKMeansChoicesRun) {
  ContrastiveModel f(test::tiny_model_config(5)), g(test::tiny_model_config(6));
  f.eval();
  Stage2Config config = tiny_stage2("guided_weighting");
  config.augmented_views = false;
  config.pairs_embedding = "features";
  config.pairs.clustering = "kmeans";
  Stage2Trainer trainer(f, g, config, random_images(40, 5), first_ids(40));
  EXPECT_EQ(trainer.pairs().neighbours.shape(), (Shape{40, 3}));
  EXPECT_EQ(trainer.pairs().farthest_cluster.shape(), (Shape{3}));
  Stage2EpochReport r = trainer.train_epoch(nullptr);
  EXPECT_TRUE(std::isfinite(r.loss));
  EXPECT_EQ(r.images, 120);
}

TEST(Stage2Trainer, ResumedRunMatchesAnUnbrokenRun) {
  Tensor images = random_images(40, 3);
  const std::string path = ::testing::TempDir() + "/kdup_stage2_resume.safetensors";
  for (const std::string mode : {"typical", "guided_weighting"}) {
    ContrastiveModel f(test::tiny_model_config(5));
    f.eval();
    ContrastiveModel unbroken(test::tiny_model_config(6));
    Stage2Trainer a(f, unbroken, tiny_stage2(mode), images, first_ids(40));
    for (int e = 0; e < 3; ++e) a.train_epoch(nullptr);

    ContrastiveModel first_half(test::tiny_model_config(6));
    Stage2Trainer b(f, first_half, tiny_stage2(mode), images, first_ids(40));
    b.train_epoch(nullptr);
    b.save(path);
    // A fresh process: f rebuilt from its stage-1 values, g built with another seed.
    ContrastiveModel f_again(test::tiny_model_config(77));
    f_again.copy_from(f);
    f_again.eval();
    ContrastiveModel resumed(test::tiny_model_config(99));
    Stage2Trainer c(f_again, resumed, tiny_stage2(mode), images, first_ids(40));
    c.restore(path);
    EXPECT_EQ(c.epochs_done(), 1);
    if (mode != "typical") {
      EXPECT_EQ(c.pairs().neighbours.to_vector<int64_t>(),
                a.pairs().neighbours.to_vector<int64_t>());
      EXPECT_EQ(c.pairs().clusters.to_vector<int64_t>(), a.pairs().clusters.to_vector<int64_t>());
      EXPECT_EQ(c.pairs().farthest_cluster.to_vector<int64_t>(),
                a.pairs().farthest_cluster.to_vector<int64_t>());
    }
    for (int e = 1; e < 3; ++e) c.train_epoch(nullptr);
    EXPECT_EQ(all_values(resumed), all_values(unbroken)) << mode;
    EXPECT_EQ(c.images_processed(), a.images_processed()) << mode;
  }
}

TEST(Stage2Trainer, StoppedWithinAnEpochResumesExactly) {
  Tensor images = random_images(40, 3);
  const std::string path = ::testing::TempDir() + "/kdup_stage2_resume_within.safetensors";
  for (const std::string mode : {"typical", "guided_weighting"}) {
    SCOPED_TRACE(mode);
    ContrastiveModel f(test::tiny_model_config(5));
    f.eval();
    ContrastiveModel unbroken(test::tiny_model_config(6));
    Stage2Trainer a(f, unbroken, tiny_stage2(mode), images, first_ids(40));
    std::vector<Stage2EpochReport> expected;
    for (int e = 0; e < 3; ++e) expected.push_back(a.train_epoch(nullptr));

    ContrastiveModel stopped(test::tiny_model_config(6));
    Stage2Trainer b(f, stopped, tiny_stage2(mode), images, first_ids(40));
    b.train_epoch(nullptr);
    int asked = 0;
    EXPECT_TRUE(b.train_epoch(nullptr, [&] { return ++asked == 3; }).stopped);
    EXPECT_EQ(b.epoch_steps_done(), 3);  // of 40 / 8 = 5
    b.save(path);

    ContrastiveModel f_again(test::tiny_model_config(77));
    f_again.copy_from(f);
    f_again.eval();
    ContrastiveModel resumed(test::tiny_model_config(99));
    Stage2Trainer c(f_again, resumed, tiny_stage2(mode), images, first_ids(40));
    c.restore(path);
    EXPECT_EQ(c.epochs_done(), 1);
    EXPECT_EQ(c.epoch_steps_done(), 3);
    const Stage2EpochReport rest = c.train_epoch(nullptr);
    EXPECT_EQ(rest.loss, expected[1].loss);
    EXPECT_EQ(rest.contrastive_loss, expected[1].contrastive_loss);
    EXPECT_EQ(rest.distillation_loss, expected[1].distillation_loss);
    EXPECT_EQ(rest.images, expected[1].images);
    c.train_epoch(nullptr);
    EXPECT_EQ(all_values(resumed), all_values(unbroken));
    EXPECT_EQ(c.images_processed(), a.images_processed());
  }
}

TEST(Stage2Trainer, DivergenceNamesTheStepAndTheLossTerms) {
  Tensor images = random_images(40, 4);
  ContrastiveModel f(test::tiny_model_config(5));
  f.eval();
  ContrastiveModel g(test::tiny_model_config(6));
  Stage2Config config = tiny_stage2("guided_weighting");
  config.base.lr = 1e30;  // the loss is NaN at the second step
  config.base.warmup_epochs = 0;
  Stage2Trainer trainer(f, g, config, images, first_ids(40));
  test::expect_divergence([&] { trainer.train_epoch(nullptr); },
                          {"stage2 diverged at epoch 1, step ", "/5: loss ", " (contrastive ",
                           ", distillation ", "gradient norm "});
}

TEST(Stage2Trainer, BadInputsAreReportedBeforeTraining) {
  Tensor images = random_images(40, 4);
  ContrastiveModel f(test::tiny_model_config(5)), g(test::tiny_model_config(6));
  auto build = [&](const Stage2Config& config) {
    Stage2Trainer trainer(f, g, config, images, first_ids(40));
  };
  test::expect_error([&] { build(tiny_stage2("guided_weighting")); }, {"eval mode"});
  f.eval();
  Stage2Config config = tiny_stage2("guided_weighting");
  config.pairs.neighbours = 40;
  test::expect_error([&] { build(config); }, {"K_kd = 40", "in-domain images, got 40"});
  config = tiny_stage2("guided_sampling");
  config.pairs.num_clusters = 41;
  test::expect_error([&] { build(config); }, {"41 clusters", "40"});
  config = tiny_stage2("guided");
  test::expect_error([&] { build(config); }, {"unknown mode 'guided'"});
  config = tiny_stage2("typical");
  config.base.batch_size = 64;
  test::expect_error([&] { build(config); }, {"batch_size", "64"});

  // A stage-1 checkpoint is not a stage-2 one.
  const std::string path = ::testing::TempDir() + "/kdup_stage2_wrong.safetensors";
  PretrainConfig stage1;
  stage1.batch_size = 8;
  stage1.epochs = 2;
  stage1.warmup_epochs = 1;
  ContrastiveModel h(test::tiny_model_config(8));
  Pretrainer(h, stage1, images, first_ids(40)).save(path);
  Stage2Trainer trainer(f, g, tiny_stage2("typical"), images, first_ids(40));
  test::expect_error([&] { trainer.restore(path); }, {"not a stage-2 checkpoint", "simclr"});

  // A guided run past its first epoch cannot resume without its selection state.
  TrainingState state;
  state.epoch = 1;
  state.metadata = {{"method", "kdup_stage2"}, {"stage2_mode", "guided_weighting"}};
  save_checkpoint(path, h, SGD({{h.parameters(), 0.0}}, 0.1), state);
  Stage2Trainer guided(f, g, tiny_stage2("guided_weighting"), images, first_ids(40));
  test::expect_error([&] { guided.restore(path); }, {"lacks the positive/negative selection"});
}

}  // namespace
}  // namespace kdup
