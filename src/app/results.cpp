#include "app/results.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <sstream>

namespace kdup {

namespace {

std::string fixed(double v, int digits = 2) {
  char buffer[64];
  std::snprintf(buffer, sizeof buffer, "%.*f", digits, v);
  return buffer;
}

nlohmann::json probe_json(const ProbeSummary& p) {
  return {{"ran", p.ran},
          {"cached_features", p.cached_features},
          {"best_epoch", p.best_epoch},
          {"val_accuracy", p.val_accuracy},
          {"many", p.groups.many},
          {"medium", p.groups.medium},
          {"few", p.groups.few},
          {"std", p.groups.std},
          {"all", p.groups.all},
          {"per_class", p.per_class}};
}

std::string protocol_name(const std::string& base, bool cached) {
  return cached ? base + " (cached features, no augmentation)" : base;
}

}  // namespace

nlohmann::json results_json(const RunSummary& run, const EvaluationResult& r) {
  nlohmann::json out = {{"name", run.name},
                        {"config", run.config},
                        {"seed", run.seed},
                        {"epochs", run.epochs},
                        {"images_processed", run.images_processed},
                        {"train_seconds", run.train_seconds},
                        {"linear", probe_json(r.linear)},
                        {"fewshot", probe_json(r.fewshot)},
                        {"knn_accuracy", r.knn_accuracy},
                        {"calinski_harabasz", r.calinski_harabasz},
                        {"davies_bouldin", r.davies_bouldin},
                        {"group_rule", group_rule_name(r.groups)},
                        {"train_class_counts", r.train_counts}};
  if (!run.diagnostics.is_null()) out["diagnostics"] = run.diagnostics;
  return out;
}

std::string results_markdown(const RunSummary& run, const EvaluationResult& r) {
  std::ostringstream md;
  md << "# " << run.name << "\n\n"
     << "Config `" << run.config << "`, " << run.epochs << " epochs, " << run.images_processed
     << " images forward+backward, " << fixed(run.train_seconds / 60, 1) << " min of training.\n\n"
     << "| Method | Protocol | Many | Medium | Few | STD | All |\n"
     << "|---|---|---|---|---|---|---|\n";
  auto row = [&](const ProbeSummary& p, const std::string& protocol) {
    if (!p.ran) return;
    md << "| " << run.name << " | " << protocol_name(protocol, p.cached_features) << " | "
       << fixed(p.groups.many) << " | " << fixed(p.groups.medium) << " | " << fixed(p.groups.few)
       << " | " << fixed(p.groups.std) << " | " << fixed(p.groups.all) << " |\n";
  };
  row(r.linear, "linear probe");
  row(r.fewshot, "1% few-shot");
  md << "\nGroups by the class counts of the long-tailed training set ("
     << (r.groups == GroupRule::thresholds ? "Many > 100 images, Medium 20-100, Few < 20"
                                           : "Few = the rarest third")
     << "). "
     << "STD: population standard deviation of the three group accuracies.\n\n"
     << "Weighted k-NN accuracy (test vs. training features): " << fixed(r.knn_accuracy) << "  \n"
     << "Test features: Calinski-Harabasz " << fixed(r.calinski_harabasz, 1) << ", Davies-Bouldin "
     << fixed(r.davies_bouldin, 3) << "\n";
  const ProbeSummary& detail = r.linear.ran ? r.linear : r.fewshot;
  if (detail.ran) {
    md << "\n| Class | Training images | Test accuracy (" << (r.linear.ran ? "linear" : "few-shot")
       << ") |\n|---|---|---|\n";
    for (size_t c = 0; c < detail.per_class.size(); ++c)
      md << "| " << c << " | " << r.train_counts[c] << " | " << fixed(detail.per_class[c]) << " |\n";
  }
  return md.str();
}

namespace {

// "mean ± s" with s the sample standard deviation (ddof 1) over the runs; one run: its value.
std::string mean_and_spread(const std::vector<double>& values, int digits = 2) {
  double mean = 0;
  for (double v : values) mean += v;
  mean /= static_cast<double>(values.size());
  if (values.size() < 2) return fixed(mean, digits);
  double squares = 0;
  for (double v : values) squares += (v - mean) * (v - mean);
  return fixed(mean, digits) + " ± " +
         fixed(std::sqrt(squares / static_cast<double>(values.size() - 1)), digits);
}

// Training seconds per image forward+backward, the measure of the time column.
double seconds_per_image(const nlohmann::json& r) {
  const double images = static_cast<double>(r.at("images_processed").get<int64_t>());
  return r.at("train_seconds").get<double>() / std::max(images, 1.0);
}

}  // namespace

std::vector<std::vector<nlohmann::json>> group_by_label(
    const std::vector<nlohmann::json>& results) {
  std::vector<std::vector<nlohmann::json>> groups;
  for (const auto& r : results) {
    auto same = std::find_if(groups.begin(), groups.end(),
                             [&](const auto& g) { return g.front().at("name") == r.at("name"); });
    if (same == groups.end())
      groups.push_back({r});
    else
      same->push_back(r);
  }
  return groups;
}

std::string comparison_markdown(const std::vector<nlohmann::json>& results) {
  const auto groups = group_by_label(results);
  std::ostringstream md;
  md << "| Method | Protocol | seeds | Many | Medium | Few | STD | All | val | k-NN "
     << "| images fwd+bwd | training min | time/image vs first row |\n"
     << "|---|---|---|---|---|---|---|---|---|---|---|---|---|\n";
  auto mean_of = [](const std::vector<nlohmann::json>& runs, auto value) {
    double sum = 0;
    for (const auto& r : runs) sum += value(r);
    return sum / static_cast<double>(runs.size());
  };
  const double reference_time = mean_of(groups.front(), seconds_per_image);
  for (const char* key : {"linear", "fewshot"})
    for (const auto& runs : groups) {
      if (!runs.front().at(key).at("ran").get<bool>()) continue;
      auto column = [&](auto value) {
        std::vector<double> values;
        for (const auto& r : runs) values.push_back(value(r));
        return mean_and_spread(values);
      };
      auto probe = [&](const char* field) {
        return column([&](const nlohmann::json& r) { return r.at(key).at(field).get<double>(); });
      };
      std::string seeds;
      for (const auto& r : runs)
        seeds += (seeds.empty() ? "" : ",") +
                 (r.contains("seed") ? std::to_string(r.at("seed").get<int64_t>()) : "?");
      md << "| " << runs.front().at("name").get<std::string>() << " | "
         << protocol_name(std::string(key) == "linear" ? "linear probe" : "1% few-shot",
                          runs.front().at(key).at("cached_features").get<bool>())
         << " | " << seeds << " | " << probe("many") << " | " << probe("medium") << " | "
         << probe("few") << " | " << probe("std") << " | " << probe("all") << " | "
         << probe("val_accuracy") << " | "
         << column([](const nlohmann::json& r) { return r.at("knn_accuracy").get<double>(); })
         << " | "
         << fixed(mean_of(runs,
                          [](const nlohmann::json& r) {
                            return static_cast<double>(r.at("images_processed").get<int64_t>());
                          }),
                  0)
         << " | "
         << column([](const nlohmann::json& r) { return r.at("train_seconds").get<double>() / 60; })
         << " | " << fixed(mean_of(runs, seconds_per_image) / reference_time) << "x |\n";
    }
  md << "\nmean ± sample standard deviation (ddof 1) over the seeds; val: the probe's accuracy "
        "on the validation split at the epoch it chose.\n";
  return md.str();
}

}  // namespace kdup
