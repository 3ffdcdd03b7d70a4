#include "app/refresh_section.h"

#include <filesystem>
#include <map>
#include <sstream>

#include "app/html_report_sections.h"
#include "app/html_text.h"
#include "app/png_encode.h"
#include "app/svg_plots.h"
#include "data/npy.h"
#include "data/ood_pool.h"
#include "tensor/error.h"

namespace kdup {

namespace fs = std::filesystem;
using nlohmann::json;

namespace {

std::vector<double> numbers(const json& record, const std::string& key) {
  return record.contains(key) ? record[key].get<std::vector<double>>() : std::vector<double>{};
}

// The OOD pool named by config.json's ood.pool_file (with ood.pool_root and data.image_size for an
// image list), or why there is none.
struct PoolFile {
  std::string path, root;
  int64_t image_size = 0;
  std::string problem;  // non-empty: no thumbnails, this sentence instead
};

PoolFile find_pool(const RunArtifacts& run) {
  std::optional<json> key = run.config ? json_at(*run.config, "ood.pool_file") : std::nullopt;
  if (!key || !key->is_string() || key->get<std::string>().empty())
    return {"", "", 0, "No OOD thumbnails: config.json has no ood.pool_file."};
  const std::string path = key->get<std::string>();
  std::error_code ec;
  if (!fs::is_regular_file(path, ec))
    return {
        "", "", 0,
        "No OOD thumbnails: the pool file " + path + " (config.json ood.pool_file) was not found."};
  const std::optional<json> root = json_at(*run.config, "ood.pool_root");
  const std::optional<json> size = json_at(*run.config, "data.image_size");
  return {path, root && root->is_string() ? root->get<std::string>() : "",
          size && size->is_number_integer() ? size->get<int64_t>() : 224, ""};
}

std::vector<int64_t> read_indices(const RunArtifacts& run, const json& record, const char* key) {
  KDUP_CHECK(record.contains(key) && record[key].is_string(), "the refresh record has no " << key);
  return read_npy((fs::path(run.dir) / record[key].get<std::string>()).string(), DType::i64, {-1})
      .to_vector<int64_t>();
}

// Cluster -> <img> tags of up to kThumbnailsPerCluster of the OOD images sampled for it.
std::map<int64_t, std::string> thumbnails(const RunArtifacts& run, const json& record,
                                          const PoolFile& pool) {
  const std::vector<int64_t> ids = read_indices(run, record, "ood_file");
  const std::vector<int64_t> clusters = read_indices(run, record, "ood_clusters_file");
  KDUP_CHECK(ids.size() == clusters.size(), "ood_file has " << ids.size()
                                                            << " indices but ood_clusters_file "
                                                            << clusters.size());
  std::map<int64_t, int> shown;
  std::vector<int64_t> rows, row_cluster;
  for (size_t i = 0; i < ids.size(); ++i)
    if (shown[clusters[i]]++ < kThumbnailsPerCluster) {
      rows.push_back(ids[i]);
      row_cluster.push_back(clusters[i]);
    }
  const Tensor images = read_ood_pool_rows(pool.path, pool.root, pool.image_size, rows);
  KDUP_CHECK(images.dtype() == DType::u8 && images.dim() == 4 && images.shape()[3] == 3,
             pool.path << ": expected uint8 images [N, H, W, 3], found "
                       << dtype_name(images.dtype()) << " " << shape_str(images.shape()));
  const int height = static_cast<int>(images.shape()[1]), width = static_cast<int>(images.shape()[2]);
  const uint8_t* pixels = static_cast<const uint8_t*>(images.raw_data());
  std::map<int64_t, std::string> tags;
  for (size_t r = 0; r < rows.size(); ++r)
    tags[row_cluster[r]] += "<img class=\"thumb\" alt=\"pool image " + std::to_string(rows[r]) +
                            "\" title=\"pool image " + std::to_string(rows[r]) + "\" src=\"" +
                            png_data_uri(pixels + r * height * width * 3, width, height, 3) + "\">";
  return tags;
}

std::string refresh_plots(const json& record) {
  const std::vector<double> sizes = numbers(record, "cluster_sizes");
  const std::vector<double> tailness = numbers(record, "cluster_tailness");
  const std::vector<double> budgets = numbers(record, "budgets");
  const std::vector<double> majority = numbers(record, "majority_class_sizes");
  const PlotSize size{320, 200};
  const bool labelled = sizes.size() <= 20;
  auto bars_of = [&](const std::vector<double>& v, const std::string& what) {
    std::vector<Bar> bars;
    double top = 0;
    for (size_t k = 0; k < v.size(); ++k) {
      bars.push_back({v[k], "#3b6fb6", labelled ? std::to_string(k) : "",
                      "cluster " + std::to_string(k) + ": " + fixed_number(v[k], 0) + " " + what});
      top = std::max(top, v[k]);
    }
    return svg_bar_chart(bars, top * 1.05, "cluster", what, size);
  };
  std::string html = "<div class=\"plots\">\n<figure>" + bars_of(sizes, "images") +
                     "<figcaption>Cluster sizes</figcaption></figure>\n";
  if (!majority.empty() && majority.size() == tailness.size()) {
    std::vector<ScatterPoint> dots;
    for (size_t k = 0; k < tailness.size(); ++k)
      dots.push_back({majority[k], tailness[k], "#c8453b",
                      "cluster " + std::to_string(k) + ": majority class " +
                          fixed_number(majority[k], 0) + " images, tailness " +
                          fixed_number(tailness[k], 3)});
    html += "<figure>" + svg_scatter(dots, "true majority-class size", "tailness", true, 4, size) +
            "<figcaption>Tailness against the true majority-class size</figcaption></figure>\n";
  }
  html += "<figure>" + bars_of(budgets, "OOD images") +
          "<figcaption>OOD budgets</figcaption></figure>\n</div>\n";
  return html;
}

std::string refresh_table(const json& record, const std::map<int64_t, std::string>& thumbs,
                          bool with_thumbs) {
  const std::vector<double> sizes = numbers(record, "cluster_sizes");
  const std::vector<double> tailness = numbers(record, "cluster_tailness");
  const std::vector<double> budgets = numbers(record, "budgets");
  const std::vector<double> majority = numbers(record, "majority_class_sizes");
  std::ostringstream html;
  html << "<table>\n<tr><th>Cluster</th><th>Size</th><th>Tailness</th>"
       << (majority.empty() ? "" : "<th>Majority-class size</th>") << "<th>OOD budget</th>"
       << (with_thumbs ? "<th>Sampled OOD images</th>" : "") << "</tr>\n";
  for (size_t k = 0; k < sizes.size(); ++k) {
    auto cell = [&](const std::vector<double>& v, int digits) {
      return "<td class=\"num\">" + (k < v.size() ? fixed_number(v[k], digits) : "&ndash;") + "</td>";
    };
    html << "<tr><td>" << k << "</td>" << cell(sizes, 0) << cell(tailness, 3)
         << (majority.empty() ? "" : cell(majority, 0)) << cell(budgets, 0);
    if (with_thumbs) {
      auto it = thumbs.find(static_cast<int64_t>(k));
      html << "<td class=\"thumbs\">" << (it == thumbs.end() ? "none sampled" : it->second) << "</td>";
    }
    html << "</tr>\n";
  }
  html << "</table>\n";
  return html.str();
}

std::string one_refresh(const RunArtifacts& run, const json& record, const PoolFile& pool,
                        bool latest, bool thumbnails_wanted) {
  std::ostringstream html;
  const size_t clusters = record.contains("cluster_sizes") ? record["cluster_sizes"].size() : 0;
  html << "<details" << (latest ? " open" : "") << ">\n<summary>Refresh at epoch "
       << record.value("epoch", json()).dump() << ": " << clusters << " clusters";
  if (record.contains("spearman") && record["spearman"].is_number())
    html << ", Spearman &rho; " << fixed_number(record["spearman"].get<double>(), 3);
  if (record.value("tailness_high_means", "tail") == "head")
    html << " (COLT's score: high means head-like)";
  html << "</summary>\n" << refresh_plots(record);
  std::map<int64_t, std::string> thumbs;
  std::string thumb_note;
  bool with_thumbs = false;
  if (!thumbnails_wanted) {
    thumb_note = "Thumbnails are shown for the latest " + std::to_string(kRefreshesWithThumbnails) +
                 " refreshes only.";
  } else if (!record.contains("ood_file")) {
    thumb_note = "This refresh record names no ood_file: no sampled OOD images to show.";
  } else if (!pool.problem.empty()) {
    thumb_note = pool.problem;
  } else {
    try {
      thumbs = thumbnails(run, record, pool);
      with_thumbs = true;
    } catch (const std::exception& e) {
      thumb_note = std::string("No OOD thumbnails: ") + e.what();
    }
  }
  if (!thumb_note.empty()) html << "<p class=\"note\">" << html_escape(thumb_note) << "</p>\n";
  html << refresh_table(record, thumbs, with_thumbs) << "</details>\n";
  return html.str();
}

std::string refresh_panel(const RunArtifacts& run) {
  if (!run.log_problem.empty()) return missing_note(run.log_problem);
  std::vector<const json*> refreshes;
  for (const json& r : run.log)
    if (r.value("refresh", false)) refreshes.push_back(&r);
  if (refreshes.empty())
    return missing_note("No refresh records in log.jsonl: a baseline run, or a method run stopped "
                        "before its first refresh.");
  const PoolFile pool = find_pool(run);
  std::string html;
  std::vector<double> epochs, spearman;
  for (const json* r : refreshes)
    if (r->contains("spearman") && (*r)["spearman"].is_number() && (*r)["epoch"].is_number()) {
      epochs.push_back((*r)["epoch"].get<double>());
      spearman.push_back((*r)["spearman"].get<double>());
    }
  if (epochs.size() > 1)
    html += "<figure>" +
            svg_line_chart({{"Spearman", "#2e9a5b", epochs, spearman, {}}}, "epoch", "Spearman rho",
                           {420, 200}) +
            "<figcaption>Spearman value per refresh</figcaption></figure>\n";
  for (size_t i = 0; i < refreshes.size(); ++i)
    html += one_refresh(run, *refreshes[i], pool, i + 1 == refreshes.size(),
                        refreshes.size() - i <= static_cast<size_t>(kRefreshesWithThumbnails));
  return html;
}

}  // namespace

std::string refresh_section(const std::vector<RunArtifacts>& runs) {
  return "<section id=\"refreshes\">\n<h2>Refreshes</h2>\n<p class=\"explain\">At each refresh "
         "the method clusters the training features, scores each cluster's tailness and gives "
         "tail clusters a larger budget of OOD images. Tailness is set against the size of each "
         "cluster's true majority class; the Spearman value is as logged. KDUP's tailness is high "
         "for tail clusters, so a negative value ranks the tail; COLT's score is high for head "
         "clusters, so there a positive value does. Hover a point or a bar for its numbers.</p>\n" +
         side_by_side(runs, refresh_panel) + "</section>\n";
}

}  // namespace kdup
