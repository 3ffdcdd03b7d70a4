#include "cuda/handles.h"

#include <mutex>

#include "cuda/cuda_check.h"
#include "tensor/storage.h"

namespace kdup::cuda {

namespace {
struct Context {
  cudaStream_t stream = nullptr;
  cublasHandle_t cublas = nullptr;
  cudnnHandle_t cudnn = nullptr;
  void* workspace = nullptr;
  size_t workspace_bytes = 0;
};

// Never destroyed: the driver may already be shutting down when static destructors run.
Context& context() {
  static Context* ctx = new Context();
  return *ctx;
}
std::mutex& context_mutex() {
  static std::mutex m;
  return m;
}
}  // namespace

cudaStream_t stream() {
  std::lock_guard<std::mutex> lock(context_mutex());
  Context& ctx = context();
  if (!ctx.stream) KDUP_CUDA_CHECK(cudaStreamCreateWithFlags(&ctx.stream, cudaStreamNonBlocking));
  return ctx.stream;
}

cublasHandle_t cublas_handle() {
  cudaStream_t s = stream();
  std::lock_guard<std::mutex> lock(context_mutex());
  Context& ctx = context();
  if (!ctx.cublas) {
    KDUP_CUBLAS_CHECK(cublasCreate(&ctx.cublas));
    KDUP_CUBLAS_CHECK(cublasSetStream(ctx.cublas, s));
    // Plain FP32/FP64 arithmetic: results must match the CPU backend, so no reduced-precision modes.
    KDUP_CUBLAS_CHECK(cublasSetMathMode(ctx.cublas, CUBLAS_DEFAULT_MATH));
  }
  return ctx.cublas;
}

cudnnHandle_t cudnn_handle() {
  cudaStream_t s = stream();
  std::lock_guard<std::mutex> lock(context_mutex());
  Context& ctx = context();
  if (!ctx.cudnn) {
    KDUP_CUDNN_CHECK(cudnnCreate(&ctx.cudnn));
    KDUP_CUDNN_CHECK(cudnnSetStream(ctx.cudnn, s));
  }
  return ctx.cudnn;
}

namespace {
// Hands the context's workspace back; the caller holds the context mutex. The context is emptied
// before the free, so a throwing free cannot leave it pointing at a released block.
void drop_workspace(Context& ctx) {
  void* old = ctx.workspace;
  ctx.workspace = nullptr;
  ctx.workspace_bytes = 0;
  // The block goes back to the caching allocator; stream order keeps pending users safe.
  cuda_free(old);
}
}  // namespace

void* cudnn_workspace(size_t bytes) {
  if (bytes == 0) return nullptr;
  std::lock_guard<std::mutex> lock(context_mutex());
  Context& ctx = context();
  if (bytes > ctx.workspace_bytes) {
    drop_workspace(ctx);
    // Only a successful allocation records its size: if it throws, the context stays empty.
    ctx.workspace = cuda_allocate(bytes);
    ctx.workspace_bytes = bytes;
  }
  return ctx.workspace;
}

void release_cudnn_workspace() {
  std::lock_guard<std::mutex> lock(context_mutex());
  drop_workspace(context());
}

}  // namespace kdup::cuda
