// A node of the dynamic autograd graph: the op that made a tensor, the inputs it read, and a
// function from the output's gradient to one gradient per input.
#pragma once
#include <functional>
#include <vector>

#include "tensor/tensor.h"

namespace kdup {

class Node {
 public:
  // Returns one gradient per input, in order; an undefined Tensor for an input that needs none.
  using BackwardFn = std::function<std::vector<Tensor>(const Tensor& grad_output)>;

  Node(const char* name, std::vector<Tensor> inputs, BackwardFn backward)
      : name_(name), inputs_(std::move(inputs)), backward_(std::move(backward)) {}
  // Frees the graph below iteratively, so dropping a very deep graph cannot overflow the stack.
  ~Node();
  Node(const Node&) = delete;
  Node& operator=(const Node&) = delete;

  const char* name() const { return name_; }
  const std::vector<Tensor>& inputs() const { return inputs_; }
  std::vector<Tensor> apply(const Tensor& grad_output) const { return backward_(grad_output); }
  // Frees what the node holds once its gradient has flowed (the graph is used once).
  void release() {
    inputs_.clear();
    backward_ = nullptr;
  }
  bool released() const { return !backward_; }

 private:
  const char* name_;
  std::vector<Tensor> inputs_;
  BackwardFn backward_;
};

// Makes `output` the result of a differentiable op: when grad mode is on and an input requires a
// gradient, `output` gets a node calling `backward`. The backward function must not capture
// `output` itself (that would be a reference cycle): capture `output.detach()` instead.
Tensor record(const char* name, Tensor output, std::vector<Tensor> inputs,
              Node::BackwardFn backward);

// True when some input requires a gradient and grad mode is on.
bool any_requires_grad(const std::vector<Tensor>& inputs);

}  // namespace kdup
