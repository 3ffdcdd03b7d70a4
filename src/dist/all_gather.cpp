#include "dist/all_gather.h"

#include "autograd/grad_mode.h"
#include "autograd/node.h"

namespace kdup {

Tensor all_gather_rows(Communicator& communicator, const Tensor& x) {
  KDUP_CHECK(x.defined() && x.dim() >= 1,
             "all_gather_rows: expected a tensor of rank 1 or more, got "
                 << (x.defined() ? shape_str(x.shape()) : std::string("nothing")));
  Tensor gathered;
  {
    NoGradGuard no_grad;
    gathered = communicator.all_gather_rows(x.detach());
  }
  const int64_t rows = x.shape()[0], first = communicator.rank() * rows;
  return record("all_gather_rows", gathered, {x}, [first, rows](const Tensor& g) {
    return std::vector<Tensor>{g.slice(0, first, first + rows).contiguous()};
  });
}

}  // namespace kdup
