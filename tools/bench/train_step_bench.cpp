// kdup_bench: times one workload on random inputs and prints one JSON line.
// tools/reference/bench_reference.py is its PyTorch counterpart (same workloads, same sizes).
//
//   kdup_bench --mode simclr|supervised|eval --device cpu|cuda --width 1 --batch 128 --steps 5
//   kdup_bench --mode knn --n 12406 --dim 128 --k 200
//   kdup_bench --mode kmeans --n 12406 --dim 512 --clusters 10 --iterations 20
//   kdup_bench --mode fma   (the CPU's measured FMA throughput, fma_peak.h)
//
// Training modes time a whole step of a CIFAR ResNet-18 (simclr: two views, projection head,
// NT-Xent, SGD; supervised: one view, linear classifier, cross-entropy); eval times a forward pass
// in evaluation mode without autograd.
#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <functional>
#include <map>
#include <string>
#include <vector>

#include "eval/knn.h"
#include "fma_peak.h"
#include "kdup/contrastive_model.h"
#include "kdup/kmeans.h"
#include "kdup/nt_xent.h"
#include "nn/sgd.h"
#include "ops/ops.h"

#ifdef KDUP_WITH_CUDA
#include <cuda_runtime.h>

#include "cuda/allocator.h"
#endif

namespace kdup {
namespace {

void synchronize(Device device) {
#ifdef KDUP_WITH_CUDA
  if (device == Device::cuda) cudaDeviceSynchronize();
#else
  (void)device;
#endif
}

// Multiply-accumulates of one forward pass of the CIFAR ResNet-18 backbone (convolutions only, the
// rest is a rounding error), for one 32x32 image.
double resnet18_cifar_macs(double width) {
  auto c = [&](int64_t channels) { return std::max<int64_t>(1, std::llround(channels * width)); };
  double macs = 3.0 * c(64) * 9 * 32 * 32;  // stem
  int64_t in = c(64), side = 32;
  for (int stage = 0; stage < 4; ++stage) {
    const int64_t planes = c(64 << stage);
    if (stage > 0) side /= 2;
    const double pixels = static_cast<double>(side * side);
    macs += pixels * 9 * (in * planes + 3 * planes * planes);  // 4 3x3 convs per stage
    if (in != planes) macs += pixels * in * planes;              // 1x1 shortcut
    in = planes;
  }
  return macs;
}

struct Options {
  std::string mode = "simclr", device = "cpu";
  double width = 1.0;
  int64_t batch = 128, steps = 5, warmup = 1;
  int64_t n = 12406, dim = 128, k = 200, clusters = 10, iterations = 20;
};

// Runs `work` warmup + steps times and returns the sorted step times in seconds.
std::vector<double> time_steps(const Options& o, Device device, const std::function<void()>& work) {
  std::vector<double> seconds;
  for (int64_t s = 0; s < o.warmup + o.steps; ++s) {
    synchronize(device);
    const auto start = std::chrono::steady_clock::now();
    work();
    synchronize(device);
    if (s >= o.warmup)
      seconds.push_back(std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count());
  }
  std::sort(seconds.begin(), seconds.end());
  return seconds;
}

// On CUDA, the caching allocator's reservation (blocks in use plus blocks cached) after the steps:
// it never returns blocks to the driver by itself, so this is its high-water mark, the counterpart of
// PyTorch's max_memory_reserved (cuBLAS/cuDNN handles and the CUDA context are not in it).
std::string device_memory_field(Device device) {
#ifdef KDUP_WITH_CUDA
  if (device == Device::cuda) {
    const cuda::AllocatorStats stats = cuda::allocator_stats();
    char field[96];
    std::snprintf(field, sizeof field, ", \"device_reserved_mib\": %.1f",
                  static_cast<double>(stats.bytes_in_use + stats.bytes_cached) / (1 << 20));
    return field;
  }
#else
  (void)device;
#endif
  return "";
}

void report(const Options& o, const std::vector<double>& seconds, double items, double flops) {
  const double best = seconds.front(), median = seconds[seconds.size() / 2];
  const Device device = o.device == "cuda" ? Device::cuda : Device::cpu;
  std::printf("{\"impl\": \"kdup\", \"mode\": \"%s\", \"device\": \"%s\", \"width\": %g, "
              "\"batch\": %lld, \"steps\": %lld, \"best_seconds\": %.6f, \"median_seconds\": %.6f, "
              "\"best_items_per_s\": %.2f, \"median_items_per_s\": %.2f, \"best_gflops\": %.2f%s}\n",
              o.mode.c_str(), o.device.c_str(), o.width, static_cast<long long>(o.batch),
              static_cast<long long>(o.steps), best, median, items / best, items / median,
              flops / best * 1e-9, device_memory_field(device).c_str());
}

void run_network(const Options& o, Device device) {
  ContrastiveModelConfig config;
  config.backbone.width = o.width;
  ContrastiveModel model(config);
  model.to(device);
  Tensor classifier;
  {
    NoGradGuard no_grad;
    classifier = (Tensor::randn({10, model.backbone().feature_dim()}, 3) * 0.01).to(device);
  }
  classifier.set_requires_grad(true);
  const Tensor x1 = Tensor::randn({o.batch, 3, 32, 32}, 1).to(device);
  const Tensor x2 = Tensor::randn({o.batch, 3, 32, 32}, 2).to(device);
  std::vector<int64_t> label_values(o.batch);
  for (int64_t i = 0; i < o.batch; ++i) label_values[i] = i % 10;
  const Tensor labels = Tensor::from_vector(label_values, {o.batch}, device);
  const double forward_flops = 2 * resnet18_cifar_macs(o.width);

  if (o.mode == "eval") {
    model.eval();
    auto seconds = time_steps(o, device, [&] {
      NoGradGuard no_grad;
      model.features(x1).to(Device::cpu);
    });
    report(o, seconds, static_cast<double>(o.batch), forward_flops * o.batch);
    return;
  }
  std::vector<Tensor> params = model.parameters();
  params.push_back(classifier);
  SGD sgd({{params, 1e-4}}, 0.1, 0.9);  // only training makes an optimizer (tensor/storage.h)
  auto seconds = time_steps(o, device, [&] {
    sgd.zero_grad();
    Tensor loss = o.mode == "simclr"
                      ? nt_xent_loss(model.project(x1), model.project(x2), 0.2)
                      : cross_entropy(matmul(model.features(x1), classifier.t()), labels);
    loss.backward();
    sgd.step();
    loss.item();
  });
  const double images = static_cast<double>(o.batch) * (o.mode == "simclr" ? 2 : 1);
  report(o, seconds, images, 3 * forward_flops * images);  // backward ~ 2x forward
}

void run_knn(const Options& o, Device device) {
  const Tensor x = Tensor::randn({o.n, o.dim}, 4).to(device);
  auto seconds = time_steps(o, device, [&] { nearest_neighbours(x, x, o.k, true); });
  report(o, seconds, static_cast<double>(o.n), 2.0 * o.n * o.n * o.dim);
}

void run_kmeans(const Options& o, Device device) {
  const Tensor x = Tensor::randn({o.n, o.dim}, 5).to(device);
  KMeansConfig config;
  config.num_clusters = o.clusters;
  config.max_iterations = o.iterations;
  int64_t iterations = 0;  // Lloyd updates actually run: kdup stops once no assignment changes
  auto seconds = time_steps(o, device, [&] { iterations = kmeans(x, config).iterations; });
  std::fprintf(stderr, "kdup_bench: k-means ran %lld of at most %lld Lloyd iterations\n",
               static_cast<long long>(iterations), static_cast<long long>(o.iterations));
  report(o, seconds, static_cast<double>(o.n), 2.0 * o.n * o.clusters * o.dim * iterations);
}

}  // namespace
}  // namespace kdup

