// The choice of cuDNN convolution algorithms: the policy in cuda/conv2d_algorithms.h.
#include "cuda/conv2d_algorithms.h"

#include <map>
#include <mutex>
#include <string>
#include <vector>

#include "cuda/handles.h"

namespace kdup::cuda {

cudnnMathType_t descriptor_math(DType dtype, const BackendOptions& options) {
  return dtype == DType::f32 && options.allow_tf32 ? CUDNN_DEFAULT_MATH : CUDNN_FMA_MATH;
}

bool algorithm_allowed(cudnnStatus_t status, cudnnDeterminism_t determinism,
                       cudnnMathType_t perf_math, DType dtype, const BackendOptions& options,
                       cudnnMathType_t* run_math) {
  if (status != CUDNN_STATUS_SUCCESS) return false;
  if (options.deterministic && determinism != CUDNN_DETERMINISTIC) return false;
  // A conversion to half precision is never wanted, TF32 or not.
  if (perf_math == CUDNN_TENSOR_OP_MATH_ALLOW_CONVERSION) return false;
  if (dtype == DType::f32 && options.allow_tf32) {
    *run_math = perf_math;  // FMA, default or tensor-op math (TF32): whichever cuDNN ranked
    return true;
  }
  // Exact arithmetic: tensor-op kinds are out; FMA- and default-math algorithms run with the
  // descriptor restricted to FMA kernels, so Ampere's TF32 cannot slip in through the default.
  if (perf_math == CUDNN_TENSOR_OP_MATH) return false;
  *run_math = CUDNN_FMA_MATH;
  return true;
}

ConvKey conv_key(ConvDirection d, const Shape& x, const Shape& w, Conv2dParams p, DType dtype,
                 const BackendOptions& options) {
  return {static_cast<int64_t>(d), static_cast<int64_t>(dtype), x[0], x[1], x[2], x[3], w[0],
          w[2], w[3], p.stride, p.padding, options.deterministic, options.allow_tf32};
}

namespace {

// The workspace `algo` needs when the descriptor runs with `math`; false when cuDNN declines.
bool workspace_of(ConvDirection d, const ConvDescriptors& desc, int algo, cudnnMathType_t math,
                  size_t* bytes) {
  KDUP_CUDNN_CHECK(cudnnSetConvolutionMathType(desc.conv.get(), math));
  cudnnHandle_t h = cudnn_handle();
  cudnnStatus_t status;
  if (d == ConvDirection::forward)
    status = cudnnGetConvolutionForwardWorkspaceSize(h, desc.x.get(), desc.w.get(),
                                                     desc.conv.get(), desc.y.get(),
                                                     static_cast<cudnnConvolutionFwdAlgo_t>(algo),
                                                     bytes);
  else if (d == ConvDirection::backward_data)
    status = cudnnGetConvolutionBackwardDataWorkspaceSize(
        h, desc.w.get(), desc.y.get(), desc.conv.get(), desc.x.get(),
        static_cast<cudnnConvolutionBwdDataAlgo_t>(algo), bytes);
  else
    status = cudnnGetConvolutionBackwardFilterWorkspaceSize(
        h, desc.x.get(), desc.y.get(), desc.conv.get(), desc.w.get(),
        static_cast<cudnnConvolutionBwdFilterAlgo_t>(algo), bytes);
  return status == CUDNN_STATUS_SUCCESS;
}

// Step 2 over cuDNN's ranked results of one direction (the three Perf structs share their fields).
template <class Perf>
std::vector<ConvAlgorithm> allowed_in_rank_order(ConvDirection d, const ConvDescriptors& desc,
                                                 const std::vector<Perf>& perfs, DType dtype,
                                                 const BackendOptions& options) {
  std::vector<ConvAlgorithm> list;
  for (const Perf& perf : perfs) {
    ConvAlgorithm a;
    a.algo = static_cast<int>(perf.algo);
    if (!algorithm_allowed(perf.status, perf.determinism, perf.mathType, dtype, options, &a.math))
      continue;
    if (!workspace_of(d, desc, a.algo, a.math, &a.workspace)) continue;
    list.push_back(a);
  }
  return list;
}

std::vector<ConvAlgorithm> ranked_algorithms(ConvDirection d, const ConvDescriptors& desc,
                                             DType dtype, const BackendOptions& options) {
  // The heuristics rank for the descriptor's math type (step 1).
  KDUP_CUDNN_CHECK(cudnnSetConvolutionMathType(desc.conv.get(), descriptor_math(dtype, options)));
  cudnnHandle_t h = cudnn_handle();
  int count = 0, returned = 0;
  if (d == ConvDirection::forward) {
    KDUP_CUDNN_CHECK(cudnnGetConvolutionForwardAlgorithmMaxCount(h, &count));
    std::vector<cudnnConvolutionFwdAlgoPerf_t> perfs(count);
    KDUP_CUDNN_CHECK(cudnnGetConvolutionForwardAlgorithm_v7(
        h, desc.x.get(), desc.w.get(), desc.conv.get(), desc.y.get(), count, &returned,
        perfs.data()));
    perfs.resize(returned);
    return allowed_in_rank_order(d, desc, perfs, dtype, options);
  }
  if (d == ConvDirection::backward_data) {
    KDUP_CUDNN_CHECK(cudnnGetConvolutionBackwardDataAlgorithmMaxCount(h, &count));
    std::vector<cudnnConvolutionBwdDataAlgoPerf_t> perfs(count);
    KDUP_CUDNN_CHECK(cudnnGetConvolutionBackwardDataAlgorithm_v7(
        h, desc.w.get(), desc.y.get(), desc.conv.get(), desc.x.get(), count, &returned,
        perfs.data()));
    perfs.resize(returned);
    return allowed_in_rank_order(d, desc, perfs, dtype, options);
  }
  KDUP_CUDNN_CHECK(cudnnGetConvolutionBackwardFilterAlgorithmMaxCount(h, &count));
  std::vector<cudnnConvolutionBwdFilterAlgoPerf_t> perfs(count);
  KDUP_CUDNN_CHECK(cudnnGetConvolutionBackwardFilterAlgorithm_v7(
      h, desc.x.get(), desc.y.get(), desc.conv.get(), desc.w.get(), count, &returned,
      perfs.data()));
  perfs.resize(returned);
  return allowed_in_rank_order(d, desc, perfs, dtype, options);
}

// Per shape: the allowed algorithms and the first one still worth trying.
struct ShapeChoice {
  std::vector<ConvAlgorithm> algorithms;
  size_t first = 0;
};

std::mutex& choice_mutex() {
  static std::mutex m;
  return m;
}
std::map<ConvKey, ShapeChoice>& choices() {
  static auto* cache = new std::map<ConvKey, ShapeChoice>();
  return *cache;
}

ShapeChoice choice_for(ConvDirection d, const ConvDescriptors& desc, const ConvKey& key,
                       DType dtype, const BackendOptions& options) {
  {
    std::lock_guard<std::mutex> lock(choice_mutex());
    auto it = choices().find(key);
    if (it != choices().end()) return it->second;
  }
  ShapeChoice c;
  c.algorithms = ranked_algorithms(d, desc, dtype, options);
  std::lock_guard<std::mutex> lock(choice_mutex());
  return choices().emplace(key, c).first->second;
}

// From now on this shape starts at algorithm `next` (never moving back).
void skip_to(const ConvKey& key, size_t next) {
  std::lock_guard<std::mutex> lock(choice_mutex());
  ShapeChoice& c = choices()[key];
  if (next < c.algorithms.size() && next > c.first) c.first = next;
}

}  // namespace

void run_convolution(ConvDirection d, const ConvDescriptors& desc, const ConvKey& key, DType dtype,
                     const BackendOptions& options, const ConvLaunch& launch, const char* what) {
  const ShapeChoice c = choice_for(d, desc, key, dtype, options);
  KDUP_CHECK(!c.algorithms.empty(),
             what << ": cuDNN offers no algorithm for this shape"
                  << (options.deterministic ? " among its deterministic ones" : ""));
  std::string last_failure;
  for (size_t i = c.first; i < c.algorithms.size(); ++i) {
    const ConvAlgorithm& a = c.algorithms[i];
    void* workspace = nullptr;
    try {
      workspace = cudnn_workspace(a.workspace);
    } catch (const Error& e) {  // out of device memory: give the workspace back, ask for less
      release_cudnn_workspace();
      skip_to(key, i + 1);
      last_failure = e.what();
      continue;
    }
    KDUP_CUDNN_CHECK(cudnnSetConvolutionMathType(desc.conv.get(), a.math));
    const cudnnStatus_t status = launch(a, workspace);
    if (CUDNN_STATUS_CATEGORY(status) == CUDNN_STATUS_NOT_SUPPORTED) {
      // Ranked by the heuristics but declined when run with this math type: the next one.
      skip_to(key, i + 1);
      last_failure = cudnnGetErrorString(status);
      continue;
    }
    KDUP_CHECK(status == CUDNN_STATUS_SUCCESS,
               what << ": cuDNN algorithm " << a.algo << " failed: " << cudnnGetErrorString(status));
    return;
  }
  KDUP_CHECK(false, what << ": no cuDNN algorithm could run (" << c.algorithms.size()
                         << " allowed, each tried); the last failure: " << last_failure);
}

}  // namespace kdup::cuda
