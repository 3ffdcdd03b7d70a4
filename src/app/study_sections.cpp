#include "app/study_sections.h"

#include <algorithm>
#include <cmath>
#include <sstream>

#include "app/html_report_sections.h"
#include "app/html_text.h"
#include "app/results.h"
#include "app/svg_plots.h"

namespace kdup {

using nlohmann::json;

namespace {

struct Spread {
  double mean = 0, std = 0;  // std: sample standard deviation (ddof 1), 0 for one run
  size_t n = 0;
};

Spread spread_of(const std::vector<json>& runs, const char* probe, const char* column) {
  Spread s;
  std::vector<double> values;
  for (const json& r : runs) {
    const json* v = nullptr;
    if (probe == nullptr && r.contains(column)) v = &r.at(column);
    if (probe != nullptr && r.contains(probe) && r.at(probe).contains(column))
      v = &r.at(probe).at(column);
    if (v && v->is_number()) values.push_back(v->get<double>());
  }
  s.n = values.size();
  if (values.empty()) return s;
  for (double v : values) s.mean += v;
  s.mean /= static_cast<double>(s.n);
  if (s.n > 1) {
    double squares = 0;
    for (double v : values) squares += (v - s.mean) * (v - s.mean);
    s.std = std::sqrt(squares / static_cast<double>(s.n - 1));
  }
  return s;
}

std::string spread_cell(const Spread& s) {
  if (s.n == 0) return "<td class=\"num\">&ndash;</td>";
  return "<td class=\"num\">" + fixed_number(s.mean) +
         (s.n > 1 ? " &plusmn; " + fixed_number(s.std) : std::string()) + "</td>";
}

std::string group_cells(const json& d) {
  std::string cells;
  for (const char* g : {"all", "many", "medium", "few"})
    cells += "<td class=\"num\">" +
             (d.contains(g) ? fixed_number(d.at(g).get<double>()) : "&ndash;") + "</td>";
  return cells;
}

std::string shares(const json& s) {
  return fixed_number(s.at("many").get<double>()) + " / " +
         fixed_number(s.at("medium").get<double>()) + " / " +
         fixed_number(s.at("few").get<double>());
}

// One table row of a refresh's or stage 2's diagnostics.
std::string diagnostics_row(const std::string& when, const json& d) {
  std::ostringstream row;
  row << "<tr><td>" << html_escape(when) << "</td>";
  if (d.contains("cluster_purity")) {
    const json& c = d.at("cluster_purity");
    row << "<td class=\"num\">" << fixed_number(c.at("weighted_purity").get<double>())
        << "</td><td class=\"num\">" << c.at("medium_majorities").get<int64_t>() << " / "
        << c.at("few_majorities").get<int64_t>() << " of " << c.at("purity").size() << "</td>";
  } else {
    row << "<td>&ndash;</td><td>&ndash;</td>";
  }
  const char* lists = d.contains("positive_purity") ? "positive_purity" : "neighbour_purity";
  row << group_cells(d.at(lists)) << "<td class=\"num\">"
      << fixed_number(d.at(lists).value("chance", 0.0))
      << (d.at(lists).contains("chance_few")
              ? " (Few " + fixed_number(d.at(lists).at("chance_few").get<double>(), 3) + ")"
              : std::string())
      << "</td>";
  if (d.contains("ood_placement")) {
    row << "<td>" << shares(d.at("ood_placement").at("placed"));
    if (d.contains("random_ood_placement"))
      row << " (random " << shares(d.at("random_ood_placement").at("placed")) << ")";
    row << "<br>D_ID " << shares(d.at("ood_placement").at("id_share")) << "</td>";
  } else {
    row << "<td>&ndash;</td>";
  }
  row << (d.contains("negative_collisions") ? group_cells(d.at("negative_collisions"))
                                            : "<td colspan=\"4\">&ndash;</td>")
      << "</tr>\n";
  return row.str();
}

std::string diagnostics_panel(const RunArtifacts& run) {
  std::string rows;
  for (const json& record : run.log) {
    if (!record.contains("diagnostics")) continue;
    const bool stage2 = record.value("stage", "") == "stage2";
    rows += diagnostics_row(stage2 ? "stage 2 (K_kd lists)"
                                   : "refresh at epoch " + record.at("epoch").dump() + " (K_pos)",
                            record.at("diagnostics"));
  }
  if (rows.empty())
    return missing_note(
        "No diagnostics in log.jsonl: a baseline without refreshes or stage 2, "
        "or a run without true labels.");
  return "<table>\n<tr><th rowspan=\"2\">When</th><th rowspan=\"2\">Cluster purity</th>"
         "<th rowspan=\"2\">Medium / Few majorities</th><th colspan=\"5\">Neighbour purity</th>"
         "<th rowspan=\"2\">OOD images next to Many / Medium / Few</th>"
         "<th colspan=\"4\">Negatives of the anchor's class</th></tr>\n"
         "<tr><th>All</th><th>Many</th><th>Medium</th><th>Few</th><th>chance</th>"
         "<th>All</th><th>Many</th><th>Medium</th><th>Few</th></tr>\n" +
         rows + "</table>\n";
}

}  // namespace

std::string seed_spread_section(const std::vector<RunArtifacts>& runs) {
  std::vector<json> results;
  for (const RunArtifacts& run : runs)
    if (run.results) results.push_back(*run.results);
  std::ostringstream html;
  html << section_open("seeds", "Spread over seeds",
                       "Runs that share a label are one method run with different seeds "
                       "(run.seed): mean &plusmn; sample standard deviation (ddof 1) of the test "
                       "accuracy (%). Error bars: one standard deviation.");
  if (results.empty())
    return html.str() + missing_note("No run has results.json yet.") + "</section>\n";
  const auto groups = group_by_label(results);
  html << "<table>\n<tr><th>Method</th><th>Protocol</th><th>Seeds</th><th>Many</th><th>Medium</th>"
          "<th>Few</th><th>STD</th><th>All</th><th>k-NN</th></tr>\n";
  for (const char* probe : {"linear", "fewshot"})
    for (const auto& runs_of_label : groups) {
      if (!runs_of_label.front().at(probe).value("ran", false)) continue;
      html << "<tr><td>" << html_escape(runs_of_label.front().value("name", "")) << "</td><td>"
           << (std::string(probe) == "linear" ? "linear probe" : "1% few-shot") << "</td><td>"
           << runs_of_label.size() << "</td>";
      for (const char* column : {"many", "medium", "few", "std", "all"})
        html << spread_cell(spread_of(runs_of_label, probe, column));
      html << spread_cell(spread_of(runs_of_label, nullptr, "knn_accuracy")) << "</tr>\n";
    }
  html << "</table>\n<div class=\"plots\">\n";
  for (const char* column : {"all", "few", "std"}) {
    std::vector<Bar> bars;
    double top = 0;
    for (size_t i = 0; i < groups.size(); ++i) {
      const Spread s = spread_of(groups[i], "linear", column);
      if (s.n == 0) continue;
      const std::string name = groups[i].front().value("name", "");
      bars.push_back({s.mean, class_color(static_cast<int64_t>(i), 10), std::to_string(i + 1),
                      name + ": " + fixed_number(s.mean) + " ± " + fixed_number(s.std) + " over " +
                          std::to_string(s.n) + " seeds",
                      s.std});
      top = std::max(top, s.mean + s.std);
    }
    html << "<figure>"
         << svg_bar_chart(bars, top * 1.1, "method (numbered as in the table)",
                          std::string("linear ") + column, {300, 220})
         << "<figcaption>Linear probe " << column << "</figcaption></figure>\n";
  }
  return html.str() + "</div>\n</section>\n";
}

// "SimCLR (CPU scale), 2x budget" -> "SimCLR (CPU scale)"; a label without the suffix is itself.
std::string budget_family(const std::string& label) {
  const std::string suffix = "x budget";
  const size_t comma = label.rfind(", ");
  if (comma == std::string::npos || label.size() < suffix.size() ||
      label.compare(label.size() - suffix.size(), suffix.size(), suffix) != 0)
    return label;
  return label.substr(0, comma);
}

std::string budget_curve_section(const std::vector<RunArtifacts>& runs) {
  std::vector<json> results;
  for (const RunArtifacts& run : runs)
    if (run.results) results.push_back(*run.results);
  std::string html = section_open(
      "budget", "Budget curve",
      "Each method at several training budgets (labels that differ only by \", Nx budget\"): the "
      "mean over seeds of the linear probe's All, Few and STD against the images passed forward "
      "and backward through the trained network, in millions. Whiskers: one sample standard "
      "deviation over the seeds of a point (none for a point of one seed).");
  std::vector<std::string> families;
  std::vector<Series> all, few, std_dev;
  for (const auto& runs_of_label : group_by_label(results)) {
    const std::string family = budget_family(runs_of_label.front().value("name", ""));
    auto at = std::find(families.begin(), families.end(), family);
    const size_t index = static_cast<size_t>(at - families.begin());
    if (at == families.end()) {
      families.push_back(family);
      const std::string color = class_color(static_cast<int64_t>(index), 10);
      all.push_back({family, color, {}, {}, {}});
      few.push_back({family, color, {}, {}, {}});
      std_dev.push_back({family, color, {}, {}, {}});
    }
    const double images = spread_of(runs_of_label, nullptr, "images_processed").mean / 1e6;
    for (auto [series, column] : {std::pair{&all, "all"}, {&few, "few"}, {&std_dev, "std"}}) {
      const Spread spread = spread_of(runs_of_label, "linear", column);
      Series& s = (*series)[index];
      s.x.push_back(images), s.y.push_back(spread.mean), s.error.push_back(spread.std);
    }
  }
  const bool curve =
      std::any_of(all.begin(), all.end(), [](const Series& s) { return s.x.size() > 1; });
  if (!curve) return "";
  for (std::vector<Series>* charts : {&all, &few, &std_dev})
    for (Series& s : *charts) {  // points in order of the budget
      std::vector<size_t> order(s.x.size());
      for (size_t i = 0; i < order.size(); ++i) order[i] = i;
      std::sort(order.begin(), order.end(), [&](size_t a, size_t b) { return s.x[a] < s.x[b]; });
      Series sorted{s.name, s.color, {}, {}, {}};
      for (size_t i : order)
        sorted.x.push_back(s.x[i]), sorted.y.push_back(s.y[i]), sorted.error.push_back(s.error[i]);
      s = sorted;
    }
  html += "<div class=\"plots\">\n";
  const std::pair<const std::vector<Series>*, const char*> charts[] = {
      {&all, "All"}, {&few, "Few"}, {&std_dev, "STD"}};
  for (const auto& [series, name] : charts)
    html += "<figure>" +
            svg_line_chart(*series, "million images trained", std::string("linear ") + name,
                           {560, 260}) +
            "<figcaption>Linear probe " + name + "</figcaption></figure>\n";
  return html + "</div>\n</section>\n";
}

std::string diagnostics_section(const std::vector<RunArtifacts>& runs) {
  return section_open(
             "diagnostics", "Mechanism diagnostics",
             "How closely the structure the method builds without labels follows the true classes "
             "(labels read for this diagnosis only). Cluster purity: the size-weighted share of "
             "each cluster's majority class, and how many clusters have a Medium or Few majority. "
             "Neighbour purity: the share of an anchor's positives (K_pos in stage 1, K_kd in "
             "stage 2) that have its class, per group of the anchor, against the purity of "
             "random lists (the share of the anchor's class in D_ID: over all anchors, and for "
             "the Few anchors). OOD placement: the group of the nearest ID image of each sampled OOD "
             "image (and of as many pool images drawn at random), against each group's share of "
             "D_ID. Negatives: the share of stage 2's anchors whose drawn negative has the "
             "anchor's "
             "class.") +
         side_by_side(runs, diagnostics_panel) + "</section>\n";
}

}  // namespace kdup
