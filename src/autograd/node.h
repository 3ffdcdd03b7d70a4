// A node of the dynamic autograd graph: the op that made a tensor, an edge to each input it read,
// and a function from the output's gradient to one gradient per input. An edge holds the input's
// node, not the input: an intermediate tensor lives only as long as something (a backward function
// that saved it, the caller) still holds it.
#pragma once
#include <functional>
#include <vector>

#include "tensor/tensor.h"

namespace kdup {

class Node;

// Where an input's gradient goes: into its node's pending gradient (an op's result) or into the
// .grad of a leaf that requires one.
struct Edge {
  std::shared_ptr<Node> node;              // the input's node; null for a leaf
  std::shared_ptr<TensorImpl> leaf;        // the leaf itself when it requires a gradient
  Shape shape;                             // the input's shape, to check its gradient against
  bool requires_grad = false;

  explicit Edge(const Tensor& input);
};

class Node {
 public:
  // Returns one gradient per input, in order; an undefined Tensor for an input that needs none.
  using BackwardFn = std::function<std::vector<Tensor>(const Tensor& grad_output)>;

  Node(const char* name, const std::vector<Tensor>& inputs, BackwardFn backward);
  // Frees the graph below iteratively, so dropping a very deep graph cannot overflow the stack.
  ~Node();
  Node(const Node&) = delete;
  Node& operator=(const Node&) = delete;

  const char* name() const { return name_; }
  const std::vector<Edge>& edges() const { return edges_; }
  std::vector<Tensor> apply(const Tensor& grad_output) const { return backward_(grad_output); }
  // Frees what the node holds once its gradient has flowed (the graph is used once).
  void release() {
    edges_.clear();
    backward_ = nullptr;
  }
  bool released() const { return !backward_; }

 private:
  const char* name_;
  std::vector<Edge> edges_;
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
