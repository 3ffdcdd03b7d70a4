#include "dist/communicator.h"

#include <cstdlib>
#include <string>

#ifdef KDUP_WITH_MPI
#include <mpi.h>

#include "dist/mpi_communicator.h"
#endif
#ifdef KDUP_WITH_NCCL
#include "dist/nccl_communicator.h"
#endif

namespace kdup {

bool launched_by_mpi() {
  for (const char* size_variable : {"OMPI_COMM_WORLD_SIZE", "PMI_SIZE"}) {
    const char* value = std::getenv(size_variable);
    if (value && std::atoi(value) > 1) return true;
  }
  return false;
}

Communicator& single_process() {
  static SingleProcess one;
  return one;
}

Communicator& process_communicator(Device device) {
#ifdef KDUP_WITH_MPI
  // Destroyed at exit in the reverse order: NCCL's clique first, then MPI (finalised).
  static std::unique_ptr<MpiCommunicator> mpi(launched_by_mpi() ? new MpiCommunicator() : nullptr);
  if (!mpi) return single_process();
  if (device == Device::cpu) return *mpi;
#ifdef KDUP_WITH_NCCL
  static std::unique_ptr<Communicator> nccl(new NcclCommunicator(*mpi));
  return *nccl;
#else
  KDUP_CHECK(false, "started by mpirun on " << device_name(device)
                                            << ", but this build of kdup has no NCCL (rebuild with "
                                               "the CUDA toolkit's NCCL)");
  return single_process();
#endif
#else
  (void)device;
  KDUP_CHECK(!launched_by_mpi(),
             "started by mpirun with several processes, but this build of kdup has no MPI "
             "(install OpenMPI, `make deps`, and rebuild)");
  return single_process();
#endif
}

#ifdef KDUP_WITH_MPI
namespace {
// This process's rank and the job's size when MPI is running, else {0, 1}.
std::pair<int, int> mpi_rank_and_size() {
  int initialised = 0, finalised = 0;
  MPI_Initialized(&initialised);
  MPI_Finalized(&finalised);
  if (!initialised || finalised) return {0, 1};
  int rank = 0, size = 1;
  MPI_Comm_rank(MPI_COMM_WORLD, &rank);
  MPI_Comm_size(MPI_COMM_WORLD, &size);
  return {rank, size};
}
}  // namespace

std::string rank_label() {
  const auto [rank, size] = mpi_rank_and_size();
  return size > 1 ? "rank " + std::to_string(rank) + " of " + std::to_string(size) + ": " : "";
}

void abort_every_rank(int exit_code) {
  if (mpi_rank_and_size().second > 1) MPI_Abort(MPI_COMM_WORLD, exit_code);
}
#else
std::string rank_label() { return ""; }
void abort_every_rank(int) {}
#endif

}  // namespace kdup
