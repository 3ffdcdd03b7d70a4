// kdup report: one self-contained HTML page (inline SVG charts, PNG thumbnails as data: URIs, no
// script, no external resource) on one or more run directories, side by side.
#pragma once
#include <string>
#include <vector>

namespace kdup {

// The page for the given run directories. `sections`: a comma-separated list of section anchors
// (runs, results, seeds, budget, per-class, tsne, curves, indices, refreshes, diagnostics), kept in
// page order; empty for all. Throws an Error naming a directory that does not exist or an unknown
// section; anything missing inside a run directory is named in the page instead.
std::string build_report_html(const std::vector<std::string>& run_dirs,
                              const std::string& sections = "");

}  // namespace kdup
