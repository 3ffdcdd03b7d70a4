// Divergence: a training step whose loss, gradient norm or parameters are not finite stops the
// run at that step. The trainers check every step and throw TrainingDiverged with a one-line
// message naming the stage, the epoch, the step and the loss terms; the diverged state is never
// saved, so the last checkpoint written stays the last good one.
#pragma once
#include <string>
#include <utility>
#include <vector>

#include "nn/module.h"
#include "nn/parameter_check.h"
#include "nn/sgd.h"
#include "tensor/error.h"

namespace kdup {

struct TrainingDiverged : Error {
  using Error::Error;
};

struct LossTerm {
  std::string name;  // "loss" for the total, then its terms ("contrastive", "domain", ...)
  double value = 0;
};

// What the host learns of one training step, read from the device in one copy after
// optimizer.step() (a GPU waits once per step, not once per value): the loss terms, the parameter
// check, and `extra`, values the method keeps on the host (COLT's batch scores).
struct StepValues {
  std::vector<LossTerm> losses;
  ParameterCheck parameters;
  std::vector<double> extra;
  double loss() const { return losses.front().value; }
  double term(size_t i) const { return losses.at(i).value; }
};

// losses: the total first, then its terms; an undefined term reads as 0.
StepValues read_step_values(const std::vector<std::pair<std::string, Tensor>>& losses,
                            const SGD& optimizer, const Module& model,
                            const Tensor& extra = Tensor());

// Throws TrainingDiverged unless every loss term, the gradient norm, every parameter of the
// optimiser and every buffer of the trained model are finite. epoch and step are 1-based, steps is
// the epoch's number of steps, e.g. (one line)
//   "stage1 diverged at epoch 3, step 5/12: loss nan (contrastive nan, domain 0.0312),
//    gradient norm inf, parameters not finite, buffers finite"
void check_step_finite(const std::string& stage, int64_t epoch, int64_t step, int64_t steps,
                       const StepValues& values);

}  // namespace kdup
