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

Edge::Edge(const Tensor& input) {
  if (!input.defined()) return;
  requires_grad = input.requires_grad();
  shape = input.shape();
  node = input.grad_fn();
  if (requires_grad && !node) leaf = input.impl_ptr();
}

Node::Node(const char* name, const std::vector<Tensor>& inputs, BackwardFn backward)
    : name_(name), edges_(inputs.begin(), inputs.end()), backward_(std::move(backward)) {}

Node::~Node() {
  // A naive teardown recurses: the last handle to a node frees it, which frees its input nodes.
  // Instead, a node about to die hands its input nodes to this loop first (dropping its backward
  // function while the loop still holds them), so every node dies with nothing left to free.
  std::vector<std::shared_ptr<Node>> pending;
  for (Edge& edge : edges_)
    if (edge.node) pending.push_back(std::move(edge.node));
  edges_.clear();
  backward_ = nullptr;
  while (!pending.empty()) {
    std::shared_ptr<Node> node = std::move(pending.back());
    pending.pop_back();
    if (node.use_count() != 1) continue;
    for (Edge& edge : node->edges_)
      if (edge.node) pending.push_back(std::move(edge.node));
    node->edges_.clear();
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
    if (next_input < node->edges().size()) {
      const std::shared_ptr<Node>& child = node->edges()[next_input++].node;
      if (child && visited.insert(child.get()).second) stack.push_back({child, 0});
    } else {
      post_order.push_back(node);
      stack.pop_back();
    }
  }
  return {post_order.rbegin(), post_order.rend()};
}

// Gradients are kept dense: contiguous, or channels last as the CPU convolutions make them
// (Tensor::is_channels_last), which the sums below preserve.
void accumulate(std::shared_ptr<TensorImpl>& slot, const Tensor& gradient) {
  if (!slot)
    slot = gradient.contiguous_or_channels_last().impl_ptr();
  else
    slot = add(Tensor(slot), gradient).impl_ptr();
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
    const std::vector<Edge>& edges = node->edges();
    KDUP_CHECK(grads.size() == edges.size(), "backward of '" << node->name() << "' returned "
                                                 << grads.size() << " gradients for "
                                                 << edges.size() << " inputs");
    for (size_t i = 0; i < edges.size(); ++i) {
      const Edge& edge = edges[i];
      if (!edge.requires_grad || !grads[i].defined()) continue;
      KDUP_CHECK(grads[i].shape() == edge.shape,
                 "backward of '" << node->name() << "': gradient " << i << " has shape "
                                 << shape_str(grads[i].shape()) << ", input has "
                                 << shape_str(edge.shape));
      if (edge.node) accumulate(pending[edge.node.get()], grads[i]);
      else accumulate(edge.leaf->grad, grads[i]);
    }
    node->release();
  }
}

}  // namespace kdup
