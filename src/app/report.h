// kdup report: one self-contained HTML page (inline SVG charts, PNG thumbnails as data: URIs, no
// script, no external resource) on one or more run directories, side by side.
#pragma once
#include <string>
#include <vector>

namespace kdup {

// The page for the given run directories. Throws an Error naming a directory that does not exist;
// anything missing inside a run directory is named in the page instead.
std::string build_report_html(const std::vector<std::string>& run_dirs);

}  // namespace kdup
