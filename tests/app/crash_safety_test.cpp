// Crash safety of a run: killed with SIGKILL at random moments — within checkpoint, log and result
// writes too — and resumed each time, it ends with the parameters and log of a run never killed,
// and no checkpoint or log line it leaves is ever unreadable; a full disk during a checkpoint is a
// one-line error naming the file, the previous checkpoint kept.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <csignal>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <random>
#include <set>
#include <thread>

#include "app/commands.h"
#include "app/run_dir.h"
#include "io/atomic_file.h"
#include "io/safetensors.h"
#include "test_util.h"
#include "tiny_experiment.h"

namespace kdup {
namespace {

namespace fs = std::filesystem;
using test::checkpoint_values;
using test::slurp;

// Stage 1 (2 epochs, a refresh) then stage 2 (1 epoch), a checkpoint every epoch, 2 kept.
nlohmann::json crash_config(const std::string& name) {
  nlohmann::json config = test::tiny_method(test::tiny_experiment(name));
  config["run"]["checkpoint_every"] = 1;
  config["run"]["keep_checkpoints"] = 2;
  config["run"]["keep_every"] = 0;
  config["eval"]["probe_epochs"] = 1;
  config["eval"]["fewshot_epochs"] = 1;
  config["eval"]["probe_milestones"] = nlohmann::json::array();
  config["eval"]["fewshot_milestones"] = nlohmann::json::array();
  return config;
}

struct Kill {
  int at_write = 0;  // > 0: the child kills itself at its at_write-th write of `phase`
  WritePhase phase = WritePhase::partial;
  double after_seconds = -1;  // >= 0: the parent kills the child after this long
};

// The child's side of spawn_run: `kdup run --config $KDUP_CHILD_CONFIG --resume` in a process of
// its own, killed at a write or below a file size limit as the environment says. Skipped unless
// spawn_run started it.
TEST(CrashSafetyChild, DISABLED_Run) {
  const char* config = std::getenv("KDUP_CHILD_CONFIG");
  if (!config) GTEST_SKIP() << "run by spawn_run only";
  if (const char* limit = std::getenv("KDUP_CHILD_FILE_LIMIT")) {
    std::signal(SIGXFSZ, SIG_IGN);  // a write past the limit fails with EFBIG, as on a full disk
    const rlimit rl{std::stoull(limit), std::stoull(limit)};
    setrlimit(RLIMIT_FSIZE, &rl);
  }
  const int at_write = std::atoi(std::getenv("KDUP_CHILD_KILL_AT_WRITE"));
  const auto kill_phase = static_cast<WritePhase>(std::atoi(std::getenv("KDUP_CHILD_KILL_PHASE")));
  int writes = 0;
  if (at_write > 0)
    set_write_hook([&](const std::string& path, WritePhase phase) {
      if (phase != kill_phase || ++writes < at_write) return;
      if (phase == WritePhase::before_append)  // a line cut short, as a kill within a write does
        std::ofstream(path, std::ios::app) << "{\"stage\":\"st";
      std::raise(SIGKILL);
    });
  int rc = 1;
  try {
    rc = run_command(config, {}, /*resume=*/true);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "kdup: error: %s\n", e.what());
  }
  std::fflush(nullptr);
  _exit(rc);
}

// Runs CrashSafetyChild.DISABLED_Run on `config_path` in a new process (this test binary exec'd
// afresh, with one OpenMP thread: a fork()ed copy of a process whose OpenMP pool has run would hang
// in its first parallel region), its stderr (and stdout unless `stderr_only`) into `output`,
// killed as `kill` says, below `file_limit` bytes per file when > 0; returns its wait status.
int spawn_run(const std::string& config_path, const std::string& output, const Kill& kill = {},
              uint64_t file_limit = 0, bool stderr_only = false) {
  const pid_t child = fork();
  if (child == 0) {
    const int fd = open(output.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    dup2(fd, 2);
    dup2(stderr_only ? open("/dev/null", O_WRONLY) : fd, 1);
    setenv("KDUP_CHILD_CONFIG", config_path.c_str(), 1);
    setenv("KDUP_CHILD_KILL_AT_WRITE", std::to_string(kill.at_write).c_str(), 1);
    setenv("KDUP_CHILD_KILL_PHASE", std::to_string(static_cast<int>(kill.phase)).c_str(), 1);
    if (file_limit) setenv("KDUP_CHILD_FILE_LIMIT", std::to_string(file_limit).c_str(), 1);
    setenv("OMP_NUM_THREADS", "1", 1);  // the same in every child
    execl("/proc/self/exe", "kdup_tests", "--gtest_filter=CrashSafetyChild.DISABLED_Run",
          "--gtest_also_run_disabled_tests", static_cast<char*>(nullptr));
    _exit(127);
  }
  int status = 0;
  if (kill.after_seconds >= 0) {
    const auto deadline = std::chrono::steady_clock::now() +
                          std::chrono::microseconds(static_cast<int64_t>(kill.after_seconds * 1e6));
    while (waitpid(child, &status, WNOHANG) == 0) {
      if (std::chrono::steady_clock::now() >= deadline) {
        ::kill(child, SIGKILL);
        waitpid(child, &status, 0);
        break;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(2));
    }
    return status;
  }
  waitpid(child, &status, 0);
  return status;
}

// Every checkpoint of the run readable; every whole line of log.jsonl a record, at most the last
// one cut short (only when `torn_allowed`), no epoch or refresh record twice. Returns the epoch
// records (stage, epoch, loss, images) in order.
std::vector<std::string> check_run(const fs::path& run, bool torn_allowed) {
  for (const fs::path& dir : {run, run / "stage2"}) {
    if (!fs::exists(dir)) continue;
    for (const CheckpointFile& c : RunDir(dir.string(), {}, true).checkpoints()) {
      SafetensorsFile file;
      EXPECT_NO_THROW(file = read_safetensors(c.path)) << c.path;
      EXPECT_EQ(file.metadata.count("epoch"), 1u) << c.path;
    }
  }
  std::vector<std::string> records;
  std::set<std::string> seen;
  const std::string text = slurp(run / "log.jsonl");
  std::istringstream lines(text);
  size_t read = 0;
  for (std::string line; std::getline(lines, line);) {
    read += line.size() + 1;
    const bool whole = read <= text.size();
    const auto record = nlohmann::json::parse(line, nullptr, false);
    if (!whole && torn_allowed) continue;
    EXPECT_TRUE(whole && !record.is_discarded()) << "torn log line: " << line;
    if (record.is_discarded()) continue;
    const std::string key = std::string(record.value("refresh", false) ? "refresh " : "") +
                            record["stage"].get<std::string>() + " " + record["epoch"].dump();
    EXPECT_TRUE(seen.insert(key).second) << "duplicated log record: " << key;
    if (!record.value("refresh", false))
      records.push_back(key + " " + record["loss"].dump() + " " +
                        record["images_processed"].dump());
  }
  return records;
}

TEST(CrashSafety, KilledAtRandomMomentsAndResumedEndsAsTheUnbrokenRun) {
  const std::string out = ::testing::TempDir() + "/kdup_crash_child.txt";
  const nlohmann::json unbroken_config = crash_config("kdup_crash_unbroken");
  const auto start = std::chrono::steady_clock::now();
  ASSERT_EQ(spawn_run(test::write_config(unbroken_config, "kdup_crash_unbroken"), out), 0)
      << slurp(out);
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  const fs::path unbroken = fs::path(unbroken_config["run"]["dir"].get<std::string>()) / "tiny";
  const std::vector<std::string> expected = check_run(unbroken, false);
  ASSERT_EQ(expected.size(), 3u);  // stage 1's 2 epochs, stage 2's 1

  const nlohmann::json config = crash_config("kdup_crash");
  const std::string path = test::write_config(config, "kdup_crash");
  const fs::path run = fs::path(config["run"]["dir"].get<std::string>()) / "tiny";
  auto check_finished = [&] {
    for (const char* checkpoint :
         {"checkpoint_epoch_0002.safetensors", "stage2/checkpoint_epoch_0001.safetensors"})
      EXPECT_EQ(checkpoint_values(run / checkpoint), checkpoint_values(unbroken / checkpoint))
          << checkpoint;
    EXPECT_EQ(check_run(run, false), expected);
    EXPECT_EQ(nlohmann::json::parse(slurp(run / "results.json"))["linear"],
              nlohmann::json::parse(slurp(unbroken / "results.json"))["linear"]);
    EXPECT_LE(RunDir(run.string(), {}, true).checkpoints().size(), 2u);  // retention
  };

  std::mt19937 rng(20240607);
  const WritePhase phases[] = {WritePhase::partial, WritePhase::before_rename,
                               WritePhase::after_rename, WritePhase::before_append};
  int kills = 0, finished = 0, attempts = 0;
  while (kills < 20) {
    ASSERT_LT(++attempts, 60) << "the runs are not killed";
    Kill kill;
    if (attempts % 2) {  // within a write: a checkpoint, an .npy, config.json, results; a log line
      kill.phase = phases[std::uniform_int_distribution<int>(0, 3)(rng)];
      kill.at_write = std::uniform_int_distribution<int>(1, 3)(rng);
    } else {  // at any moment of the run
      kill.after_seconds = std::uniform_real_distribution<double>(0.0, seconds)(rng);
    }
    const int status = spawn_run(path, out, kill);
    if (WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL) {
      ++kills;
      check_run(run, true);
      ASSERT_FALSE(::testing::Test::HasFailure()) << "after kill " << kills;
      continue;
    }
    ASSERT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << slurp(out);
    check_finished();  // the run ended before its kill: a run resumed as often as it was killed
    ASSERT_FALSE(::testing::Test::HasFailure()) << "after " << kills << " kills";
    ++finished;
    fs::remove_all(run);  // and again from the start
  }
  ASSERT_EQ(spawn_run(path, out), 0) << slurp(out);
  check_finished();
  std::cerr << "[ kills " << kills << ", finished runs " << finished + 1 << ", unbroken run "
            << seconds << " s ]\n";
}

TEST(CrashSafety, FullDiskDuringACheckpointIsOneLineAndKeepsThePreviousOne) {
  nlohmann::json config = test::tiny_experiment("kdup_full_disk");
  config["train"]["epochs"] = 2;
  config["run"]["checkpoint_every"] = 1;
  const std::string path = test::write_config(config, "kdup_full_disk");
  const fs::path run = fs::path(config["run"]["dir"].get<std::string>()) / "tiny";
  const std::string out = ::testing::TempDir() + "/kdup_full_disk_child.txt";
  const fs::path first = run / "checkpoint_epoch_0001.safetensors";
  ASSERT_EQ(run_command(path, {"train.epochs=1"}, false), 0);
  ASSERT_TRUE(fs::exists(first));
  const std::string first_bytes = slurp(first);

  // The second epoch's checkpoint does not fit below the limit; the log lines and config do.
  const int status = spawn_run(path, out, {}, first_bytes.size() / 2, /*stderr_only=*/true);
  ASSERT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 1) << slurp(out);
  const std::string log = slurp(out);
  const std::string error = log.substr(log.rfind("kdup: error: "));
  const fs::path second = run / "checkpoint_epoch_0002.safetensors";
  EXPECT_EQ(error, "kdup: error: " + second.string() + ": cannot write (" + std::strerror(EFBIG) +
                       "); nothing was changed\n");
  EXPECT_FALSE(fs::exists(second));
  EXPECT_FALSE(fs::exists(second.string() + ".tmp"));
  EXPECT_EQ(slurp(first), first_bytes);
  EXPECT_NO_THROW(read_safetensors(first.string()));

  // With room again, --resume continues from the kept checkpoint.
  ASSERT_EQ(run_command(path, {}, true), 0);
  EXPECT_TRUE(fs::exists(second));
}

}  // namespace
}  // namespace kdup
