// Host reads per training step: every trainer reads the device once per step (its loss terms, the
// parameter check and COLT's batch scores in one copy), so that on a GPU a step waits for the
// device once. Counted on the CPU through tensor/host_reads.h, which counts every read a GPU run
// would make. The first step of an epoch also carries the epoch's own work (a refresh, the stage-2
// pairs, SDCLR's pruning) and is left out.
#include "kdup/pretrain.h"
#include "kdup/stage1_trainer.h"
#include "kdup/stage2_trainer.h"
#include "tensor/host_reads.h"
#include "test_util.h"
#include "tiny_training.h"

namespace kdup {
namespace {

using test::first_ids;
using test::random_images;

// 48 images at batch 8: six steps, five of them after the first.
constexpr int64_t kImages = 48;

// The host reads of each step of one epoch after its first.
template <class Trainer>
std::vector<int64_t> reads_per_step(Trainer& trainer) {
  std::vector<int64_t> after_step;
  trainer.train_epoch([&](const StepReport&) { after_step.push_back(host_reads()); });
  std::vector<int64_t> reads;
  for (size_t i = 1; i < after_step.size(); ++i) reads.push_back(after_step[i] - after_step[i - 1]);
  return reads;
}

void expect_one_read_per_step(const std::vector<int64_t>& reads) {
  ASSERT_GE(reads.size(), 5u);
  for (size_t s = 0; s < reads.size(); ++s) EXPECT_EQ(reads[s], 1) << "step " << s + 2;
}

TEST(HostReads, PretrainerStepsOfSimclrAndSdclrReadOnce) {
  for (const std::string method : {"simclr", "sdclr"}) {
    SCOPED_TRACE(method);
    PretrainConfig c;
    c.method = method;
    c.epochs = 2;
    c.batch_size = 8;
    c.lr = 0.1;
    c.warmup_epochs = 1;
    c.seed = 11;
    ContrastiveModel model(test::tiny_model_config(5, method == "sdclr" ? 2 : 1));
    Pretrainer trainer(model, c, random_images(kImages, 1), first_ids(kImages));
    expect_one_read_per_step(reads_per_step(trainer));
  }
}

TEST(HostReads, Stage1StepsOfKdupAndColtReadOnceBeforeAndAfterARefresh) {
  const Tensor pool = random_images(40, 2);
  for (const auto& [name, preset] :
       std::vector<std::pair<std::string, Stage1Config>>{{"kdup", kdup_stage1_config()},
                                                         {"colt", colt_stage1_config()}}) {
    SCOPED_TRACE(name);
    Stage1Config c = preset;
    c.base.epochs = 2;
    c.base.batch_size = 8;
    c.base.lr = 0.1;
    c.base.warmup_epochs = 1;
    c.base.seed = 11;
    c.warmup_epochs = 1;
    c.refresh_every = 1;
    c.num_clusters = 3;
    c.tailness_k = 5;
    c.ood_budget = 12;
    c.positives_k = 3;
    c.embed_batch_size = 16;
    ContrastiveModel model(test::tiny_model_config());
    Stage1Trainer trainer(model, c, random_images(kImages, 1), first_ids(kImages), pool);
    expect_one_read_per_step(reads_per_step(trainer));  // the warm-up epoch
    expect_one_read_per_step(reads_per_step(trainer));  // merged batches after the refresh
  }
}

TEST(HostReads, Stage2StepsReadOnceInEveryMode) {
  for (const std::string mode : {"typical", "guided_weighting"}) {
    SCOPED_TRACE(mode);
    Stage2Config c;
    c.mode = mode;
    c.base.epochs = 2;
    c.base.batch_size = 8;
    c.base.lr = 0.1;
    c.base.warmup_epochs = 1;
    c.base.seed = 11;
    c.pairs.neighbours = 3;
    c.pairs.num_clusters = 3;
    c.pairs.kl.batch_size = 16;
    c.embed_batch_size = 16;
    ContrastiveModel f(test::tiny_model_config()), g(test::tiny_model_config());
    f.eval();
    Stage2Trainer trainer(f, g, c, random_images(kImages, 1), first_ids(kImages));
    expect_one_read_per_step(reads_per_step(trainer));
  }
}

}  // namespace
}  // namespace kdup
