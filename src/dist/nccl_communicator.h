// The NCCL backend of Communicator: CUDA tensors, one GPU per rank, the collectives on kdup's CUDA
// stream (in order with the kernels, no host synchronisation); CPU tensors (a run's small decisions
// and flags) go through the MPI communicator underneath. Bootstrapped over MPI, as llm.c
// does: rank 0 makes NCCL's unique id and MPI broadcasts it. Built when CMake finds CUDA, NCCL and
// MPI (KDUP_WITH_NCCL).
#pragma once
#include <memory>

#include "dist/mpi_communicator.h"

namespace kdup {

class NcclCommunicator final : public Communicator {
 public:
  // Binds this process to GPU (local rank mod the GPUs of its node) and joins the NCCL clique of
  // every rank of `mpi`. Call before anything touches the GPU.
  explicit NcclCommunicator(MpiCommunicator& mpi);
  ~NcclCommunicator() override;
  int rank() const override { return mpi_.rank(); }
  int size() const override { return mpi_.size(); }
  void all_reduce_sum(Tensor& t) override;
  void broadcast(Tensor& t, int root = 0) override;
  Tensor all_gather_rows(const Tensor& t) override;
  void barrier() override;

 private:
  struct Clique;
  MpiCommunicator& mpi_;
  std::unique_ptr<Clique> clique_;
};

}  // namespace kdup
