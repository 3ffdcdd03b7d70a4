// Helpers of the trainer tests: a tiny model, random images, index lists, a model's values,
// divergence.
#pragma once
#include <string>
#include <vector>

#include "kdup/contrastive_model.h"
#include "kdup/divergence.h"
#include "nn/module.h"
#include "test_util.h"

namespace kdup::test {

// The trainer tests' network: ResNet-18 at width 1/16, projection 16 -> 8, `branches` batch-norm
// branches (2: SDCLR's pruned branch).
inline ContrastiveModelConfig tiny_model_config(uint64_t seed = 5, int branches = 1) {
  ContrastiveModelConfig c;
  c.backbone.width = 1.0 / 16;
  c.backbone.bn_branches = branches;
  c.backbone.seed = seed;
  c.projection_hidden = 16;
  c.projection_dim = 8;
  return c;
}

// n random uint8 RGB images of 32x32 (NHWC), seeded.
inline Tensor random_images(int64_t n, uint64_t seed) { return random_images(n, 32, seed); }

inline std::vector<int64_t> first_ids(int64_t n) {
  std::vector<int64_t> ids(n);
  for (int64_t i = 0; i < n; ++i) ids[i] = i;
  return ids;
}

// Every parameter and buffer value of a module, in order: two modules are the same network exactly
// when these are equal.
inline std::vector<float> all_values(const Module& m) {
  std::vector<float> out;
  for (const NamedTensors& group : {m.named_parameters(), m.named_buffers()})
    for (const auto& [name, t] : group) {
      std::vector<float> v = t.to_vector<float>();
      out.insert(out.end(), v.begin(), v.end());
    }
  return out;
}

// Runs f, which must throw TrainingDiverged with a one-line message holding every fragment.
template <class F>
void expect_divergence(F f, const std::vector<std::string>& fragments) {
  try {
    f();
    ADD_FAILURE() << "expected the training to diverge";
  } catch (const TrainingDiverged& e) {
    const std::string message = e.what();
    EXPECT_EQ(message.find('\n'), std::string::npos) << message;
    for (const std::string& fragment : fragments)
      EXPECT_NE(message.find(fragment), std::string::npos)
          << "message '" << message << "' lacks '" << fragment << "'";
  }
}

}  // namespace kdup::test
