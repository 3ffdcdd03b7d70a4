// A tiny convolutional network learns a fixed synthetic problem with SGD: every layer type of the
// ResNets (conv, batch norm, relu, max pool, global average pool, linear, cross-entropy) together.
#include "nn/layers.h"
#include "nn/sgd.h"
#include "test_util.h"

namespace kdup {
namespace {

// 8x8 single-channel images: class 0 holds a horizontal bar, class 1 a vertical one, at a random
// position, over Gaussian noise.
void bars_problem(int64_t n, uint64_t seed, Tensor& images, Tensor& labels) {
  std::vector<float> noise = (Tensor::randn({n, 1, 8, 8}, seed) * 0.3).to_vector<float>();
  std::vector<double> where = Tensor::rand({n, 2}, seed + 1, DType::f64).to_vector<double>();
  std::vector<int64_t> y(n);
  for (int64_t i = 0; i < n; ++i) {
    y[i] = static_cast<int64_t>(where[2 * i] * 2);
    const int64_t at = static_cast<int64_t>(where[2 * i + 1] * 8);
    for (int64_t k = 0; k < 8; ++k) {
      const int64_t pixel = y[i] == 0 ? at * 8 + k : k * 8 + at;
      noise[i * 64 + pixel] += 1.0f;
    }
  }
  images = Tensor::from_vector(noise, {n, 1, 8, 8});
  labels = Tensor::from_vector(y, {n});
}

class TinyConvNet : public Module {
 public:
  explicit TinyConvNet(InitSeeds& seeds) {
    conv1_ = register_module("conv1", std::make_shared<Conv2d>(1, 8, 3, 1, 1, seeds));
    bn1_ = register_module("bn1", std::make_shared<BatchNorm>(8));
    conv2_ = register_module("conv2", std::make_shared<Conv2d>(8, 16, 3, 1, 1, seeds));
    fc_ = register_module("fc", std::make_shared<Linear>(16, 2, true, seeds));
  }
  Tensor forward(const Tensor& x) const {
    Tensor h = max_pool2d(relu(bn1_->forward(conv1_->forward(x))), 2, 2);
    return fc_->forward(global_avg_pool2d(relu(conv2_->forward(h))));
  }

 private:
  std::shared_ptr<Conv2d> conv1_, conv2_;
  std::shared_ptr<BatchNorm> bn1_;
  std::shared_ptr<Linear> fc_;
};

TEST(TinyConvNet, LearnsBarsWithSgd) {
  Tensor images, labels;
  bars_problem(64, 5, images, labels);
  InitSeeds seeds(3);
  TinyConvNet net(seeds);
  SGD sgd({{net.decayed_parameters(), 5e-4}, {net.undecayed_parameters(), 0.0}}, 0.1, 0.9);
  const double initial = cross_entropy(net.forward(images), labels).item();
  double final_loss = initial;
  for (int step = 0; step < 150; ++step) {
    sgd.zero_grad();
    Tensor loss = cross_entropy(net.forward(images), labels);
    loss.backward();
    sgd.step();
    final_loss = loss.item();
  }
  EXPECT_NEAR(initial, std::log(2.0), 0.3);  // chance level at the start
  EXPECT_LT(final_loss, 0.05 * initial);

  // It generalises to fresh images of the same problem (evaluation-mode batch norm).
  Tensor test_images, test_labels;
  bars_problem(200, 99, test_images, test_labels);
  net.eval();
  std::vector<int64_t> predicted = max_with_indices(net.forward(test_images), 1).second.to_vector<int64_t>();
  std::vector<int64_t> truth = test_labels.to_vector<int64_t>();
  int correct = 0;
  for (size_t i = 0; i < truth.size(); ++i) correct += predicted[i] == truth[i];
  EXPECT_GE(correct, 190);
}

}  // namespace
}  // namespace kdup
