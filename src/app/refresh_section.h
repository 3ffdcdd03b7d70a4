// The report's section on the method's refreshes (log.jsonl records with "refresh": true): per
// refresh the cluster sizes, tailness against the true majority-class sizes, OOD budgets, the
// Spearman value and thumbnails of the OOD images sampled for each cluster.
#pragma once
#include <string>
#include <vector>

#include "app/run_artifacts.h"

namespace kdup {

// Thumbnails are embedded for this many of the latest refreshes (earlier ones: numbers only), so
// a long run's page stays a few megabytes.
constexpr int kRefreshesWithThumbnails = 5;
constexpr int kThumbnailsPerCluster = 8;

std::string refresh_section(const std::vector<RunArtifacts>& runs);

}  // namespace kdup
