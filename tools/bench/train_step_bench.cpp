// kdup_bench: times training steps of a CIFAR ResNet-18 (SimCLR: two views, projection head,
// NT-Xent, SGD; or supervised: one view, linear classifier, cross-entropy) on random inputs, and
// prints one JSON line. tools/reference/bench_train_step.py is its PyTorch counterpart.
//
//   kdup_bench --mode simclr --device cpu --width 1 --batch 128 --steps 5 --warmup 1
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <string>
#include <vector>

#include "kdup/contrastive_model.h"
#include "kdup/nt_xent.h"
#include "nn/sgd.h"
#include "ops/ops.h"

#ifdef KDUP_WITH_CUDA
#include <cuda_runtime.h>
#endif

namespace {

void synchronize(kdup::Device device) {
#ifdef KDUP_WITH_CUDA
  if (device == kdup::Device::cuda) cudaDeviceSynchronize();
#else
  (void)device;
#endif
}

}  // namespace

int main(int argc, char** argv) {
  using namespace kdup;
  std::string mode = "simclr", device_name_arg = "cpu";
  double width = 1.0;
  int64_t batch = 128, steps = 5, warmup = 1;
  for (int i = 1; i + 1 < argc; i += 2) {
    const std::string key = argv[i], value = argv[i + 1];
    if (key == "--mode") mode = value;
    else if (key == "--device") device_name_arg = value;
    else if (key == "--width") width = std::stod(value);
    else if (key == "--batch") batch = std::stoll(value);
    else if (key == "--steps") steps = std::stoll(value);
    else if (key == "--warmup") warmup = std::stoll(value);
    else {
      std::fprintf(stderr, "kdup_bench: unknown option %s\n", key.c_str());
      return 2;
    }
  }
  try {
    const Device device = device_name_arg == "cuda" ? Device::cuda : Device::cpu;
    ContrastiveModelConfig config;
    config.backbone.width = width;
    ContrastiveModel model(config);
    model.to(device);
    Tensor classifier;
    {
      NoGradGuard no_grad;
      classifier = (Tensor::randn({10, model.backbone().feature_dim()}, 3) * 0.01).to(device);
    }
    classifier.set_requires_grad(true);
    std::vector<Tensor> params = model.parameters();
    params.push_back(classifier);
    SGD sgd({{params, 1e-4}}, 0.1, 0.9);
    const Tensor x1 = Tensor::randn({batch, 3, 32, 32}, 1).to(device);
    const Tensor x2 = Tensor::randn({batch, 3, 32, 32}, 2).to(device);
    std::vector<int64_t> label_values(batch);
    for (int64_t i = 0; i < batch; ++i) label_values[i] = i % 10;
    const Tensor labels = Tensor::from_vector(label_values, {batch}, device);

    std::vector<double> seconds;
    for (int64_t s = 0; s < warmup + steps; ++s) {
      synchronize(device);
      const auto start = std::chrono::steady_clock::now();
      sgd.zero_grad();
      Tensor loss = mode == "simclr"
                        ? nt_xent_loss(model.project(x1), model.project(x2), 0.2)
                        : cross_entropy(matmul(model.features(x1), classifier.t()), labels);
      loss.backward();
      sgd.step();
      loss.item();  // waits for the step to finish
      synchronize(device);
      if (s >= warmup)
        seconds.push_back(std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count());
    }
    std::sort(seconds.begin(), seconds.end());
    const double images = static_cast<double>(batch) * (mode == "simclr" ? 2 : 1);
    std::printf("{\"impl\": \"kdup\", \"mode\": \"%s\", \"device\": \"%s\", \"width\": %g, "
                "\"batch\": %lld, \"steps\": %lld, \"best_images_per_s\": %.2f, "
                "\"median_images_per_s\": %.2f}\n",
                mode.c_str(), device_name_arg.c_str(), width, static_cast<long long>(batch),
                static_cast<long long>(steps), images / seconds.front(),
                images / seconds[seconds.size() / 2]);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "kdup_bench: error: %s\n", e.what());
    return 1;
  }
  return 0;
}
