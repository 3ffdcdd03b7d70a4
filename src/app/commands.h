// The subcommands of the kdup binary.
#pragma once
#include <string>
#include <vector>

namespace kdup {

// kdup run (or train) --config FILE [--set key=value]... [--resume] [--from CHECKPOINT]
int run_command(const std::string& config_path, const std::vector<std::string>& overrides,
                bool resume, const std::string& from = "");

// kdup eval RUN_DIR [--checkpoint FILE] [--set key=value]...
int eval_command(const std::string& run_dir, const std::string& checkpoint,
                 const std::vector<std::string>& overrides);

// kdup compare RUN_DIR...: the results of several runs side by side.
int compare_command(const std::vector<std::string>& run_dirs);

// kdup report RUN_DIR... [--out FILE]: one self-contained HTML page on the runs, written to FILE
// (default: report.html in the first run directory).
int report_command(const std::vector<std::string>& run_dirs, const std::string& out_path);

}  // namespace kdup
