#include "dist/nccl_communicator.h"

#include <nccl.h>

#include <cstdlib>
#include <cstring>

#include "cuda/handles.h"

namespace kdup {
namespace {

void check(ncclResult_t result, const char* call) {
  KDUP_CHECK(result == ncclSuccess, call << " failed: " << ncclGetErrorString(result));
}

void check(cudaError_t error, const char* call) {
  KDUP_CHECK(error == cudaSuccess, call << " failed: " << cudaGetErrorString(error));
}

ncclDataType_t nccl_type(DType dtype) {
  switch (dtype) {
    case DType::f32: return ncclFloat32;
    case DType::f64: return ncclFloat64;
    case DType::i64: return ncclInt64;
    case DType::u8: return ncclUint8;
  }
  KDUP_CHECK(false, "NCCL: no NCCL type for dtype " << dtype_name(dtype));
  return ncclFloat32;
}

void check_cuda_contiguous(const char* op, const Tensor& t) {
  KDUP_CHECK(t.device() == Device::cuda && t.is_contiguous(),
             op << ": the NCCL backend takes contiguous CUDA tensors, got "
                << device_name(t.device()) << (t.is_contiguous() ? "" : " (strided)"));
}

// The rank of this process among those of its node (Open MPI and MPICH name it differently).
int local_rank() {
  for (const char* variable : {"OMPI_COMM_WORLD_LOCAL_RANK", "MPI_LOCALRANKID"})
    if (const char* value = std::getenv(variable)) return std::atoi(value);
  return 0;
}

}  // namespace

struct NcclCommunicator::Clique {
  ncclComm_t comm = nullptr;
};

NcclCommunicator::NcclCommunicator(Communicator& bootstrap)
    : bootstrap_(bootstrap), clique_(new Clique) {
  int devices = 0;
  check(cudaGetDeviceCount(&devices), "cudaGetDeviceCount");
  KDUP_CHECK(devices > 0, "NCCL: rank " << bootstrap_.rank() << " sees no CUDA device");
  check(cudaSetDevice(local_rank() % devices), "cudaSetDevice");
  // Rank 0's unique id, sent to every rank as bytes.
  ncclUniqueId id;
  Tensor bytes = Tensor::zeros({static_cast<int64_t>(sizeof(id))}, DType::u8);
  if (bootstrap_.is_root()) {
    check(ncclGetUniqueId(&id), "ncclGetUniqueId");
    std::memcpy(bytes.raw_data(), &id, sizeof(id));
  }
  bootstrap_.broadcast(bytes, 0);
  std::memcpy(&id, bytes.raw_data(), sizeof(id));
  check(ncclCommInitRank(&clique_->comm, bootstrap_.size(), id, bootstrap_.rank()),
        "ncclCommInitRank");
}

NcclCommunicator::~NcclCommunicator() {
  if (clique_ && clique_->comm) ncclCommDestroy(clique_->comm);
}

void NcclCommunicator::all_reduce_sum(Tensor& t) {
  if (t.device() == Device::cpu) return bootstrap_.all_reduce_sum(t);
  check_cuda_contiguous("all_reduce_sum", t);
  KDUP_CHECK(is_floating(t.dtype()), "all_reduce_sum: expected a floating tensor, got "
                                         << dtype_name(t.dtype()));
  check(ncclAllReduce(t.raw_data(), t.raw_data(), static_cast<size_t>(t.numel()),
                      nccl_type(t.dtype()), ncclSum, clique_->comm, cuda::stream()),
        "ncclAllReduce");
}

void NcclCommunicator::broadcast(Tensor& t, int root) {
  if (t.device() == Device::cpu) return bootstrap_.broadcast(t, root);
  check_cuda_contiguous("broadcast", t);
  check(ncclBroadcast(t.raw_data(), t.raw_data(), static_cast<size_t>(t.numel()),
                      nccl_type(t.dtype()), root, clique_->comm, cuda::stream()),
        "ncclBroadcast");
}

Tensor NcclCommunicator::all_gather_rows(const Tensor& t) {
  if (t.device() == Device::cpu) return bootstrap_.all_gather_rows(t);
  const Tensor local = t.contiguous();
  check_cuda_contiguous("all_gather_rows", local);
  KDUP_CHECK(local.dim() >= 1, "all_gather_rows: expected a tensor of rank 1 or more");
  Shape shape = local.shape();
  shape[0] *= size();
  Tensor out = Tensor::empty(shape, local.dtype(), Device::cuda);
  check(ncclAllGather(local.raw_data(), out.raw_data(), static_cast<size_t>(local.numel()),
                      nccl_type(local.dtype()), clique_->comm, cuda::stream()),
        "ncclAllGather");
  return out;
}

void NcclCommunicator::barrier() {
  check(cudaStreamSynchronize(cuda::stream()), "cudaStreamSynchronize");
  bootstrap_.barrier();
}

}  // namespace kdup
