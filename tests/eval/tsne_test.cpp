// t-SNE keeps well-separated clusters apart, is reproducible from its seed, and refuses too few
// points for its perplexity.
#include "eval/tsne.h"
#include "test_util.h"

namespace kdup {
namespace {

// 5 clusters of 40 points in 20 dimensions, centres far apart relative to the noise.
Tensor clustered_points(std::vector<int64_t>& labels, uint64_t seed) {
  std::vector<double> centres = (Tensor::randn({5, 20}, seed, DType::f64) * 8.0).to_vector<double>();
  std::vector<double> x = Tensor::randn({200, 20}, seed + 1, DType::f64).to_vector<double>();
  labels.assign(200, 0);
  for (int64_t i = 0; i < 200; ++i) {
    labels[i] = i % 5;
    for (int64_t d = 0; d < 20; ++d) x[i * 20 + d] += centres[labels[i] * 20 + d];
  }
  return Tensor::from_vector(x, {200, 20});
}

TEST(Tsne, KeepsSeparatedClustersApart) {
  std::vector<int64_t> labels;
  Tensor x = clustered_points(labels, 3);
  TsneConfig config;
  config.iterations = 500;
  config.exaggeration_iterations = 100;
  Tensor y = tsne(x, config);
  ASSERT_EQ(y.shape(), (Shape{200, 2}));
  EXPECT_GE(knn_label_purity(y, labels, 10), 0.98);
  // The measure can fail: labels unrelated to the clusters (blocks of 40 consecutive points, while
  // the clusters are i mod 5) are far from pure.
  std::vector<int64_t> unrelated(200);
  for (int64_t i = 0; i < 200; ++i) unrelated[i] = i / 40;
  EXPECT_LT(knn_label_purity(y, unrelated, 10), 0.5);
}

TEST(Tsne, ReproducibleAndChecksItsInput) {
  std::vector<int64_t> labels;
  Tensor x = clustered_points(labels, 4).slice(0, 0, 100);
  TsneConfig config;
  config.iterations = 50;
  EXPECT_EQ(tsne(x, config).to_vector<double>(), tsne(x, config).to_vector<double>());
  test::expect_error([&] { tsne(x.slice(0, 0, 60), config); }, {"tsne", "perplexity"});
}

}  // namespace
}  // namespace kdup
