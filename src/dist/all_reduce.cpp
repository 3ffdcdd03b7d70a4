#include "dist/all_reduce.h"

#include "autograd/grad_mode.h"
#include "autograd/node.h"

namespace kdup {

Tensor all_reduce_sum(Communicator& communicator, const Tensor& x) {
  Tensor total;
  {
    NoGradGuard no_grad;
    total = x.detach().contiguous().clone();
    communicator.all_reduce_sum(total);
  }
  return record("all_reduce_sum", total, {x}, [&communicator](const Tensor& g) {
    Tensor summed = g.contiguous().clone();
    communicator.all_reduce_sum(summed);
    return std::vector<Tensor>{summed};
  });
}

}  // namespace kdup
