#include "app/report.h"

#include <algorithm>
#include <iostream>

#include "app/commands.h"
#include "app/html_report_sections.h"
#include "app/html_text.h"
#include "app/refresh_section.h"
#include "app/run_dir.h"
#include "app/study_sections.h"
#include "tensor/error.h"

namespace kdup {

namespace {

const char* kStyle = R"(
body { font-family: system-ui, sans-serif; margin: 24px; color: #222; max-width: 1800px; }
h1 { margin-bottom: 4px; }
h2 { border-bottom: 1px solid #ccc; padding-bottom: 4px; margin-top: 36px; }
h3 { margin: 0 0 8px 0; }
h4 { margin: 10px 0 2px 0; font-weight: normal; color: #555; }
nav a { margin-right: 14px; }
.explain { color: #555; max-width: 70em; }
.runs { display: flex; flex-wrap: wrap; gap: 24px; align-items: flex-start; }
#refreshes .runs { flex-direction: column; }
.run { border: 1px solid #ddd; border-radius: 6px; padding: 12px; max-width: 560px; }
#refreshes .run { max-width: none; }
.missing { color: #a33; }
.note { color: #666; }
table { border-collapse: collapse; margin: 8px 0; }
th, td { border: 1px solid #ccc; padding: 3px 8px; text-align: left; vertical-align: top; }
th { background: #f2f2f2; }
td.num { text-align: right; font-variant-numeric: tabular-nums; }
.legend { font-size: 13px; }
.swatch { display: inline-block; width: 11px; height: 11px; margin: 0 3px 0 8px; vertical-align: -1px; }
.plots { display: flex; flex-wrap: wrap; gap: 12px; }
figure { margin: 6px 0; display: inline-block; }
figcaption { font-size: 13px; color: #555; text-align: center; }
details { margin: 10px 0; }
summary { cursor: pointer; font-weight: 600; }
img.thumb { width: 32px; height: 32px; image-rendering: pixelated; margin-right: 2px; }
td.thumbs { white-space: nowrap; }
)";

// Every section in page order: its anchor (the name --sections takes), its link text, its builder.
struct SectionKind {
  const char* id;
  const char* title;
  std::string (*build)(const std::vector<RunArtifacts>&);
};
const SectionKind kSections[] = {
    {"runs", "Runs", run_overview_section},
    {"results", "Results", results_table_section},
    {"seeds", "Seeds", seed_spread_section},
    {"budget", "Budget curve", budget_curve_section},  // empty unless a method has two budgets
    {"per-class", "Per-class accuracy", per_class_section},
    {"tsne", "t-SNE", tsne_section},
    {"curves", "Training curves", training_curves_section},
    {"indices", "Cluster indices", cluster_indices_section},
    {"refreshes", "Refreshes", refresh_section},
    {"diagnostics", "Diagnostics", diagnostics_section},
};

// "results,budget" -> {"results", "budget"}; empty: every section. An unknown name is an error.
std::vector<std::string> chosen_sections(const std::string& list) {
  std::vector<std::string> chosen;
  std::string known;
  for (const SectionKind& kind : kSections)
    known += (known.empty() ? "" : ", ") + std::string(kind.id);
  for (size_t at = 0; at <= list.size() && !list.empty();) {
    const size_t comma = std::min(list.find(',', at), list.size());
    const std::string name = list.substr(at, comma - at);
    const bool exists = std::any_of(std::begin(kSections), std::end(kSections),
                                    [&](const SectionKind& kind) { return name == kind.id; });
    KDUP_CHECK(exists, "--sections: unknown section '" << name << "' (known: " << known << ")");
    chosen.push_back(name);
    at = comma + 1;
  }
  return chosen;
}

}  // namespace

std::string build_report_html(const std::vector<std::string>& run_dirs,
                              const std::string& sections) {
  const std::vector<std::string> chosen = chosen_sections(sections);
  std::vector<RunArtifacts> runs;
  for (const std::string& dir : run_dirs) runs.push_back(load_run_artifacts(dir));
  std::string names, nav, body;
  for (const RunArtifacts& run : runs) names += (names.empty() ? "" : ", ") + run.name;
  for (const SectionKind& kind : kSections) {
    if (!chosen.empty() && std::find(chosen.begin(), chosen.end(), kind.id) == chosen.end())
      continue;
    const std::string html = kind.build(runs);
    if (html.empty()) continue;
    nav += std::string("<a href=\"#") + kind.id + "\">" + kind.title + "</a>";
    body += html;
  }
  return "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n<title>kdup "
         "report: " +
         html_escape(names) + "</title>\n<style>" + kStyle + "</style>\n</head>\n<body>\n" +
         "<h1>kdup report</h1>\n<p>" + html_escape(names) + "</p>\n<nav>" + nav + "</nav>\n" +
         body + "</body>\n</html>\n";
}

int report_command(const std::vector<std::string>& run_dirs, const std::string& out_path,
                   const std::string& sections) {
  KDUP_CHECK(!run_dirs.empty(), "report: expected at least one RUN_DIR");
  const std::string html = build_report_html(run_dirs, sections);
  const std::string path = out_path.empty() ? run_dirs.front() + "/report.html" : out_path;
  write_file_atomic(path, html);
  std::cerr << "kdup: wrote " << path << " (" << html.size() / 1024 << " KiB)\n";
  return 0;
}

}  // namespace kdup
