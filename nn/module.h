// Module: a named tree of parameters (trained), buffers (state such as BN running statistics) and
// child modules, with a train/eval mode. Names are dotted paths ("layer1.0.conv1.weight"), the
// keys of checkpoints.
#pragma once
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "tensor/tensor.h"

namespace kdup {

using NamedTensors = std::vector<std::pair<std::string, Tensor>>;

class Module {
 public:
  virtual ~Module() = default;

  NamedTensors named_parameters() const;
  NamedTensors named_buffers() const;
  std::vector<Tensor> parameters() const;
  // Parameters that take weight decay (conv and linear weights) and those that do not (BN
  // parameters and biases), for an optimizer with two groups.
  std::vector<Tensor> decayed_parameters() const;
  std::vector<Tensor> undecayed_parameters() const;

  // Every module below this one (children first-level first, then theirs), depth-first.
  std::vector<std::shared_ptr<Module>> descendants() const;
  // The descendants of type M, in order.
  template <class M>
  std::vector<std::shared_ptr<M>> descendants_of_type() const {
    std::vector<std::shared_ptr<M>> out;
    for (const auto& m : descendants())
      if (auto typed = std::dynamic_pointer_cast<M>(m)) out.push_back(typed);
    return out;
  }

  void train(bool on = true);
  void eval() { train(false); }
  bool is_training() const { return training_; }
  // Selects which branch of a multi-branch model runs (SDCLR: 0 dense, 1 pruned).
  void set_branch(int branch);

  // Moves every parameter and buffer in place: handles held elsewhere (an optimizer) follow.
  void to(Device device);
  // Copies values from another module of the same structure (names and shapes must match).
  void copy_from(const Module& other);

 protected:
  Tensor register_parameter(const std::string& name, Tensor value, bool weight_decay);
  Tensor register_buffer(const std::string& name, Tensor value);
  template <class M>
  std::shared_ptr<M> register_module(const std::string& name, std::shared_ptr<M> child) {
    children_.emplace_back(name, child);
    return child;
  }
  // Called on every module of the tree when the mode changes.
  virtual void on_train(bool) {}
  virtual void on_branch(int) {}

 private:
  struct Parameter {
    std::string name;
    Tensor value;
    bool weight_decay;
  };
  void collect(const std::string& prefix, NamedTensors& out, bool buffers) const;
  void collect_parameters(std::vector<Tensor>& out, int decay) const;  // decay: -1 all, 0, 1

  std::vector<Parameter> parameters_;
  NamedTensors buffers_;
  std::vector<std::pair<std::string, std::shared_ptr<Module>>> children_;
  bool training_ = true;
};

// Moves a tensor's storage to a device in place, keeping its identity (every handle sees it).
void move_in_place(Tensor& t, Device device);

}  // namespace kdup
