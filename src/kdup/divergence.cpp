#include "kdup/divergence.h"

#include <cmath>
#include <sstream>

#include "ops/read_together.h"

namespace kdup {

StepValues read_step_values(const std::vector<std::pair<std::string, Tensor>>& losses,
                            const SGD& optimizer, const Module& model, const Tensor& extra) {
  std::vector<Tensor> tensors;
  for (const auto& [name, value] : losses) tensors.push_back(value);
  tensors.push_back(parameter_check_sums(optimizer, model));
  tensors.push_back(extra);
  std::vector<std::vector<double>> read = read_together(tensors);
  StepValues values;
  for (size_t i = 0; i < losses.size(); ++i)
    values.losses.push_back({losses[i].first, read[i].empty() ? 0.0 : read[i].front()});
  values.parameters = parameter_check_from(read[losses.size()]);
  values.extra = std::move(read.back());
  return values;
}

void check_step_finite(const std::string& stage, int64_t epoch, int64_t step, int64_t steps,
                       const StepValues& values) {
  const std::vector<LossTerm>& losses = values.losses;
  const ParameterCheck& parameters = values.parameters;
  bool losses_finite = true;
  for (const LossTerm& term : losses) losses_finite = losses_finite && std::isfinite(term.value);
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
