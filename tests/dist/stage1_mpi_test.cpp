// KDUP's and COLT's stage 1 over two ranks (ctest's MpiTwoRanks) reach the parameters of one
// process across a refresh: four warm-up steps, the refresh (the embedding passes shared out, rank
// 0 deciding for both), one step on the merged set; 1e-6 relative after the first step, 1e-4
// after the fifth, and every rank holds the clusters, OOD sample and positive lists of one
// process. The settings of pretrain_mpi_test.cpp and why.
#include <gtest/gtest.h>

#include "kdup/stage1_trainer.h"
#include "mpi_training.h"

namespace kdup {
namespace {

using test::relative_difference;
using test::train_steps;

// 32 ID images at batch 8: four warm-up steps, then a refresh adding 8 pool images.
Stage1Config tiny_stage1(Stage1Config c) {
  c.base.epochs = 2;
  c.base.batch_size = 8;
  c.base.lr = 5e-4;
  c.base.warmup_epochs = 0;
  c.base.seed = 11;
  c.base.sync_batch_norm = true;
  c.warmup_epochs = 1;
  c.refresh_every = 1;
  c.num_clusters = 3;
  c.tailness_k = 5;
  c.ood_budget = 8;
  c.positives_k = 3;
  c.embed_batch_size = 16;
  return c;
}

TEST(MpiStage1, TwoRanksTrainAsOneProcessAcrossARefresh) {
  Communicator& world = process_communicator();
  const Tensor id_images = test::random_images(32, 1), pool = test::random_images(40, 2);
  for (const auto& [name, preset] :
       std::vector<std::pair<std::string, Stage1Config>>{{"kdup", kdup_stage1_config()},
                                                         {"colt", colt_stage1_config()}}) {
    SCOPED_TRACE(name);
    ContrastiveModel single_model(test::tiny_model_config()), model(test::tiny_model_config());
    Stage1Trainer single(single_model, tiny_stage1(preset), id_images, test::first_ids(32), pool);
    Stage1Trainer ranks(model, tiny_stage1(preset), id_images, test::first_ids(32), pool, {}, {},
                        world);
    train_steps(single, 1);
    train_steps(ranks, 1);
    EXPECT_LE(relative_difference(model, single_model), 1e-6) << "after one step";
    train_steps(single, 3);  // the rest of the warm-up epoch
    train_steps(ranks, 3);
    const Stage1EpochReport a = train_steps(single, 1), b = train_steps(ranks, 1);  // refresh
    ASSERT_TRUE(a.refresh && b.refresh);
    EXPECT_TRUE(a.merged && b.merged);
    if (world.is_root()) {  // the report's clusters and budgets are rank 0's
      EXPECT_EQ(b.refresh->cluster_sizes, a.refresh->cluster_sizes);
      EXPECT_EQ(b.refresh->budgets, a.refresh->budgets);
    }
    EXPECT_EQ(b.refresh->sampled, a.refresh->sampled);
    const Stage1MethodState &expected = single.method_state(), &got = ranks.method_state();
    EXPECT_EQ(got.refreshes, expected.refreshes);
    for (const auto& [tensor, what] : {std::pair{&Stage1MethodState::assignments, "assignments"},
                                       {&Stage1MethodState::selection, "selection"},
                                       {&Stage1MethodState::positives, "positives"}})
      EXPECT_EQ((got.*tensor).to_vector<int64_t>(), (expected.*tensor).to_vector<int64_t>())
          << what;
    const std::vector<float> centroids = got.centroids.to_vector<float>();
    const std::vector<float> expected_centroids = expected.centroids.to_vector<float>();
    ASSERT_EQ(centroids.size(), expected_centroids.size());
    for (size_t i = 0; i < centroids.size(); ++i)  // from embeddings of parameters 1e-6 apart
      EXPECT_NEAR(centroids[i], expected_centroids[i], 1e-5);
    EXPECT_LE(relative_difference(model, single_model), 1e-4) << "after five steps";
    EXPECT_EQ(ranks.images_processed(), single.images_processed());
  }
}

}  // namespace
}  // namespace kdup
