// The configuration keys of the method (KDUP stage 1 and stage 2, COLT and the ablations) and the
// conversions to the trainers' structs. Every [choice] of METHOD.md is a key; the defaults are the
// paper's values.
#pragma once
#include "app/config.h"
#include "kdup/stage1_config.h"
#include "kdup/stage2_trainer.h"

namespace kdup {

// Adds the ood.*, stage1.* and stage2.* keys to a schema.
void add_method_keys(ConfigSchema& schema);

Stage1Config stage1_config_from(const Config& cfg, const PretrainConfig& base);
Stage2Config stage2_config_from(const Config& cfg, Device device);

}  // namespace kdup
