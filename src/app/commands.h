// The subcommands of the kdup binary.
#pragma once
#include <string>
#include <vector>

namespace kdup {

// kdup train --config FILE [--set key=value]... [--resume]
int train_command(const std::string& config_path, const std::vector<std::string>& overrides,
                  bool resume);

// kdup eval RUN_DIR [--checkpoint FILE] [--set key=value]...
int eval_command(const std::string& run_dir, const std::string& checkpoint,
                 const std::vector<std::string>& overrides);

// kdup compare RUN_DIR...: the results of several runs side by side.
int compare_command(const std::vector<std::string>& run_dirs);

}  // namespace kdup
