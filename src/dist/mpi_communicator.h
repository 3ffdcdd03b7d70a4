// The MPI backend of Communicator: CPU tensors, MPI_COMM_WORLD. Built when CMake finds MPI
// (KDUP_WITH_MPI).
#pragma once
#include "dist/communicator.h"

namespace kdup {

class MpiCommunicator final : public Communicator {
 public:
  // Initialises MPI (threads: funneled, the training thread alone calls MPI).
  MpiCommunicator();
  ~MpiCommunicator() override;
  int rank() const override { return rank_; }
  int size() const override { return size_; }
  void all_reduce_sum(Tensor& t) override;
  void broadcast(Tensor& t, int root = 0) override;
  Tensor all_gather_rows(const Tensor& t) override;
  void barrier() override;

 private:
  int rank_ = 0, size_ = 1;
};

}  // namespace kdup
