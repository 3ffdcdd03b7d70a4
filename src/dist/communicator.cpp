#include "dist/communicator.h"

#include <cstdlib>
#include <string>

#ifdef KDUP_WITH_MPI
#include "dist/mpi_communicator.h"
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

Communicator& process_communicator() {
  // Destroyed at exit, which finalises MPI.
#ifdef KDUP_WITH_MPI
  static std::unique_ptr<Communicator> communicator =
      launched_by_mpi() ? std::unique_ptr<Communicator>(new MpiCommunicator())
                        : std::unique_ptr<Communicator>(new SingleProcess());
#else
  KDUP_CHECK(!launched_by_mpi(),
             "started by mpirun with several processes, but this build of kdup has no MPI "
             "(install OpenMPI, `make deps`, and rebuild)");
  static std::unique_ptr<Communicator> communicator(new SingleProcess());
#endif
  return *communicator;
}

}  // namespace kdup
