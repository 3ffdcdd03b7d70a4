// The sections of the HTML run report, each a <section> with a heading, a sentence on what it shows
// and one panel per run side by side. A part a run lacks is named in its panel instead.
#pragma once
#include <functional>
#include <string>
#include <vector>

#include "app/run_artifacts.h"

namespace kdup {

// One <div class="run"> per run holding panel(run); an exception while drawing a panel becomes a
// sentence in that panel, so one damaged file never takes the page down.
std::string side_by_side(const std::vector<RunArtifacts>& runs,
                         const std::function<std::string(const RunArtifacts&)>& panel);

// "<section id=ID><h2>TITLE</h2><p class="explain">EXPLANATION</p>" (the explanation is HTML).
std::string section_open(const std::string& id, const std::string& title,
                         const std::string& explanation);

// "<p class="missing">...</p>"
std::string missing_note(const std::string& sentence);

std::string run_overview_section(const std::vector<RunArtifacts>& runs);
std::string results_table_section(const std::vector<RunArtifacts>& runs);
std::string per_class_section(const std::vector<RunArtifacts>& runs);
std::string tsne_section(const std::vector<RunArtifacts>& runs);
std::string training_curves_section(const std::vector<RunArtifacts>& runs);
std::string cluster_indices_section(const std::vector<RunArtifacts>& runs);

}  // namespace kdup
