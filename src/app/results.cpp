#include "app/results.h"

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
  return {{"name", run.name},
          {"config", run.config},
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

std::string comparison_markdown(const std::vector<nlohmann::json>& results) {
  std::ostringstream md;
  md << "| Method | Protocol | Many | Medium | Few | STD | All | images fwd+bwd | training min |\n"
     << "|---|---|---|---|---|---|---|---|---|\n";
  for (const char* key : {"linear", "fewshot"})
    for (const auto& r : results) {
      const auto& p = r.at(key);
      if (!p.at("ran").get<bool>()) continue;
      md << "| " << r.at("name").get<std::string>() << " | "
         << protocol_name(std::string(key) == "linear" ? "linear probe" : "1% few-shot",
                          p.at("cached_features").get<bool>())
         << " | " << fixed(p.at("many")) << " | " << fixed(p.at("medium")) << " | "
         << fixed(p.at("few")) << " | " << fixed(p.at("std")) << " | " << fixed(p.at("all")) << " | "
         << r.at("images_processed").get<int64_t>() << " | "
         << fixed(r.at("train_seconds").get<double>() / 60, 1) << " |\n";
    }
  return md.str();
}

}  // namespace kdup
