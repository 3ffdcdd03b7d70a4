// SimCLR and SDCLR pre-training over two ranks (ctest's MpiTwoRanks) reach the parameters of one
// process training on the same global batches: after one step to 1e-6 relative, after five to
// 1e-4 (only the order of float sums differs), with batch normalisation over the global batch.
// The learning rate keeps each step's change near 1% of the weights: at 0.1 this small network's
// steps change its weights by a third, and any rounding difference grows thirty-fold a step in one
// process as in two. The parameters must move by far more than the tolerance, so a wrong gradient
// (a mean for the sum over ranks, a missing all-reduce) fails. Convolutions take the reference
// path (see main in communicator_mpi_test.cpp).
#include <gtest/gtest.h>

#include "kdup/pretrain.h"
#include "mpi_training.h"

namespace kdup {
namespace {

using test::relative_difference;
using test::train_steps;

PretrainConfig tiny_training(const std::string& method) {
  PretrainConfig c;
  c.method = method;
  c.epochs = 2;
  c.batch_size = 8;
  c.lr = 5e-4;
  c.warmup_epochs = 0;
  c.seed = 11;
  c.sync_batch_norm = true;
  return c;
}

TEST(MpiPretrain, TwoRanksTrainAsOneProcess) {
  Communicator& world = process_communicator();
  const Tensor images = test::random_images(48, 1);
  for (const std::string method : {"simclr", "sdclr"}) {
    SCOPED_TRACE(method);
    const int branches = method == "sdclr" ? 2 : 1;
    const ContrastiveModelConfig tiny = test::tiny_model_config(5, branches);
    ContrastiveModel single_model(tiny), model(tiny), initial(tiny);
    Pretrainer single(single_model, tiny_training(method), images, test::first_ids(48));
    Pretrainer ranks(model, tiny_training(method), images, test::first_ids(48), world);
    train_steps(single, 1);
    train_steps(ranks, 1);
    EXPECT_LE(relative_difference(model, single_model), 1e-6) << "after one step";
    train_steps(single, 4);
    train_steps(ranks, 4);
    EXPECT_LE(relative_difference(model, single_model), 1e-4) << "after five steps";
    EXPECT_GE(relative_difference(single_model, initial), 1e-2) << "the parameters hardly moved";
    EXPECT_EQ(ranks.images_processed(), single.images_processed());
  }
}

}  // namespace
}  // namespace kdup
