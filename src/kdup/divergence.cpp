#include "kdup/divergence.h"

#include <cmath>
#include <sstream>

#include "nn/parameter_check.h"

namespace kdup {

void check_step_finite(const std::string& stage, int64_t epoch, int64_t step, int64_t steps,
                       const std::vector<LossTerm>& losses, const SGD& optimizer,
                       const Module& model) {
  bool losses_finite = true;
  for (const LossTerm& term : losses) losses_finite = losses_finite && std::isfinite(term.value);
  const ParameterCheck parameters = check_parameters(optimizer, model);
  if (losses_finite && parameters.ok()) return;
  std::ostringstream message;
  message << stage << " diverged at epoch " << epoch << ", step " << step << "/" << steps << ": ";
  for (size_t i = 0; i < losses.size(); ++i) {
    message << (i == 1 ? " (" : i > 1 ? ", " : "") << losses[i].name << " " << losses[i].value;
    if (i > 0 && i + 1 == losses.size()) message << ")";
  }
  message << ", gradient norm " << parameters.gradient_norm << ", parameters "
          << (parameters.parameters_finite ? "finite" : "not finite") << ", buffers "
          << (parameters.buffers_finite ? "finite" : "not finite");
  throw TrainingDiverged(message.str());
}

}  // namespace kdup
