// The kdup binary: one entry point for training, evaluation and comparison.
#include <csignal>
#include <cstring>
#include <iostream>
#include <string>
#include <vector>

#include "app/commands.h"
#include "app/train_schema.h"

namespace {

const char* kUsage =
    "usage:\n"
    "  [mpirun -np N] kdup run --config FILE [--set key=value]... [--resume] [--from CHECKPOINT]\n"
    "      stage 1 (KDUP, COLT, an ablation, or plain SimCLR/SDCLR when stage1.enabled is\n"
    "      false), stage 2 when stage2.enabled, then the evaluation (linear probe, 1% few-shot,\n"
    "      k-NN, CHI/DBI, t-SNE) into run.dir/run.name: results.md, results.json, report.html.\n"
    "      --resume continues from the run's last checkpoints; --from starts stage 1 from a\n"
    "      checkpoint (e.g. a SimCLR run at the end of the warm-up) or, with stage 1 off, runs\n"
    "      stage 2 alone on that checkpoint's network. Under mpirun, one training over N\n"
    "      processes (train.batch_size is the global batch; docs/data_parallel.md).\n"
    "  kdup train ...\n"
    "      the same as kdup run.\n"
    "  kdup eval RUN_DIR [--checkpoint FILE] [--set key=value]...\n"
    "      evaluate a run's latest (or the given) checkpoint again.\n"
    "  kdup compare RUN_DIR...\n"
    "      print the results of several runs side by side.\n"
    "  kdup report RUN_DIR... [--out FILE] [--sections LIST]\n"
    "      one self-contained HTML page on the runs (default RUN_DIR/report.html of the first);\n"
    "      LIST keeps some sections, e.g. results,seeds,budget (runs, results, seeds, budget,\n"
    "      per-class, tsne, curves, indices, refreshes, diagnostics).\n"
    "  kdup --help\n"
    "      this text and every configuration key.\n";

struct Arguments {
  std::string command, config, checkpoint, out, from, sections;
  std::vector<std::string> positional, overrides;
  bool resume = false;
};

Arguments parse(int argc, char** argv) {
  Arguments a;
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    auto value = [&](const char* flag) {
      KDUP_CHECK(i + 1 < argc, flag << " needs a value");
      return std::string(argv[++i]);
    };
    if (arg == "--config") a.config = value("--config");
    else if (arg == "--set") a.overrides.push_back(value("--set"));
    else if (arg == "--checkpoint") a.checkpoint = value("--checkpoint");
    else if (arg == "--out") a.out = value("--out");
    else if (arg == "--from") a.from = value("--from");
    else if (arg == "--sections") a.sections = value("--sections");
    else if (arg == "--resume") a.resume = true;
    else if (arg == "--help" || arg == "-h") a.command = "help";
    else if (arg.rfind("--", 0) == 0) KDUP_CHECK(false, "unknown option " << arg);
    else if (a.command.empty()) a.command = arg;
    else a.positional.push_back(arg);
  }
  return a;
}

}  // namespace

int main(int argc, char** argv) {
  // A write past a file-size limit then fails with EFBIG, as on a full disk (a one-line error, the
  // last checkpoint intact), instead of killing the process.
  std::signal(SIGXFSZ, SIG_IGN);
  try {
    Arguments a = parse(argc, argv);
    if (a.command.empty() || a.command == "help") {
      std::cout << kUsage << "\nconfiguration keys:\n" << kdup::schema_help(kdup::train_schema());
      return a.command.empty() ? 2 : 0;
    }
    if (a.command == "run" || a.command == "train") {
      KDUP_CHECK(!a.config.empty(), a.command << ": --config FILE is required");
      return kdup::run_command(a.config, a.overrides, a.resume, a.from);
    }
    if (a.command == "eval") {
      KDUP_CHECK(a.positional.size() == 1, "eval: expected one RUN_DIR");
      return kdup::eval_command(a.positional[0], a.checkpoint, a.overrides);
    }
    if (a.command == "compare") {
      KDUP_CHECK(!a.positional.empty(), "compare: expected at least one RUN_DIR");
      return kdup::compare_command(a.positional);
    }
    if (a.command == "report") return kdup::report_command(a.positional, a.out, a.sections);
    KDUP_CHECK(false, "unknown command '" << a.command << "' (run, train, eval, compare, report, --help)");
  } catch (const std::exception& e) {
    // Under mpirun the rank is named, and the whole job ends: the other ranks may be waiting for
    // this one in a collective.
    std::cerr << "kdup: error: " << kdup::rank_label() << e.what() << "\n" << std::flush;
    kdup::abort_every_rank(1);
    return 1;
  }
  return 0;
}
