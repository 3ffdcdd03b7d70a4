// The pre-training loop: it runs for both baselines, a run resumed from a checkpoint (at an epoch
// boundary or within an epoch) reaches exactly the parameters of an unbroken run with the same
// seed, and a diverging step stops the training at that step.
#include "kdup/pretrain.h"
#include "test_util.h"
#include "tiny_training.h"

namespace kdup {
namespace {

using test::all_values;
using test::first_ids;
using test::random_images;

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
    ContrastiveModel model(test::tiny_model_config(5, method == "sdclr" ? 2 : 1));
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
    ContrastiveModel unbroken(test::tiny_model_config(5, branches));
    Pretrainer a(unbroken, tiny_training(method), images, first_ids(24));
    for (int e = 0; e < 3; ++e) a.train_epoch(nullptr);

    ContrastiveModel first_half(test::tiny_model_config(5, branches));
    Pretrainer b(first_half, tiny_training(method), images, first_ids(24));
    b.train_epoch(nullptr);
    b.save(path);
    ContrastiveModelConfig other = test::tiny_model_config(5, branches);
    other.backbone.seed = 99;  // a fresh process would build the model anew: the seed must not matter
    ContrastiveModel resumed(other);
    Pretrainer c(resumed, tiny_training(method), images, first_ids(24));
    c.restore(path);
    EXPECT_EQ(c.epochs_done(), 1);
    for (int e = 1; e < 3; ++e) c.train_epoch(nullptr);
    EXPECT_EQ(all_values(resumed), all_values(unbroken)) << method;
  }
}

// Stopped after the first step of the second epoch, saved, restored into a fresh model: the rest of
// that epoch and the next reach the unbroken run's parameters and report its losses.
TEST(Pretrain, StoppedWithinAnEpochResumesExactly) {
  Tensor images = random_images(24, 2);
  const std::string path = ::testing::TempDir() + "/kdup_resume_within.safetensors";
  for (const std::string method : {"simclr", "sdclr"}) {
    SCOPED_TRACE(method);
    const int branches = method == "sdclr" ? 2 : 1;
    ContrastiveModel unbroken(test::tiny_model_config(5, branches));
    Pretrainer a(unbroken, tiny_training(method), images, first_ids(24));
    std::vector<EpochReport> expected;
    for (int e = 0; e < 3; ++e) expected.push_back(a.train_epoch(nullptr));

    ContrastiveModel stopped(test::tiny_model_config(5, branches));
    Pretrainer b(stopped, tiny_training(method), images, first_ids(24));
    b.train_epoch(nullptr);
    int asked = 0;
    const EpochReport part = b.train_epoch(nullptr, [&] { return ++asked == 1; });
    EXPECT_TRUE(part.stopped);
    EXPECT_EQ(part.epoch, 1);
    EXPECT_EQ(part.images, 16);  // one step of 8 pairs
    EXPECT_EQ(b.epoch_steps_done(), 1);
    b.save(path);

    ContrastiveModelConfig other = test::tiny_model_config(5, branches);
    other.backbone.seed = 99;
    ContrastiveModel resumed(other);
    Pretrainer c(resumed, tiny_training(method), images, first_ids(24));
    c.restore(path);
    EXPECT_EQ(c.epochs_done(), 1);
    EXPECT_EQ(c.epoch_steps_done(), 1);
    int steps = 0;
    const EpochReport rest = c.train_epoch([&](const StepReport& s) {
      EXPECT_EQ(s.step, steps + 1);  // steps 2 and 3 of the epoch (0-based 1 and 2)
      ++steps;
    });
    EXPECT_EQ(steps, 2);
    EXPECT_FALSE(rest.stopped);
    EXPECT_EQ(rest.epoch, 2);
    EXPECT_EQ(rest.loss, expected[1].loss);  // the mean over all three steps, bit for bit
    EXPECT_EQ(rest.images, expected[1].images);
    EXPECT_EQ(c.train_epoch(nullptr).loss, expected[2].loss);
    EXPECT_EQ(all_values(resumed), all_values(unbroken));
    EXPECT_EQ(c.images_processed(), a.images_processed());
  }
}

// The stop check is not asked after an epoch's last step: the epoch then ends as usual.
TEST(Pretrain, StopAfterTheLastStepFinishesTheEpoch) {
  Tensor images = random_images(24, 3);
  ContrastiveModel model(test::tiny_model_config(5, 1));
  Pretrainer trainer(model, tiny_training("simclr"), images, first_ids(24));
  int asked = 0;
  const EpochReport r = trainer.train_epoch(nullptr, [&] {
    ++asked;
    return false;
  });
  EXPECT_EQ(asked, 2);  // after steps 1 and 2 of 3
  EXPECT_FALSE(r.stopped);
  EXPECT_EQ(trainer.epochs_done(), 1);
  EXPECT_EQ(trainer.epoch_steps_done(), 0);
}

// A learning rate of 1e6 with weight decay 1e-4 flips and scales the weights by about -99 a step,
// and the batch-norm running variances with their squares: these overflow within a few epochs
// while the loss of the normalised projections stays finite, so it is the check of the model's
// state, not of the loss, that stops the run, at the first step whose state is not finite.
TEST(Pretrain, DivergenceOfTheParametersStopsAtTheStep) {
  Tensor images = random_images(24, 4);
  ContrastiveModel model(test::tiny_model_config(5, 1));
  PretrainConfig config = tiny_training("simclr");
  config.lr = 1e6;
  config.warmup_epochs = 0;
  config.epochs = 20;
  Pretrainer trainer(model, config, images, first_ids(24));
  test::expect_divergence(
      [&] {
        for (int e = 0; e < 20; ++e) {
          trainer.train_epoch(nullptr);
          for (float v : all_values(model)) ASSERT_TRUE(std::isfinite(v)) << "epoch " << e + 1;
        }
      },
      {"pretrain diverged at epoch ", ", step ", "/3: loss ", ", gradient norm ", ", parameters ",
       ", buffers "});
  EXPECT_GT(trainer.epochs_done(), 0);
}

// A learning rate of 1e30 makes the loss itself NaN at the second step.
TEST(Pretrain, NonFiniteLossStopsAtTheStep) {
  Tensor images = random_images(24, 4);
  ContrastiveModel model(test::tiny_model_config(5, 1));
  PretrainConfig config = tiny_training("simclr");
  config.lr = 1e30;
  config.warmup_epochs = 0;
  Pretrainer trainer(model, config, images, first_ids(24));
  test::expect_divergence([&] { trainer.train_epoch(nullptr); },
                          {"pretrain diverged at epoch 1, step 2/3: loss nan"});
  EXPECT_EQ(trainer.epochs_done(), 0);
}

}  // namespace
}  // namespace kdup
