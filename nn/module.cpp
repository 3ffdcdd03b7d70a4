#include "nn/module.h"

#include "autograd/grad_mode.h"
#include "ops/dispatch.h"

namespace kdup {

Tensor Module::register_parameter(const std::string& name, Tensor value, bool weight_decay) {
  value.set_requires_grad(true);
  parameters_.push_back({name, value, weight_decay});
  return value;
}

Tensor Module::register_buffer(const std::string& name, Tensor value) {
  buffers_.emplace_back(name, value);
  return value;
}

void Module::collect(const std::string& prefix, NamedTensors& out, bool buffers) const {
  if (buffers)
    for (const auto& [name, t] : buffers_) out.emplace_back(prefix + name, t);
  else
    for (const Parameter& p : parameters_) out.emplace_back(prefix + p.name, p.value);
  for (const auto& [name, child] : children_) child->collect(prefix + name + ".", out, buffers);
}

NamedTensors Module::named_parameters() const {
  NamedTensors out;
  collect("", out, false);
  return out;
}

NamedTensors Module::named_buffers() const {
  NamedTensors out;
  collect("", out, true);
  return out;
}

void Module::collect_parameters(std::vector<Tensor>& out, int decay) const {
  for (const Parameter& p : parameters_)
    if (decay < 0 || p.weight_decay == (decay == 1)) out.push_back(p.value);
  for (const auto& child : children_) child.second->collect_parameters(out, decay);
}

std::vector<Tensor> Module::parameters() const {
  std::vector<Tensor> out;
  collect_parameters(out, -1);
  return out;
}

std::vector<Tensor> Module::decayed_parameters() const {
  std::vector<Tensor> out;
  collect_parameters(out, 1);
  return out;
}

std::vector<Tensor> Module::undecayed_parameters() const {
  std::vector<Tensor> out;
  collect_parameters(out, 0);
  return out;
}

std::vector<std::shared_ptr<Module>> Module::descendants() const {
  std::vector<std::shared_ptr<Module>> out;
  for (const auto& [name, child] : children_) {
    out.push_back(child);
    std::vector<std::shared_ptr<Module>> below = child->descendants();
    out.insert(out.end(), below.begin(), below.end());
  }
  return out;
}

void Module::train(bool on) {
  training_ = on;
  on_train(on);
  for (auto& child : children_) child.second->train(on);
}

void Module::set_branch(int branch) {
  on_branch(branch);
  for (auto& child : children_) child.second->set_branch(branch);
}

void move_in_place(Tensor& t, Device device) {
  if (!t.defined() || t.device() == device) return;
  NoGradGuard no_grad;
  Tensor moved = t.detach().to(device);
  TensorImpl* impl = t.impl();
  impl->storage = moved.impl()->storage;
  impl->strides = moved.strides();
  impl->offset = moved.offset();
  impl->grad.reset();
}

void Module::to(Device device) {
  for (Parameter& p : parameters_) move_in_place(p.value, device);
  for (auto& b : buffers_) move_in_place(b.second, device);
  for (auto& child : children_) child.second->to(device);
}

void Module::copy_from(const Module& other) {
  NamedTensors mine = named_parameters(), theirs = other.named_parameters();
  NamedTensors my_buffers = named_buffers(), their_buffers = other.named_buffers();
  mine.insert(mine.end(), my_buffers.begin(), my_buffers.end());
  theirs.insert(theirs.end(), their_buffers.begin(), their_buffers.end());
  KDUP_CHECK(mine.size() == theirs.size(), "copy_from: modules have " << mine.size() << " and "
                                                                       << theirs.size()
                                                                       << " tensors");
  NoGradGuard no_grad;
  for (size_t i = 0; i < mine.size(); ++i) {
    KDUP_CHECK(mine[i].first == theirs[i].first && mine[i].second.shape() == theirs[i].second.shape(),
               "copy_from: " << mine[i].first << " " << shape_str(mine[i].second.shape())
                             << " does not match " << theirs[i].first << " "
                             << shape_str(theirs[i].second.shape()));
    Tensor source = theirs[i].second.to(mine[i].second.device());
    KDUP_DISPATCH(mine[i].second.device(), copy, source, mine[i].second);
  }
}

}  // namespace kdup
