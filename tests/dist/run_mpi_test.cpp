// `mpirun -np 2 kdup run` (ctest's MpiTwoRanks; run_command on both ranks): KDUP's stage 1 across
// a refresh, then stage 2, over two processes reach the checkpoints of one process; rank 0 alone
// writes the run; a signal on either rank stops both at the same step boundary; a checkpoint of two
// processes resumes in one, and one of a single process resumes over two.
//
// Batch statistics of the global batch and the reference convolutions, as pretrain_mpi_test.cpp,
// and a learning rate of 1e-9: this tiny network amplifies rounding a thousandfold in a few steps
// of the merged set or of stage 2 at its usual rates (measured in one process at 5e-4: the rate
// changed by 1e-7 moves stage 2's weights by 1e-4 after nine steps), which would flip the
// clusters of the guided pairs. At 1e-9 the parameters stay where they are, and the optimiser's
// momentum, the sum of every step's gradient, is what the comparison checks: the same losses over
// the same global batches, refresh decisions and pairs, with the gradients summed over the ranks.
// It holds to 1e-2 of the largest value: the synchronised batch norm normalises with float32
// statistics, a few ulps from the float64 ones inside one process's kernel, and through twenty
// layers and thirteen steps the sums drift apart by up to 2.4e-3 (measured). A gradient averaged
// instead of summed, or batch statistics left per rank, moves them by far more.
#include <gtest/gtest.h>

#include <cmath>
#include <csignal>
#include <filesystem>

#include "app/commands.h"
#include "app/stop_signals.h"
#include "app/tiny_experiment.h"