int main(int argc, char** argv) {
  kdup::Options o;
  std::map<std::string, int64_t*> integers = {
      {"--batch", &o.batch}, {"--steps", &o.steps}, {"--warmup", &o.warmup}, {"--n", &o.n},
      {"--dim", &o.dim},     {"--k", &o.k},         {"--clusters", &o.clusters},
      {"--iterations", &o.iterations}};
  for (int i = 1; i + 1 < argc; i += 2) {
    const std::string key = argv[i], value = argv[i + 1];
    if (key == "--mode") o.mode = value;
    else if (key == "--device") o.device = value;
    else if (key == "--width") o.width = std::stod(value);
    else if (integers.count(key)) *integers[key] = std::stoll(value);
    else {
      std::fprintf(stderr, "kdup_bench: unknown option %s\n", key.c_str());
      return 2;
    }
  }
  try {
    const kdup::Device device = o.device == "cuda" ? kdup::Device::cuda : kdup::Device::cpu;
    if (o.mode == "fma")
      std::printf("{\"impl\": \"kdup\", \"mode\": \"fma\", \"best_gflops\": %.1f}\n",
                  kdup::measured_fma_peak_gflops());
    else if (o.mode == "knn")
      kdup::run_knn(o, device);
    else if (o.mode == "kmeans") kdup::run_kmeans(o, device);
    else kdup::run_network(o, device);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "kdup_bench: error: %s\n", e.what());
    return 1;
  }
  return 0;
}
