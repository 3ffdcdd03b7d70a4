#include "ops/loss.h"

#include "ops/checks.h"
#include "ops/elementwise.h"
#include "ops/indexing.h"
#include "ops/reduce.h"
#include "ops/softmax.h"

namespace kdup {

Tensor cross_entropy(const Tensor& logits, const Tensor& labels) {
  check_floating("cross_entropy", logits);
  check_rank("cross_entropy", logits, 2, "the logits");
  check_dtype("cross_entropy", labels, DType::i64, "the labels");
  check_rank("cross_entropy", labels, 1, "the labels");
  check_same_device("cross_entropy", logits, labels);
  const int64_t rows = logits.shape()[0], classes = logits.shape()[1];
  KDUP_CHECK(labels.shape()[0] == rows, "cross_entropy: " << labels.shape()[0]
                                            << " labels for logits " << shape_str(logits.shape()));
  KDUP_CHECK(rows > 0, "cross_entropy: empty batch, logits " << shape_str(logits.shape()));
  check_index_bounds("cross_entropy", labels, classes, "a label");
  // loss = -(1/N) sum_i log_softmax(logits)_i[label_i]
  Tensor picked = gather(log_softmax(logits, 1), 1, labels.reshape({rows, 1}));
  return -mean(picked);
}

}  // namespace kdup
