// Evaluates a trained model and writes results.json and results.md into its run directory.
#pragma once
#include <string>

#include "app/results.h"
#include "kdup/contrastive_model.h"

namespace kdup {

// Returns the markdown written to results.md.
std::string evaluate_and_report(ContrastiveModel& model, const ExperimentData& data,
                                const EvalConfig& config, const RunSummary& summary,
                                const std::string& run_dir);

}  // namespace kdup
