// How the processes of one data-parallel training run talk to each other (one process per GPU, or
// several on a CPU, started by `mpirun -np N`). Every call is collective: all ranks make it, in the
// same order, with tensors of the same shape and dtype. The engines are the field's own: MPI for
// CPU tensors, NCCL for CUDA tensors (its unique id shared over MPI); a single process talks to
// itself and every call returns at once.
#pragma once
#include <memory>
#include <string>

#include "tensor/tensor.h"

namespace kdup {

class Communicator {
 public:
  virtual ~Communicator() = default;
  virtual int rank() const = 0;
  virtual int size() const = 0;
  bool is_root() const { return rank() == 0; }

  // t <- the sum of t over the ranks, on every rank (t contiguous, floating).
  virtual void all_reduce_sum(Tensor& t) = 0;
  // t <- root's t, on every rank (t contiguous).
  virtual void broadcast(Tensor& t, int root = 0) = 0;
  // Every rank's t (the same shape on each), stacked along dim 0 in rank order: [size * n, ...].
  // No gradient (see dist/all_gather.h for the differentiable one).
  virtual Tensor all_gather_rows(const Tensor& t) = 0;
  virtual void barrier() = 0;
};

// One process: rank 0 of 1.
class SingleProcess final : public Communicator {
 public:
  int rank() const override { return 0; }
  int size() const override { return 1; }
  void all_reduce_sum(Tensor&) override {}
  void broadcast(Tensor&, int) override {}
  Tensor all_gather_rows(const Tensor& t) override { return t; }
  void barrier() override {}
};

// A SingleProcess for code that runs alone (the default of the trainers).
Communicator& single_process();

// The communicator of this process for tensors on `device`: a SingleProcess unless started by an
// MPI launcher with several processes; then MPI's for CPU tensors and, for CUDA tensors, NCCL's
// over MPI (which binds each process to a GPU, so ask for it before anything touches the GPU).
// Created on first use; MPI is finalised at exit.
Communicator& process_communicator(Device device = Device::cpu);

// "rank R of N: " when this process is one of several MPI ranks, else "".
std::string rank_label();

// Ends every process of the job with `exit_code` (MPI_Abort) when this process is one of several
// MPI ranks, so that no rank waits forever in a collective for one that failed; returns otherwise.
// An error must not end a rank through MPI_Finalize, which waits for the others.
void abort_every_rank(int exit_code);

// True when this process was started by an MPI launcher with more than one process (Open MPI's
// mpirun sets OMPI_COMM_WORLD_SIZE, MPICH's PMI_SIZE).
bool launched_by_mpi();

}  // namespace kdup
