// The linear probe and k-NN on features with known structure.
#include <cmath>

#include "eval/knn.h"
#include "eval/linear_probe.h"
#include "test_util.h"

namespace kdup {
namespace {

// n points per class around orthogonal-ish random class centres in 16 dimensions.
LabelledFeatures clusters(int64_t per_class, int64_t classes, double noise, uint64_t seed) {
  std::vector<float> centres = (Tensor::randn({classes, 16}, 1) * 3.0).to_vector<float>();
  std::vector<float> x = (Tensor::randn({per_class * classes, 16}, seed) * noise).to_vector<float>();
  LabelledFeatures out;
  for (int64_t i = 0; i < per_class * classes; ++i) {
    const int64_t c = i % classes;
    out.labels.push_back(c);
    for (int64_t d = 0; d < 16; ++d) x[i * 16 + d] += centres[c * 16 + d];
  }
  out.features = Tensor::from_vector(x, {per_class * classes, 16});
  return out;
}

TEST(LinearProbe, LearnsSeparableClustersAndPicksTheBestEpoch) {
  LabelledFeatures train = clusters(50, 4, 1.0, 2), val = clusters(20, 4, 1.0, 3);
  LabelledFeatures test = clusters(30, 4, 1.0, 4);
  ProbeConfig config;
  config.epochs = 6;
  config.lr = 0.1;
  config.milestones = {3, 5};
  ProbeResult r = train_linear_probe([&](int64_t) { return train.features; }, train.labels, val,
                                     test.features, 4, config);
  ASSERT_EQ(r.val_accuracy_per_epoch.size(), 6u);
  EXPECT_EQ(r.best_val_accuracy,
            *std::max_element(r.val_accuracy_per_epoch.begin(), r.val_accuracy_per_epoch.end()));
  EXPECT_GE(r.best_val_accuracy, 95.0);
  int correct = 0;
  for (size_t i = 0; i < test.labels.size(); ++i) correct += r.test_predictions[i] == test.labels[i];
  EXPECT_GE(correct, 114);  // >= 95% of 120
}

TEST(LinearProbe, IsReproducibleFromItsSeed) {
  LabelledFeatures train = clusters(20, 3, 3.0, 5), val = clusters(10, 3, 3.0, 6);
  ProbeConfig config;
  config.epochs = 3;
  config.lr = 0.5;
  auto run = [&] {
    return train_linear_probe([&](int64_t) { return train.features; }, train.labels, val,
                              val.features, 3, config)
        .val_accuracy_per_epoch;
  };
  EXPECT_EQ(run(), run());
}

TEST(Knn, NeighboursAreTheMostSimilarAndExcludeSelf) {
  Tensor x = Tensor::from_vector<float>({1, 0, 0.9f, 0.1f, 0, 1, 0.1f, 0.9f, -1, 0}, {5, 2});
  Neighbours nn = nearest_neighbours(x, x, 1, true);
  EXPECT_EQ(nn.indices.to_vector<int64_t>(), (std::vector<int64_t>{1, 0, 3, 2, 2}));
  Neighbours with_self = nearest_neighbours(x, x, 2, false, 2);  // chunked
  std::vector<int64_t> idx = with_self.indices.to_vector<int64_t>();
  for (int64_t i = 0; i < 5; ++i) EXPECT_EQ(idx[i * 2], i);
  test::expect_error([&] { nearest_neighbours(x, x, 5, true); }, {"K = 5", "4 candidates"});
}

TEST(Knn, ExcludingSelfKeepsTiesByIndexAndDropsTheLastWhenSelfRanksLow) {
  // Unit vectors at these angles (degrees); rows 2 and 5 repeat rows 0 and 1, and row 6 is zero,
  // so its similarity to everything, itself included, is 0 and it is not among its own top k + 1.
  std::vector<float> xy;
  for (double degrees : {0.0, 10.0, 0.0, 25.0, 60.0, 10.0}) {
    xy.push_back(static_cast<float>(std::cos(degrees * M_PI / 180)));
    xy.push_back(static_cast<float>(std::sin(degrees * M_PI / 180)));
  }
  xy.insert(xy.end(), {0.0f, 0.0f});
  Tensor x = Tensor::from_vector<float>(xy, {7, 2});
  const std::vector<int64_t> expected = {2, 1, 5, 3, 5, 0, 2, 3, 0, 1, 5, 3, 1, 5,
                                         0, 2, 3, 1, 5, 0, 1, 0, 2, 3, 0, 1, 2, 3};
  EXPECT_EQ(nearest_neighbours(x, x, 4, true, 3).indices.to_vector<int64_t>(), expected);
  EXPECT_EQ(nearest_neighbours(x, x, 4, true).indices.to_vector<int64_t>(), expected);
}

TEST(Knn, WeightedVotesClassifyClusters) {
  LabelledFeatures train = clusters(30, 3, 0.5, 7), test = clusters(10, 3, 0.5, 8);
  std::vector<int64_t> predicted = knn_predict(train.features, train.labels, test.features, 3, 10);
  EXPECT_EQ(predicted, test.labels);
}

}  // namespace
}  // namespace kdup
