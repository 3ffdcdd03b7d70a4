// The directory of one run, runs/<name>/: config.json (the resolved configuration), log.jsonl (one
// JSON record a line), results and checkpoint_epoch_NNNN[_step_SSSS].safetensors files.
//
//   RunDir run("runs/cifar_r18", cfg.resolved_json(), /*resume=*/false);
//   run.append_log({{"epoch", 1}, {"loss", 4.2}});
//   run.write_text_atomic("results.md", table);
//   if (auto last = run.latest_checkpoint()) load(last->path);
#pragma once
#include <cstdint>
#include <functional>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "io/atomic_file.h"  // write_file_atomic

namespace kdup {

struct CheckpointFile {
  int64_t epoch = 0;  // epochs completed
  int64_t step = 0;   // steps of the next epoch done too (a checkpoint written within an epoch)
  std::string path;
};

class RunDir {
 public:
  // Opens `dir` for a run with the given resolved configuration, creating it and its parents and
  // writing config.json. When config.json already holds a different configuration:
  //  - without resume, throws an Error naming the directory and the differing keys (nothing is
  //    written);
  //  - with resume, config.json is rewritten and changed_keys() lists what changed.
  // Without resume, a directory that already holds a run (a non-empty log.jsonl or a checkpoint)
  // is an error too: a fresh run would mix its records into that log.
  // Resuming a directory that does not exist yet starts it afresh.
  RunDir(std::string dir, const nlohmann::json& config, bool resume);

  const std::string& dir() const { return dir_; }
  std::string path(const std::string& relative_name) const;  // dir/relative_name

  // Appends one line to log.jsonl with one write and fsyncs it, so a killed run keeps every line
  // written. A line cut short by a killed run is closed first, so the new record stands alone.
  void append_log(const nlohmann::json& record);
  // The records of log.jsonl in order; a line cut short by a killed run is skipped.
  std::vector<nlohmann::json> read_log() const;
  // Rewrites log.jsonl atomically without the records `drop` selects and without lines cut short
  // (a resumed run drops what was logged after its checkpoint, which it logs again). Returns the
  // number of lines removed; the file is left untouched when that is 0.
  int64_t drop_log_records(const std::function<bool(const nlohmann::json&)>& drop);

  // Writes dir/relative_name atomically (creating subdirectories), e.g. results.md.
  void write_text_atomic(const std::string& relative_name, const std::string& text) const;

  // "checkpoint_epoch_0012.safetensors"; with steps of the next epoch done (a run stopped within
  // an epoch), "checkpoint_epoch_0012_step_0005.safetensors".
  static std::string checkpoint_name(int64_t epoch, int64_t step = 0);
  std::vector<CheckpointFile> checkpoints() const;  // by increasing epoch, then step
  std::optional<CheckpointFile> latest_checkpoint() const;
  // Checkpoint retention: keeps the `keep_last` latest checkpoints (0: all, nothing is removed) and
  // those at every `keep_every`-th epoch (0: none), removes the rest and any temporary file a
  // killed checkpoint write left. The latest checkpoint, which --resume continues from, is always
  // kept. Returns the paths removed.
  std::vector<std::string> prune_checkpoints(int64_t keep_last, int64_t keep_every) const;

  // Keys ("optim.lr") whose value differs from the config.json found when resuming.
  const std::vector<std::string>& changed_keys() const { return changed_keys_; }

 private:
  std::string dir_;
  bool log_checked_ = false;  // whether append_log has closed a torn last line yet
  std::vector<std::string> changed_keys_;
};

// The dotted keys ("optim.lr") whose values differ between two nested configurations.
std::vector<std::string> differing_keys(const nlohmann::json& a, const nlohmann::json& b);

}  // namespace kdup