namespace kdup {
namespace {

namespace fs = std::filesystem;

struct Experiment {
  std::string config;
  fs::path run;
};

// Rank 0 writes the tiny KDUP experiment `name` (stage 1 with a refresh, stage 2) and its config;
// every rank gets their paths.
Experiment shared_experiment(Communicator& world, const std::string& name) {
  if (world.is_root()) {
    nlohmann::json config = test::tiny_method(test::tiny_experiment(name));
    config["model"]["sync_batch_norm"] = true;
    config["optim"]["lr"] = 1e-9;
    config["stage2"]["lr"] = 1e-9;
    config["eval"]["probe_epochs"] = 1;
    config["eval"]["fewshot_epochs"] = 1;
    config["eval"]["probe_milestones"] = nlohmann::json::array();
    config["eval"]["fewshot_milestones"] = nlohmann::json::array();
    config["run"]["keep_checkpoints"] = 0;
    test::write_config(config, name);
  }
  world.barrier();
  return {::testing::TempDir() + "/" + name + ".json",
          fs::path(::testing::TempDir()) / name / "runs" / "tiny"};
}

// run_command on rank 0 alone, as one process (the other rank waits).
int alone_on_rank0(Communicator& world, const Experiment& e, bool resume) {
  int code = 0;
  if (world.is_root()) code = run_command(e.config, {}, resume, "", &single_process());
  world.barrier();
  return code;
}

// run_command over both ranks, with SIGTERM raised on `signalled` (-1: none) before the run
// starts: it stops at its first step boundary.
int over_two_ranks(Communicator& world, const Experiment& e, bool resume, int signalled = -1) {
  StopSignals outer;
  if (world.rank() == signalled) std::raise(SIGTERM);
  return run_command(e.config, {}, resume);
}

// max |a - b| / max |b| over the model and optimiser tensors of two checkpoints.
double checkpoint_difference(const fs::path& a, const fs::path& b) {
  const auto va = test::checkpoint_values(a), vb = test::checkpoint_values(b);
  EXPECT_EQ(va.size(), vb.size());
  double diff = 0, scale = 1e-3;
  for (const auto& [name, values] : vb) {
    const std::vector<float>& other = va.at(name);
    for (size_t i = 0; i < values.size(); ++i) {
      diff = std::max(diff, std::abs(double(other[i]) - double(values[i])));
      scale = std::max(scale, std::abs(double(values[i])));
    }
  }
  return diff / scale;
}

// Rank 0: the last checkpoints of both stages are those of the unbroken single-process run.
void expect_single_process_run(Communicator& world, const Experiment& e) {
  static const Experiment single = [&] {
    const Experiment s = shared_experiment(world, "mpi_run_single");
    EXPECT_EQ(alone_on_rank0(world, s, false), 0);
    return s;
  }();
  if (!world.is_root()) return;
  for (const char* checkpoint :
       {"checkpoint_epoch_0002.safetensors", "stage2/checkpoint_epoch_0001.safetensors"})
    EXPECT_LE(checkpoint_difference(e.run / checkpoint, single.run / checkpoint), 1e-2)
        << checkpoint;
  for (const char* decision : {"refresh_0001_ood.npy", "refresh_0001_clusters.npy"})
    EXPECT_EQ(test::slurp(e.run / decision), test::slurp(single.run / decision)) << decision;
  EXPECT_TRUE(fs::exists(e.run / "results.json"));
}

TEST(MpiRun, TwoProcessesTrainAsOne) {
  Communicator& world = process_communicator();
  const Experiment e = shared_experiment(world, "mpi_run_two");
  ASSERT_EQ(over_two_ranks(world, e, false), 0);
  world.barrier();
  expect_single_process_run(world, e);
  if (world.is_root()) {
    EXPECT_TRUE(fs::exists(e.run / "report.html"));
  }
}

TEST(MpiRun, ASignalOnEitherRankStopsBothAndCheckpointsMoveBetweenProcessCounts) {
  Communicator& world = process_communicator();
  const Experiment e = shared_experiment(world, "mpi_run_stopped");
  EXPECT_EQ(over_two_ranks(world, e, false, /*signalled=*/1), stop_exit_code(SIGTERM));
  EXPECT_EQ(over_two_ranks(world, e, true, /*signalled=*/0), stop_exit_code(SIGTERM));
  world.barrier();
  if (world.is_root()) {
    EXPECT_TRUE(fs::exists(e.run / "checkpoint_epoch_0000_step_0001.safetensors"));
    EXPECT_TRUE(fs::exists(e.run / "checkpoint_epoch_0000_step_0002.safetensors"));
    EXPECT_FALSE(fs::exists(e.run / "results.json"));
  }
  ASSERT_EQ(alone_on_rank0(world, e, true), 0);  // two processes' checkpoint, one process
  expect_single_process_run(world, e);

  const Experiment back = shared_experiment(world, "mpi_run_stopped_single");
  if (world.is_root()) {
    StopSignals outer;
    std::raise(SIGTERM);
    EXPECT_EQ(run_command(back.config, {}, false, "", &single_process()),
              stop_exit_code(SIGTERM));
  }
  world.barrier();
  ASSERT_EQ(over_two_ranks(world, back, true), 0);  // one process's checkpoint, two processes
  world.barrier();
  expect_single_process_run(world, back);
}

TEST(MpiRun, AProcessGivenAnotherConfigurationIsRefused) {
  Communicator& world = process_communicator();
  const Experiment e = shared_experiment(world, "mpi_run_mismatch");
  // Both ranks would then fail on the missing data, rank 0 on its own.
  std::vector<std::string> overrides = {"data.root=" + ::testing::TempDir() + "/no_such_data"};
  if (world.rank() == 1) overrides.push_back("optim.lr=0.2");
  try {
    run_command(e.config, overrides, false);
    ADD_FAILURE() << "the run started";
  } catch (const Error& error) {
    if (world.rank() == 1) {
      EXPECT_NE(std::string(error.what()).find("differs from rank 0's (optim.lr)"),
                std::string::npos)
          << error.what();
    }
  }
  world.barrier();
}

}  // namespace
}  // namespace kdup
