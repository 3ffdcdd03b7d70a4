// The pre-training loop: it runs for both baselines, and a run resumed from a checkpoint reaches
// exactly the parameters of an unbroken run with the same seed.
#include "kdup/pretrain.h"
#include "test_util.h"
#include "tiny_training.h"

namespace kdup {
namespace {

using test::all_values;
using test::first_ids;
using test::random_images;

ContrastiveModelConfig tiny_model(int branches) {
  ContrastiveModelConfig c;
  c.backbone.width = 1.0 / 16;
  c.backbone.bn_branches = branches;
  c.backbone.seed = 5;
  c.projection_hidden = 16;
  c.projection_dim = 8;
  return c;
}

PretrainConfig tiny_training(const std::string& method) {
  PretrainConfig c;
  c.method = method;
  c.epochs = 3;
  c.batch_size = 8;
  c.lr = 0.1;
  c.warmup_epochs = 1;
  c.seed = 11;
  return c;
}

TEST(Pretrain, BothBaselinesRunAndCountImages) {
  Tensor images = random_images(24, 1);
  for (const std::string method : {"simclr", "sdclr"}) {
    ContrastiveModel model(tiny_model(method == "sdclr" ? 2 : 1));
    Pretrainer trainer(model, tiny_training(method), images, first_ids(24));
    int steps = 0;
    EpochReport r = trainer.train_epoch([&](const StepReport&) { ++steps; });
    EXPECT_EQ(steps, 3);
    EXPECT_EQ(r.images, 3 * 2 * 8);
    EXPECT_EQ(trainer.images_processed(), 48);
    EXPECT_TRUE(std::isfinite(r.loss)) << method;
    EXPECT_GT(r.loss, 0) << method;
  }
}

TEST(Pretrain, ResumedRunMatchesAnUnbrokenRun) {
  Tensor images = random_images(24, 2);
  const std::string path = ::testing::TempDir() + "/kdup_resume.safetensors";
  for (const std::string method : {"simclr", "sdclr"}) {
    const int branches = method == "sdclr" ? 2 : 1;
    ContrastiveModel unbroken(tiny_model(branches));
    Pretrainer a(unbroken, tiny_training(method), images, first_ids(24));
    for (int e = 0; e < 3; ++e) a.train_epoch(nullptr);

    ContrastiveModel first_half(tiny_model(branches));
    Pretrainer b(first_half, tiny_training(method), images, first_ids(24));
    b.train_epoch(nullptr);
    b.save(path);
    ContrastiveModelConfig other = tiny_model(branches);
    other.backbone.seed = 99;  // a fresh process would build the model anew: the seed must not matter
    ContrastiveModel resumed(other);
    Pretrainer c(resumed, tiny_training(method), images, first_ids(24));
    c.restore(path);
    EXPECT_EQ(c.epochs_done(), 1);
    for (int e = 1; e < 3; ++e) c.train_epoch(nullptr);
    EXPECT_EQ(all_values(resumed), all_values(unbroken)) << method;
  }
}

}  // namespace
}  // namespace kdup
