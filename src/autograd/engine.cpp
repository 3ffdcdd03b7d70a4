// The backward engine: walks the graph from the root in reverse topological order, so a node runs
// only after every consumer of its output has contributed to that output's gradient.
#include <unordered_map>
#include <unordered_set>

#include "autograd/grad_mode.h"
#include "autograd/node.h"
#include "ops/elementwise.h"

namespace kdup {

namespace {
thread_local bool g_grad_enabled = true;
}

bool grad_enabled() { return g_grad_enabled; }
NoGradGuard::NoGradGuard() : previous_(g_grad_enabled) { g_grad_enabled = false; }
NoGradGuard::~NoGradGuard() { g_grad_enabled = previous_; }

bool any_requires_grad(const std::vector<Tensor>& inputs) {
  if (!grad_enabled()) return false;
  for (const Tensor& t : inputs)
    if (t.defined() && t.requires_grad()) return true;
  return false;
}

Node::~Node() {
  // A naive teardown recurses: the last handle to an input frees its node, which frees its inputs.
  // Instead, a node about to die hands its inputs to this loop first (dropping its backward
  // function while the loop still holds those inputs), so every node dies with nothing left to free.
  std::vector<Tensor> pending = std::move(inputs_);
  backward_ = nullptr;
  while (!pending.empty()) {
    Tensor t = std::move(pending.back());
    pending.pop_back();
    if (!t.defined() || t.impl_ptr().use_count() != 1) continue;
    const std::shared_ptr<Node>& node = t.grad_fn();
    if (!node || node.use_count() != 1) continue;
    for (Tensor& input : node->inputs_) pending.push_back(std::move(input));
    node->inputs_.clear();
    node->backward_ = nullptr;
  }
}

Tensor record(const char* name, Tensor output, std::vector<Tensor> inputs,
              Node::BackwardFn backward) {
  if (!any_requires_grad(inputs)) return output;
  output.impl()->grad_fn = std::make_shared<Node>(name, std::move(inputs), std::move(backward));
  output.impl()->requires_grad = true;
  return output;
}

namespace {

// Nodes reachable from root, each after all nodes that consume its output (iterative DFS). The
// list owns the nodes, so releasing one node's inputs cannot free a node still to run.
std::vector<std::shared_ptr<Node>> topological_order(const std::shared_ptr<Node>& root) {
  std::vector<std::shared_ptr<Node>> post_order;
  std::unordered_set<Node*> visited{root.get()};
  std::vector<std::pair<std::shared_ptr<Node>, size_t>> stack{{root, 0}};
  while (!stack.empty()) {
    auto& [node, next_input] = stack.back();
    if (next_input < node->inputs().size()) {
      const Tensor& input = node->inputs()[next_input++];
      if (!input.defined()) continue;
      const std::shared_ptr<Node>& child = input.grad_fn();
      if (child && visited.insert(child.get()).second) stack.push_back({child, 0});
    } else {
      post_order.push_back(node);
      stack.pop_back();
    }
  }
  return {post_order.rbegin(), post_order.rend()};
}

void accumulate(std::shared_ptr<TensorImpl>& slot, const Tensor& gradient) {
  if (!slot) slot = gradient.contiguous().impl_ptr();
  else slot = add(Tensor(slot), gradient).impl_ptr();
}

}  // namespace

void Tensor::backward(const Tensor& gradient) const {
  KDUP_CHECK(requires_grad(), "backward: the tensor does not require a gradient (no graph)");
  Tensor seed = gradient;
  if (!seed.defined()) {
    KDUP_CHECK(numel() == 1, "backward: a tensor of shape " << shape_str(shape())
                                 << " needs an explicit gradient (only scalars default to 1)");
    seed = Tensor::ones(shape(), dtype(), device());
  }
  KDUP_CHECK(seed.shape() == shape(), "backward: gradient of shape " << shape_str(seed.shape())
                                          << " for a tensor of shape " << shape_str(shape()));
  NoGradGuard no_grad;
  if (is_leaf()) {
    accumulate(impl()->grad, seed);
    return;
  }
  const std::vector<std::shared_ptr<Node>> order = topological_order(grad_fn());
  // Checked before any gradient flows, so a refused call leaves every leaf's gradient untouched.
  for (const std::shared_ptr<Node>& node : order)
    KDUP_CHECK(!node->released(),
               "backward: the graph through '" << node->name() << "' was already used once");
  // Gradient of each node's output, filled by its consumers before the node runs.
  std::unordered_map<Node*, std::shared_ptr<TensorImpl>> pending;
  pending[grad_fn().get()] = seed.impl_ptr();
  for (const std::shared_ptr<Node>& node : order) {
    auto found = pending.find(node.get());
    if (found == pending.end()) continue;  // no gradient reached this node
    Tensor grad_output(found->second);
    pending.erase(found);
    std::vector<Tensor> grads = node->apply(grad_output);
    const std::vector<Tensor>& inputs = node->inputs();
    KDUP_CHECK(grads.size() == inputs.size(), "backward of '" << node->name() << "' returned "
                                                  << grads.size() << " gradients for "
                                                  << inputs.size() << " inputs");
    for (size_t i = 0; i < inputs.size(); ++i) {
      const Tensor& input = inputs[i];
      if (!input.defined() || !input.requires_grad() || !grads[i].defined()) continue;
      KDUP_CHECK(grads[i].shape() == input.shape(),
                 "backward of '" << node->name() << "': gradient " << i << " has shape "
                                 << shape_str(grads[i].shape()) << ", input has "
                                 << shape_str(input.shape()));
      if (input.grad_fn()) accumulate(pending[input.grad_fn().get()], grads[i]);
      else accumulate(input.impl()->grad, grads[i]);
    }
    node->release();
  }
}

}  // namespace kdup
