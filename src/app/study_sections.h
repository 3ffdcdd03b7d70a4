// The report's sections on a study of several runs: the spread of each method's results over its
// seeds, and the mechanism diagnostics of every run (METHOD.md §6).
#pragma once
#include <string>
#include <vector>

#include "app/run_artifacts.h"

namespace kdup {

// Runs that share a label are one method over several seeds: mean ± sample standard deviation of
// every column, and bar charts of All, Few and STD with the spread as error bars.
std::string seed_spread_section(const std::vector<RunArtifacts>& runs);

// The budget curve: methods whose labels differ only by a ", Nx budget" suffix are one method at
// several training budgets; mean linear-probe All, Few and STD against the images trained. Empty
// when no method has results at two budgets.
std::string budget_curve_section(const std::vector<RunArtifacts>& runs);

// Per run, one row per refresh and one for stage 2: cluster purity, Medium/Few majorities,
// neighbour purity per group against chance, where the sampled OOD images lie, negative collisions.
std::string diagnostics_section(const std::vector<RunArtifacts>& runs);

}  // namespace kdup
