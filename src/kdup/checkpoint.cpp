#include "kdup/checkpoint.h"

#include "autograd/grad_mode.h"
#include "io/safetensors.h"
#include "ops/dispatch.h"

namespace kdup {

void save_checkpoint(const std::string& path, const Module& model, const SGD& optimizer,
                     const TrainingState& state) {
  NamedTensors tensors;
  for (const auto& [name, t] : model.named_parameters()) tensors.emplace_back("model." + name, t);
  for (const auto& [name, t] : model.named_buffers()) tensors.emplace_back("model." + name, t);
  const auto& buffers = optimizer.momentum_buffers();
  for (size_t i = 0; i < buffers.size(); ++i)
    if (buffers[i].defined())
      tensors.emplace_back("optimizer.momentum." + std::to_string(i), buffers[i]);
  for (const auto& [name, t] : state.extra) tensors.emplace_back("state." + name, t);
  std::map<std::string, std::string> metadata = state.metadata;
  metadata["epoch"] = std::to_string(state.epoch);
  metadata["step"] = std::to_string(state.step);
  write_safetensors(path, tensors, metadata);
}

TrainingState load_checkpoint(const std::string& path, Module& model, SGD* optimizer) {
  SafetensorsFile file = read_safetensors(path);
  NoGradGuard no_grad;
  auto restore = [&](const std::string& name, Tensor target) {
    KDUP_CHECK(file.contains(name), path << ": checkpoint has no tensor '" << name << "'");
    const Tensor& value = file.at(name);
    KDUP_CHECK(value.shape() == target.shape(), path << ": tensor '" << name << "' has shape "
                                                     << shape_str(value.shape()) << ", the model "
                                                     << shape_str(target.shape()));
    Tensor source = value.to(target.device());
    KDUP_DISPATCH(target.device(), copy, source, target);
  };
  for (const auto& [name, t] : model.named_parameters()) restore("model." + name, t);
  for (const auto& [name, t] : model.named_buffers()) restore("model." + name, t);
  if (optimizer) {
    std::vector<Tensor> params;  // in the order of the momentum buffers
    for (const ParamGroup& group : optimizer->groups())
      params.insert(params.end(), group.params.begin(), group.params.end());
    auto& buffers = optimizer->momentum_buffers();
    for (size_t i = 0; i < buffers.size(); ++i) {
      const std::string name = "optimizer.momentum." + std::to_string(i);
      buffers[i] = file.contains(name) ? file.at(name).to(params[i].device()) : Tensor();
    }
  }
  TrainingState state;
  state.metadata = file.metadata;
  KDUP_CHECK(file.metadata.count("epoch") && file.metadata.count("step"),
             path << ": checkpoint metadata lacks the epoch or step");
  state.epoch = std::stoll(file.metadata.at("epoch"));
  state.step = std::stoll(file.metadata.at("step"));
  for (const auto& [name, t] : file.tensors)
    if (name.rfind("state.", 0) == 0) state.extra.emplace_back(name.substr(6), t);
  return state;
}

}  // namespace kdup
