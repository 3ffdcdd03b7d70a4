#include "app/html_report_sections.h"

#include <algorithm>
#include <map>
#include <numeric>
#include <sstream>

#include "app/html_text.h"
#include "app/svg_plots.h"
#include "eval/metrics.h"
#include "tensor/error.h"

namespace kdup {

using nlohmann::json;

std::string section_open(const std::string& id, const std::string& title,
                         const std::string& explanation) {
  return "<section id=\"" + id + "\">\n<h2>" + html_escape(title) + "</h2>\n<p class=\"explain\">" +
         explanation + "</p>\n";
}

namespace {

std::string number_cell(const json& v, int digits) {
  return v.is_number() ? fixed_number(v.get<double>(), digits) : "&ndash;";
}

std::string protocol_name(const std::string& key, const json& probe) {
  std::string name = key == "linear" ? "linear probe" : "1% few-shot";
  if (probe.value("cached_features", false)) name += " (cached features, no augmentation)";
  return name;
}

// The probe whose per-class accuracies the page shows: the linear probe, else the few-shot one.
const json* shown_probe(const json& results, std::string& which) {
  for (const char* key : {"linear", "fewshot"})
    if (results.contains(key) && results[key].value("ran", false)) {
      which = key;
      return &results[key];
    }
  return nullptr;
}

std::string group_legend() {
  std::string html = "<p class=\"legend\">";
  for (int g = 0; g < 3; ++g)
    html += "<span class=\"swatch\" style=\"background:" + group_color(g) + "\"></span>" +
            group_name(g) + " ";
  return html + "</p>\n";
}

std::string per_class_panel(const RunArtifacts& run) {
  if (!run.results) return missing_note(run.results_problem);
  std::string which;
  const json* probe = shown_probe(*run.results, which);
  if (!probe) return missing_note("results.json holds no probe result (neither probe ran)");
  const std::vector<double> accuracy = probe->at("per_class").get<std::vector<double>>();
  const std::vector<int64_t> counts = run.results->at("train_class_counts").get<std::vector<int64_t>>();
  KDUP_CHECK(accuracy.size() == counts.size(),
             "results.json: " << accuracy.size() << " per-class accuracies but " << counts.size()
                              << " class counts");
  const GroupAccuracy groups = group_accuracy(
      accuracy, counts, group_rule_named(run.results->value("group_rule", "thirds")));
  std::vector<size_t> order(counts.size());
  std::iota(order.begin(), order.end(), 0);
  std::stable_sort(order.begin(), order.end(), [&](size_t a, size_t b) { return counts[a] > counts[b]; });
  std::vector<Bar> bars;
  for (size_t c : order) {
    const int g = groups.group_of_class[c];
    bars.push_back({accuracy[c], group_color(g), counts.size() <= 20 ? std::to_string(c) : "",
                    "class " + std::to_string(c) + " (" + group_name(g) + "): " +
                        std::to_string(counts[c]) + " training images, " +
                        fixed_number(accuracy[c], 1) + "% test accuracy"});
  }
  return "<p>" + std::string(which == "linear" ? "Linear probe" : "1% few-shot probe (no linear probe ran)") +
         ", classes from the most to the least frequent in training.</p>\n" +
         svg_bar_chart(bars, 100, "class (by training count)", "test accuracy %") + "\n" +
         group_legend();
}

std::string tsne_panel(const RunArtifacts& run) {
  if (!run.tsne) return missing_note(run.tsne_problem);
  const json& points = run.tsne->at("points");
  const std::vector<int64_t> labels = run.tsne->at("labels").get<std::vector<int64_t>>();
  KDUP_CHECK(points.size() == labels.size(), "tsne.json: " << points.size() << " points but "
                                                           << labels.size() << " labels");
  const int64_t num_classes =
      labels.empty() ? 0 : *std::max_element(labels.begin(), labels.end()) + 1;
  std::vector<ScatterPoint> dots;
  for (size_t i = 0; i < labels.size(); ++i)
    dots.push_back({points[i].at(0).get<double>(), points[i].at(1).get<double>(),
                    class_color(labels[i], num_classes), ""});
  std::string html = "<p>" + std::to_string(dots.size()) + " test images, " +
                     std::to_string(num_classes) + " classes.</p>\n" +
                     svg_scatter(dots, "", "", false, 2.2, {420, 420}) + "\n";
  if (num_classes <= 20) {
    html += "<p class=\"legend\">";
    for (int64_t c = 0; c < num_classes; ++c)
      html += "<span class=\"swatch\" style=\"background:" + class_color(c, num_classes) +
              "\"></span>" + std::to_string(c) + " ";
    html += "</p>\n";
  }
  return html;
}

// One series per training stage ("pretrain", "stage1", "stage2"; unnamed when the log has none)
// of the records carrying both "epoch" and `field`.
std::vector<Series> stage_series(const std::vector<json>& log, const std::string& field) {
  static const char* kStageColors[] = {"#3b6fb6", "#c8453b", "#2e9a5b", "#8b5cb8", "#e8a33d"};
  std::vector<Series> series;
  std::map<std::string, size_t> index;
  for (const json& r : log) {
    if (!r.contains("epoch") || !r.contains(field) || !r["epoch"].is_number() ||
        !r[field].is_number() || r.value("refresh", false))
      continue;
    const std::string stage = r.contains("stage") && r["stage"].is_string()
                                  ? r["stage"].get<std::string>()
                                  : "training";
    auto [it, added] = index.emplace(stage, series.size());
    if (added) series.push_back({stage, kStageColors[series.size() % 5], {}, {}, {}});
    series[it->second].x.push_back(r["epoch"].get<double>());
    series[it->second].y.push_back(r[field].get<double>());
  }
  return series;
}

std::string curves_panel(const RunArtifacts& run) {
  if (!run.log_problem.empty()) return missing_note(run.log_problem);
  const std::vector<Series> loss = stage_series(run.log, "loss");
  const std::vector<Series> knn = stage_series(run.log, "knn_accuracy");
  const PlotSize size{420, 220};
  std::string html;
  if (loss.empty()) html += missing_note("log.jsonl has no epoch record with a loss yet");
  else html += "<h4>Loss</h4>\n" + svg_line_chart(loss, "epoch", "loss", size) + "\n";
  if (knn.empty())
    html += "<p class=\"note\">No k-NN accuracy in log.jsonl (run.knn_every = 0, or no epoch "
            "reached it).</p>\n";
  else html += "<h4>k-NN accuracy</h4>\n" + svg_line_chart(knn, "epoch", "k-NN accuracy %", size) + "\n";
  return html;
}

}  // namespace

std::string missing_note(const std::string& sentence) {
  return "<p class=\"missing\">" + html_escape(sentence) + "</p>\n";
}

std::string side_by_side(const std::vector<RunArtifacts>& runs,
                         const std::function<std::string(const RunArtifacts&)>& panel) {
  std::string html = "<div class=\"runs\">\n";
  for (const RunArtifacts& run : runs) {
    html += "<div class=\"run\">\n<h3>" + html_escape(run.name) + "</h3>\n";
    try {
      html += panel(run);
    } catch (const std::exception& e) {
      html += missing_note(std::string("could not be drawn: ") + e.what());
    }
    html += "</div>\n";
  }
  return html + "</div>\n";
}

std::string run_overview_section(const std::vector<RunArtifacts>& runs) {
  std::ostringstream html;
  html << section_open("runs", "Runs", "The run directories of this report and what each lacks.")
       << "<table>\n<tr><th>Run</th><th>Directory</th><th>Epochs</th><th>Images fwd+bwd</th>"
          "<th>Training time</th><th>Missing or damaged</th></tr>\n";
  for (const RunArtifacts& run : runs) {
    html << "<tr><td>" << html_escape(run.name) << "</td><td><code>" << html_escape(run.dir)
         << "</code></td>";
    if (run.results)
      html << "<td>" << run.results->value("epochs", 0) << "</td><td>"
           << run.results->value("images_processed", 0) << "</td><td>"
           << fixed_number(run.results->value("train_seconds", 0.0) / 60, 1) << " min</td>";
    else html << "<td>&ndash;</td><td>&ndash;</td><td>&ndash;</td>";
    html << "<td>";
    if (run.problems.empty()) html << "nothing";
    for (const std::string& p : run.problems) html << "<div class=\"missing\">" << html_escape(p) << "</div>";
    html << "</td></tr>\n";
  }
  html << "</table>\n</section>\n";
  return html.str();
}

std::string results_table_section(const std::vector<RunArtifacts>& runs) {
  std::ostringstream html;
  html << section_open("results", "Results",
                       "Test accuracy (%) in the paper's format: classes grouped by their count in "
                       "the long-tailed training set (Few = the rarest third); STD is the population "
                       "standard deviation of the three group accuracies; All the mean per-class "
                       "accuracy.")
       << "<table>\n<tr><th>Method</th><th>Protocol</th><th>Many</th><th>Medium</th><th>Few</th>"
          "<th>STD</th><th>All</th></tr>\n";
  std::string notes;
  for (const char* key : {"linear", "fewshot"})
    for (const RunArtifacts& run : runs) {
      if (!run.results || !run.results->contains(key)) continue;
      const json& p = run.results->at(key);
      if (!p.value("ran", false)) continue;
      html << "<tr><td>" << html_escape(run.name) << "</td><td>" << protocol_name(key, p) << "</td>";
      for (const char* column : {"many", "medium", "few", "std", "all"})
        html << "<td class=\"num\">" << number_cell(p.value(column, json()), 2) << "</td>";
      html << "</tr>\n";
    }
  for (const RunArtifacts& run : runs)
    if (!run.results) notes += missing_note(run.name + ": " + run.results_problem);
  html << "</table>\n" << notes << "</section>\n";
  return html.str();
}

std::string per_class_section(const std::vector<RunArtifacts>& runs) {
  return section_open("per-class", "Per-class accuracy",
                      "Test accuracy of each class, bars shaded by the class's Many / Medium / Few "
                      "group. Hover a bar for its class, training count and accuracy.") +
         side_by_side(runs, per_class_panel) + "</section>\n";
}

std::string tsne_section(const std::vector<RunArtifacts>& runs) {
  return section_open("tsne", "t-SNE of the test features",
                      "A 2-D t-SNE map of the encoder's features of evenly spaced test images, "
                      "coloured by class (tsne.json). Distances between far-apart groups carry "
                      "little meaning.") +
         side_by_side(runs, tsne_panel) + "</section>\n";
}

std::string training_curves_section(const std::vector<RunArtifacts>& runs) {
  return section_open("curves", "Training curves",
                      "Mean contrastive loss and weighted k-NN test accuracy per epoch (log.jsonl), "
                      "one curve per training stage.") +
         side_by_side(runs, curves_panel) + "</section>\n";
}

std::string cluster_indices_section(const std::vector<RunArtifacts>& runs) {
  std::ostringstream html;
  html << section_open("indices", "Cluster indices of the test features",
                       "Under the true labels: Calinski&ndash;Harabasz (higher = better separated) "
                       "and Davies&ndash;Bouldin (lower = better separated); with the weighted k-NN "
                       "accuracy (%) against the long-tailed training features.")
       << "<table>\n<tr><th>Run</th><th>Calinski&ndash;Harabasz</th><th>Davies&ndash;Bouldin</th>"
          "<th>k-NN accuracy</th></tr>\n";
  std::string notes;
  for (const RunArtifacts& run : runs) {
    if (!run.results) {
      notes += missing_note(run.name + ": " + run.results_problem);
      continue;
    }
    html << "<tr><td>" << html_escape(run.name) << "</td><td class=\"num\">"
         << number_cell(run.results->value("calinski_harabasz", json()), 1)
         << "</td><td class=\"num\">" << number_cell(run.results->value("davies_bouldin", json()), 3)
         << "</td><td class=\"num\">" << number_cell(run.results->value("knn_accuracy", json()), 2)
         << "</td></tr>\n";
  }
  html << "</table>\n" << notes << "</section>\n";
  return html.str();
}

}  // namespace kdup
