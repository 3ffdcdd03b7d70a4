// Stage 2 over two ranks (ctest's MpiTwoRanks) reaches the g of one process training on the same
// batches of anchors, in the `typical` and the full guided mode: after one step to 1e-6 relative,
// after five to 1e-4, with batch normalisation over the global batch (the settings of
// pretrain_mpi_test.cpp and why: a learning rate in the stable regime, the reference convolutions).
#include <gtest/gtest.h>

#include "kdup/stage2_trainer.h"
#include "mpi_training.h"

namespace kdup {
namespace {

using test::relative_difference;
using test::train_steps;

Stage2Config tiny_stage2(const std::string& mode) {
  Stage2Config c;
  c.mode = mode;
  c.base.epochs = 2;
  c.base.batch_size = 8;
  c.base.lr = 5e-4;
  c.base.warmup_epochs = 0;
  c.base.seed = 11;
  c.base.sync_batch_norm = true;
  c.pairs.neighbours = 3;
  c.pairs.num_clusters = 3;
  c.pairs.kl.batch_size = 16;
  c.embed_batch_size = 16;
  return c;
}

TEST(MpiStage2, TwoRanksTrainGAsOneProcess) {
  Communicator& world = process_communicator();
  const Tensor images = test::random_images(48, 2);
  for (const std::string mode : {"typical", "guided_weighting"}) {
    SCOPED_TRACE(mode);
    ContrastiveModel f(test::tiny_model_config(5)), g_single(test::tiny_model_config(99)),
        g(test::tiny_model_config(99));
    f.eval();
    Stage2Trainer single(f, g_single, tiny_stage2(mode), images, test::first_ids(48));
    Stage2Trainer ranks(f, g, tiny_stage2(mode), images, test::first_ids(48), world);
    const std::vector<float> start = test::all_values(g);
    train_steps(single, 1);
    train_steps(ranks, 1);
    EXPECT_LE(relative_difference(g, g_single), 1e-6) << "after one step";
    if (mode != "typical") {  // rank 0 built the pairs for both ranks from their shared embeddings
      EXPECT_EQ(ranks.pairs().neighbours.to_vector<int64_t>(),
                single.pairs().neighbours.to_vector<int64_t>());
      EXPECT_EQ(ranks.pairs().clusters.to_vector<int64_t>(),
                single.pairs().clusters.to_vector<int64_t>());
    }
    train_steps(single, 4);
    train_steps(ranks, 4);
    EXPECT_LE(relative_difference(g, g_single), 1e-4) << "after five steps";
    EXPECT_NE(test::all_values(g_single), start) << "g did not train";
    EXPECT_EQ(ranks.images_processed(), single.images_processed());
  }
}

}  // namespace
}  // namespace kdup
