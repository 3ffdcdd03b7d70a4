// The subcommands of the kdup binary.
#pragma once
#include <string>
#include <vector>

#include "dist/communicator.h"

namespace kdup {

// kdup run (or train) --config FILE [--set key=value]... [--resume] [--from CHECKPOINT]
// Under mpirun every rank calls it (one training over the processes). `communicator` null: this
// process's (dist/communicator.h: MPI or NCCL when started by mpirun, else one process).
int run_command(const std::string& config_path, const std::vector<std::string>& overrides,
                bool resume, const std::string& from = "", Communicator* communicator = nullptr);

// kdup eval RUN_DIR [--checkpoint FILE] [--set key=value]...
int eval_command(const std::string& run_dir, const std::string& checkpoint,
                 const std::vector<std::string>& overrides);

// kdup compare RUN_DIR...: the results of several runs side by side.
int compare_command(const std::vector<std::string>& run_dirs);

// kdup report RUN_DIR... [--out FILE] [--sections LIST]: one self-contained HTML page on the runs,
// written to FILE (default: report.html in the first run directory); LIST as build_report_html's.
int report_command(const std::vector<std::string>& run_dirs, const std::string& out_path,
                   const std::string& sections = "");

}  // namespace kdup
