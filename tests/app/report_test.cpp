// kdup report on hand-written run directories: a finished method run (results, t-SNE map, staged
// training log, refreshes with sampled OOD images from a tiny pool), an interrupted run, and a
// directory that does not exist.
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>

#include "app/base64.h"
#include "app/commands.h"
#include "app/report.h"
#include "data/npy.h"
#include "test_util.h"

namespace kdup {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

void write_text(const fs::path& path, const std::string& text) {
  fs::create_directories(path.parent_path());
  std::ofstream(path) << text;
}

std::string read_text(const fs::path& path) {
  std::ifstream in(path);
  return std::string((std::istreambuf_iterator<char>(in)), {});
}

json probe(double all, std::vector<double> per_class) {
  return {{"ran", true}, {"cached_features", true}, {"best_epoch", 3}, {"val_accuracy", all},
          {"many", all + 10}, {"medium", all}, {"few", all - 10}, {"std", 8.16}, {"all", all},
          {"per_class", per_class}};
}

// A finished method run with 6 classes, 3 clusters, two refreshes and a 12-image pool.
fs::path write_finished_run(const fs::path& root) {
  const fs::path run = root / "method";
  fs::remove_all(run);
  const fs::path pool = root / "pool.npy";
  fs::create_directories(run / "refresh");
  Tensor images = (Tensor::rand({12, 32, 32, 3}, 5, DType::f64) * 255.0).to(DType::u8);
  write_npy(pool.string(), images);

  write_text(run / "config.json",
             json{{"run", {{"label", "Method <k>"}}}, {"ood", {{"pool_file", pool.string()}}}}.dump());
  json results = {{"name", "Method <k>"},
                  {"config", "method.json"},
                  {"epochs", 4},
                  {"images_processed", 4000},
                  {"train_seconds", 90.0},
                  {"linear", probe(61.5, {80, 75, 60, 55, 50, 40})},
                  {"fewshot", probe(40.25, {60, 50, 40, 35, 30, 20})},
                  {"knn_accuracy", 52.0},
                  {"calinski_harabasz", 123.4},
                  {"davies_bouldin", 2.345},
                  {"train_class_counts", {500, 300, 150, 80, 40, 20}}};
  write_text(run / "results.json", results.dump(2));

  json points = json::array(), labels = json::array();
  for (int i = 0; i < 60; ++i) {
    points.push_back({(i % 6) * 10.0 + i * 0.1, (i % 6) * -5.0 + i * 0.05});
    labels.push_back(i % 6);
  }
  write_text(run / "tsne.json", json{{"points", points}, {"labels", labels}}.dump());

  write_npy((run / "refresh" / "ood_epoch2.npy").string(),
            Tensor::from_vector<int64_t>({0, 3, 5, 7, 11, 2}, {6}));
  write_npy((run / "refresh" / "ood_clusters_epoch2.npy").string(),
            Tensor::from_vector<int64_t>({0, 0, 1, 1, 2, 2}, {6}));
  std::string log;
  for (int e = 1; e <= 2; ++e)
    log += json{{"epoch", e}, {"loss", 5.0 - e}, {"stage", "stage1"}, {"knn_accuracy", 30.0 + e}}.dump() + "\n";
  for (int e = 3; e <= 4; ++e)
    log += json{{"epoch", e}, {"loss", 4.5 - e * 0.5}, {"stage", "stage2"}}.dump() + "\n";
  json refresh = {{"refresh", true}, {"epoch", 2}, {"cluster_sizes", {50, 30, 20}},
                  {"cluster_tailness", {0.1, 0.4, 0.9}}, {"budgets", {10, 40, 90}},
                  {"majority_class_sizes", {500, 150, 20}}, {"spearman", -1.0},
                  {"ood_file", "refresh/ood_epoch2.npy"},
                  {"ood_clusters_file", "refresh/ood_clusters_epoch2.npy"}};
  const json groups = {{"all", 0.5}, {"many", 0.75}, {"medium", 0.25}, {"few", 0.125}};
  json shares = {{"many", 0.8}, {"medium", 0.15}, {"few", 0.05}};
  refresh["diagnostics"] = {
      {"cluster_purity",
       {{"weighted_purity", 0.625},
        {"medium_majorities", 1},
        {"few_majorities", 0},
        {"majority_class", {0, 2, 0}},
        {"purity", {0.7, 0.5, 0.6}}}},
      {"positive_purity",
       {{"all", 0.5}, {"many", 0.75}, {"medium", 0.25}, {"few", 0.125}, {"chance", 0.3}}},
      {"ood_placement", {{"placed", shares}, {"id_share", shares}}}};
  log += refresh.dump() + "\n";
  refresh["epoch"] = 3;
  refresh["spearman"] = -0.5;
  refresh.erase("ood_file");
  log += refresh.dump() + "\n";
  json stage2 = {{"epoch", 4}, {"loss", 2.0}, {"stage", "stage2"}};
  stage2["diagnostics"] = {{"neighbour_purity", groups},
                           {"cluster_purity", refresh["diagnostics"]["cluster_purity"]},
                           {"negative_collisions", groups}};
  log += stage2.dump() + "\n";
  write_text(run / "log.jsonl", log);
  return run;
}

// A run killed during its second epoch: config and a log whose last line was cut short.
fs::path write_interrupted_run(const fs::path& root) {
  const fs::path run = root / "interrupted";
  fs::remove_all(run);
  write_text(run / "config.json", json{{"run", {{"label", "Killed"}}}}.dump());
  write_text(run / "log.jsonl", json{{"epoch", 1}, {"loss", 4.0}}.dump() + "\n{\"epoch\": 2, \"lo");
  return run;
}

// Every http(s):// or protocol-relative src outside data: URIs, and every <script.
void expect_self_contained(const std::string& html) {
  std::string outside_data_uris;
  for (size_t i = 0; i < html.size();) {
    const size_t start = html.find("data:", i);
    outside_data_uris += html.substr(i, start == std::string::npos ? std::string::npos : start - i);
    if (start == std::string::npos) break;
    i = html.find('"', start);
    if (i == std::string::npos) break;
  }
  for (const char* banned : {"http://", "https://", "src=\"//", "<script"})
    EXPECT_EQ(outside_data_uris.find(banned), std::string::npos) << banned;
}

TEST(ReportBase64, EncodesWithPadding) {
  EXPECT_EQ(base64_encode(""), "");
  EXPECT_EQ(base64_encode("f"), "Zg==");
  EXPECT_EQ(base64_encode("fo"), "Zm8=");
  EXPECT_EQ(base64_encode("foo"), "Zm9v");
  EXPECT_EQ(base64_encode("foobar"), "Zm9vYmFy");
  EXPECT_EQ(base64_encode(std::string("\xff\x00\x10", 3)), "/wAQ");
}

TEST(ReportNpyRows, ReadsChosenRowsInOrder) {
  const fs::path path = fs::path(::testing::TempDir()) / "kdup_report_rows.npy";
  write_npy(path.string(), Tensor::from_vector<int64_t>({0, 1, 10, 11, 20, 21, 30, 31}, {4, 2}));
  Tensor rows = read_npy_rows(path.string(), {3, 0, 3});
  EXPECT_EQ(rows.shape(), (Shape{3, 2}));
  EXPECT_EQ(rows.to_vector<int64_t>(), (std::vector<int64_t>{30, 31, 0, 1, 30, 31}));
  test::expect_error([&] { read_npy_rows(path.string(), {4}); }, {"kdup_report_rows.npy", "row 4"});
}

TEST(ReportHtml, FinishedMethodRunShowsEverySection) {
  const fs::path root = fs::path(::testing::TempDir()) / "kdup_report";
  const fs::path run = write_finished_run(root);
  ASSERT_EQ(report_command({run.string()}, ""), 0);
  const std::string html = read_text(run / "report.html");
  expect_self_contained(html);
  for (const char* heading : {"<h2>Runs</h2>", "<h2>Results</h2>", "<h2>Per-class accuracy</h2>",
                              "<h2>t-SNE of the test features</h2>", "<h2>Training curves</h2>",
                              "<h2>Cluster indices of the test features</h2>", "<h2>Refreshes</h2>",
                              "<h2>Spread over seeds</h2>", "<h2>Mechanism diagnostics</h2>"})
    EXPECT_NE(html.find(heading), std::string::npos) << heading;
  EXPECT_NE(html.find("<td>Method &lt;k&gt;</td><td>linear probe (cached features, no augmentation)"
                      "</td><td class=\"num\">71.50</td><td class=\"num\">61.50</td>"),
            std::string::npos);
  EXPECT_NE(html.find("123.4"), std::string::npos);  // Calinski-Harabasz
  EXPECT_NE(html.find("2.345"), std::string::npos);  // Davies-Bouldin
  EXPECT_NE(html.find("stage1"), std::string::npos);
  EXPECT_NE(html.find("stage2"), std::string::npos);
  EXPECT_NE(html.find("Spearman &rho; -1.000"), std::string::npos);
  // Two thumbnails for each of the three clusters of the first refresh; the second names no file.
  size_t thumbs = 0;
  for (size_t at = html.find("data:image/png;base64,"); at != std::string::npos;
       at = html.find("data:image/png;base64,", at + 1))
    ++thumbs;
  EXPECT_EQ(thumbs, 6u);
  EXPECT_NE(html.find("names no ood_file"), std::string::npos);
  // The diagnostics of both refreshes and of stage 2: cluster purity, K_pos purity per group.
  EXPECT_NE(html.find("<td>refresh at epoch 2 (K_pos)</td><td class=\"num\">0.62</td>"
                      "<td class=\"num\">1 / 0 of 3</td><td class=\"num\">0.50</td>"),
            std::string::npos);
  EXPECT_NE(html.find("<td>stage 2 (K_kd lists)</td>"), std::string::npos);
  EXPECT_EQ(html.find("<h2>Budget curve</h2>"), std::string::npos);  // one budget only
  EXPECT_EQ(html.find("<p class=\"missing\">"), std::string::npos);  // nothing absent
}

// Two seeds of one method and the same method at twice the budget: the spread over seeds (mean ±
// sample standard deviation) and a budget curve.
TEST(ReportHtml, SeedsGiveTheSpreadAndBudgetsTheCurve) {
  const fs::path root = fs::path(::testing::TempDir()) / "kdup_report_study";
  std::vector<std::string> dirs;
  const std::vector<std::pair<std::string, double>> runs = {
      {"M", 50.0}, {"M", 54.0}, {"M, 2x budget", 60.0}};
  for (size_t i = 0; i < runs.size(); ++i) {
    const fs::path run = root / ("run" + std::to_string(i));
    fs::remove_all(run);
    write_text(run / "config.json", json{{"run", {{"label", runs[i].first}}}}.dump());
    json results = {{"name", runs[i].first},
                    {"seed", i},
                    {"images_processed", runs[i].first == "M" ? 1000000 : 2000000},
                    {"train_seconds", 60.0},
                    {"linear", probe(runs[i].second, {1, 2})},
                    {"fewshot", probe(runs[i].second, {1, 2})},
                    {"knn_accuracy", 30.0},
                    {"train_class_counts", {10, 1}}};
    write_text(run / "results.json", results.dump());
    dirs.push_back(run.string());
  }
  const std::string out = (root / "study.html").string();
  ASSERT_EQ(report_command(dirs, out), 0);
  const std::string html = read_text(out);
  // All 50 and 54: mean 52, sample standard deviation 2.83.
  EXPECT_NE(html.find("<td>M</td><td>linear probe</td><td>2</td>"), std::string::npos);
  EXPECT_NE(html.find("<td class=\"num\">52.00 &plusmn; 2.83</td>"), std::string::npos);
  EXPECT_NE(html.find("<h2>Budget curve</h2>"), std::string::npos);
  EXPECT_NE(html.find("href=\"#budget\""), std::string::npos);
  // The 1x point of the curve carries its spread: a whisker and the standard deviation on hover.
  EXPECT_NE(html.find("M: 1, 52.0000 &#177; 2.8284</title>"), std::string::npos);
  EXPECT_NE(html.find("M: 2, 60.0000</title>"), std::string::npos);  // one seed: no whisker

  // --sections keeps the named sections only, in page order, and names an unknown one.
  ASSERT_EQ(report_command(dirs, out, "budget,results"), 0);
  const std::string some = read_text(out);
  EXPECT_NE(some.find("<h2>Results</h2>"), std::string::npos);
  EXPECT_LT(some.find("<h2>Results</h2>"), some.find("<h2>Budget curve</h2>"));
  for (const char* absent : {"<h2>Runs</h2>", "<h2>Spread over seeds</h2>", "href=\"#seeds\"",
                             "<h2>Mechanism diagnostics</h2>"})
    EXPECT_EQ(some.find(absent), std::string::npos) << absent;
  test::expect_error([&] { report_command(dirs, out, "results,budgets"); },
                     {"--sections", "'budgets'", "known: runs, results"});
}

TEST(ReportHtml, PoolFileAbsentIsSaidInsteadOfThumbnails) {
  const fs::path root = fs::path(::testing::TempDir()) / "kdup_report_nopool";
  const fs::path run = write_finished_run(root);
  fs::remove(root / "pool.npy");
  const std::string html = build_report_html({run.string()});
  EXPECT_EQ(html.find("data:image/png"), std::string::npos);
  EXPECT_NE(html.find("pool.npy (config.json ood.pool_file) was not found"), std::string::npos);
}

TEST(ReportHtml, InterruptedRunNamesWhatIsMissing) {
  const fs::path root = fs::path(::testing::TempDir()) / "kdup_report_interrupted";
  const fs::path finished = write_finished_run(root);
  const fs::path interrupted = write_interrupted_run(root);
  const fs::path out = root / "both.html";
  ASSERT_EQ(report_command({interrupted.string(), finished.string()}, out.string()), 0);
  EXPECT_FALSE(fs::exists(interrupted / "report.html"));
  const std::string html = read_text(out);
  expect_self_contained(html);
  for (const char* sentence :
       {"results.json missing: the run did not finish its evaluation", "tsne.json missing",
        "1 unreadable line(s) skipped", "No refresh records in log.jsonl", "<h3>Killed</h3>",
        "<h3>Method &lt;k&gt;</h3>"})
    EXPECT_NE(html.find(sentence), std::string::npos) << sentence;
}

TEST(ReportHtml, MissingDirectoryIsAnErrorNamingIt) {
  const std::string dir = (fs::path(::testing::TempDir()) / "kdup_report_no_such_run").string();
  test::expect_error([&] { build_report_html({dir}); }, {"kdup_report_no_such_run", "no such run"});
}

}  // namespace
}  // namespace kdup
