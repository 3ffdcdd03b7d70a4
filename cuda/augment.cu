// CUDA augmented views: one block per image of the batch. The parameters of each view were drawn on
// the host (data/augment.cpp, draw_augment_params); the per-pixel math is data/augment_math.h,
// shared with the CPU code. Stages that need the whole image (contrast's mean luma, the blur) are
// separated by block barriers; the working image lives in a float scratch buffer in global memory.
#include <cub/block/block_reduce.cuh>

#include "cuda/launch.cuh"
#include "data/augment_math.h"
#include "ops/kernels.h"

namespace kdup::cuda {

namespace {

struct Normalisation {
  float mean[3], inv_std[3];
};

__global__ void augment_kernel(const unsigned char* images, const AugmentParams* params, int height, int width, int size,
                               Normalisation norm, float* work, float* blurred, float* out) {
  using BlockReduce = cub::BlockReduce<float, kThreadsPerBlock>;
  __shared__ typename BlockReduce::TempStorage reduce_storage;
  __shared__ float mean_luma;
  const int b = blockIdx.x, pixels = size * size;
  const AugmentParams p = params[b];
  const unsigned char* image = images + p.source * int64_t(height) * width * 3;
  float* rgb = work + int64_t(b) * pixels * 3;
  float* tmp = blurred + int64_t(b) * pixels * 3;

  for (int q = threadIdx.x; q < pixels; q += blockDim.x)
    for (int c = 0; c < 3; ++c)
      rgb[q * 3 + c] = augment_geometry(p, image, height, width, size, q / size, q % size, c);
  __syncthreads();
  if (p.jitter) {
    for (int i = 0; i < 4; ++i) {
      const int adjustment = p.order[i];
      if (adjustment == 1) {  // contrast: the image's mean luma as it is now
        float partial = 0.f;
        for (int q = threadIdx.x; q < pixels; q += blockDim.x)
          partial += luma(rgb[q * 3], rgb[q * 3 + 1], rgb[q * 3 + 2]);
        const float total = BlockReduce(reduce_storage).Sum(partial);
        if (threadIdx.x == 0) mean_luma = total / pixels;
        __syncthreads();
      }
      for (int q = threadIdx.x; q < pixels; q += blockDim.x)
        augment_jitter(p, adjustment, mean_luma, rgb[q * 3], rgb[q * 3 + 1], rgb[q * 3 + 2]);
      __syncthreads();
    }
  }
  if (p.grayscale) {
    for (int q = threadIdx.x; q < pixels; q += blockDim.x) {
      const float gray = luma(rgb[q * 3], rgb[q * 3 + 1], rgb[q * 3 + 2]);
      rgb[q * 3] = rgb[q * 3 + 1] = rgb[q * 3 + 2] = gray;
    }
    __syncthreads();
  }
  if (p.blur_sigma > 0.f) {
    for (int vertical = 0; vertical < 2; ++vertical) {
      const float* from = vertical ? tmp : rgb;
      float* to = vertical ? rgb : tmp;
      for (int q = threadIdx.x; q < pixels; q += blockDim.x)
        for (int c = 0; c < 3; ++c)
          to[q * 3 + c] = augment_blur_pass(from, size, q / size, q % size, c, vertical, p.blur_sigma);
      __syncthreads();
    }
  }
  float* o = out + int64_t(b) * 3 * pixels;
  for (int q = threadIdx.x; q < pixels; q += blockDim.x)
    for (int c = 0; c < 3; ++c) o[c * pixels + q] = (rgb[q * 3 + c] - norm.mean[c]) * norm.inv_std[c];
}

}  // namespace

void augment_images(const Tensor& images, const Tensor& params, const AugmentConfig& config,
                    Tensor& out) {
  const int64_t batch = params.shape()[0], size = config.output_size;
  if (batch == 0) return;
  Normalisation norm;
  for (int c = 0; c < 3; ++c) {
    norm.mean[c] = static_cast<float>(config.mean[c]);
    norm.inv_std[c] = static_cast<float>(1.0 / config.std[c]);
  }
  Tensor work = Tensor::empty({batch, size, size, 3}, DType::f32, Device::cuda);
  Tensor blurred = Tensor::empty({batch, size, size, 3}, DType::f32, Device::cuda);
  augment_kernel<<<static_cast<unsigned int>(batch), kThreadsPerBlock, 0, stream()>>>(
      images.data<uint8_t>(), reinterpret_cast<const AugmentParams*>(params.data<uint8_t>()),
      static_cast<int>(images.shape()[1]), static_cast<int>(images.shape()[2]),
      static_cast<int>(size), norm, work.data<float>(), blurred.data<float>(), out.data<float>());
  check_launch("augment_images");
}

}  // namespace kdup::cuda
