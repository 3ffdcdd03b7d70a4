#include "dist/mpi_communicator.h"

#include <mpi.h>

namespace kdup {
namespace {

void check(int code, const char* call) {
  if (code == MPI_SUCCESS) return;
  char text[MPI_MAX_ERROR_STRING];
  int length = 0;
  MPI_Error_string(code, text, &length);
  KDUP_CHECK(false, call << " failed: " << std::string(text, static_cast<size_t>(length)));
}

MPI_Datatype mpi_type(DType dtype) {
  switch (dtype) {
    case DType::f32: return MPI_FLOAT;
    case DType::f64: return MPI_DOUBLE;
    case DType::i64: return MPI_INT64_T;
    case DType::u8: return MPI_UINT8_T;
  }
  KDUP_CHECK(false, "MPI: no MPI type for dtype " << dtype_name(dtype));
  return MPI_DATATYPE_NULL;
}

void check_cpu_contiguous(const char* op, const Tensor& t) {
  KDUP_CHECK(t.device() == Device::cpu && t.is_contiguous(),
             op << ": the MPI backend takes contiguous CPU tensors, got "
                << device_name(t.device()) << (t.is_contiguous() ? "" : " (strided)"));
}

}  // namespace

MpiCommunicator::MpiCommunicator() {
  int initialised = 0;
  check(MPI_Initialized(&initialised), "MPI_Initialized");
  if (!initialised) {
    int provided = 0;
    check(MPI_Init_thread(nullptr, nullptr, MPI_THREAD_FUNNELED, &provided), "MPI_Init_thread");
  }
  // Errors come back as codes (thrown as kdup::Error), not as MPI's own abort.
  MPI_Comm_set_errhandler(MPI_COMM_WORLD, MPI_ERRORS_RETURN);
  check(MPI_Comm_rank(MPI_COMM_WORLD, &rank_), "MPI_Comm_rank");
  check(MPI_Comm_size(MPI_COMM_WORLD, &size_), "MPI_Comm_size");
}

MpiCommunicator::~MpiCommunicator() {
  int finalised = 0;
  MPI_Finalized(&finalised);
  if (!finalised) MPI_Finalize();
}

void MpiCommunicator::all_reduce_sum(Tensor& t) {
  check_cpu_contiguous("all_reduce_sum", t);
  KDUP_CHECK(is_floating(t.dtype()), "all_reduce_sum: expected a floating tensor, got "
                                         << dtype_name(t.dtype()));
  check(MPI_Allreduce(MPI_IN_PLACE, t.raw_data(), static_cast<int>(t.numel()),
                      mpi_type(t.dtype()), MPI_SUM, MPI_COMM_WORLD),
        "MPI_Allreduce");
}

void MpiCommunicator::broadcast(Tensor& t, int root) {
  check_cpu_contiguous("broadcast", t);
  check(MPI_Bcast(t.raw_data(), static_cast<int>(t.numel()), mpi_type(t.dtype()), root,
                  MPI_COMM_WORLD),
        "MPI_Bcast");
}

Tensor MpiCommunicator::all_gather_rows(const Tensor& t) {
  const Tensor local = t.contiguous();
  check_cpu_contiguous("all_gather_rows", local);
  KDUP_CHECK(local.dim() >= 1, "all_gather_rows: expected a tensor of rank 1 or more");
  Shape shape = local.shape();
  shape[0] *= size_;
  Tensor out = Tensor::empty(shape, local.dtype());
  const int count = static_cast<int>(local.numel());
  check(MPI_Allgather(local.raw_data(), count, mpi_type(local.dtype()), out.raw_data(), count,
                      mpi_type(local.dtype()), MPI_COMM_WORLD),
        "MPI_Allgather");
  return out;
}

void MpiCommunicator::barrier() { check(MPI_Barrier(MPI_COMM_WORLD), "MPI_Barrier"); }

}  // namespace kdup
