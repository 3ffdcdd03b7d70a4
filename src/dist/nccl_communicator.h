// The NCCL backend of Communicator: CUDA tensors, one GPU per rank, the collectives on kdup's CUDA
// stream (in order with the kernels, no host synchronisation); CPU tensors (a run's small decisions
// and flags) go through the bootstrap communicator underneath. Bootstrapped over MPI, as llm.c
// does: rank 0 makes NCCL's unique id and MPI broadcasts it; over SingleProcess it is a clique of
// one (the GPU kit's check of this backend). In kdup_core when CMake finds CUDA, NCCL and MPI
// (KDUP_WITH_NCCL).
#pragma once
#include <memory>

#include "dist/communicator.h"

namespace kdup {

class NcclCommunicator final : public Communicator {
 public:
  // Binds this process to GPU (local rank mod the GPUs of its node) and joins the NCCL clique of
  // every rank of `bootstrap` (MPI's, or a SingleProcess). Call before anything touches the GPU.
  explicit NcclCommunicator(Communicator& bootstrap);
  ~NcclCommunicator() override;
  int rank() const override { return bootstrap_.rank(); }
  int size() const override { return bootstrap_.size(); }
  void all_reduce_sum(Tensor& t) override;
  void broadcast(Tensor& t, int root = 0) override;
  Tensor all_gather_rows(const Tensor& t) override;
  void barrier() override;

 private:
  struct Clique;
  Communicator& bootstrap_;
  std::unique_ptr<Clique> clique_;
};

}  // namespace kdup
