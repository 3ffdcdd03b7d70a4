// Every key of a `kdup train` configuration, with the paper's values as defaults (METHOD.md §3, §5),
// and the conversions from a validated Config to the trainer's structs.
#pragma once
#include "app/config.h"
#include "data/experiment_data.h"
#include "eval/evaluate.h"
#include "kdup/contrastive_model.h"
#include "kdup/pretrain.h"
#include "ops/backend_options.h"

namespace kdup {

const ConfigSchema& train_schema();

Device device_from_config(const Config& cfg);  // run.device: auto | cpu | cuda
// run.deterministic and run.allow_tf32, for set_backend_options before any kernel runs.
BackendOptions backend_options_from(const Config& cfg);
DataPaths data_paths_from_config(const Config& cfg);
// The augmentations of data.dataset: CIFAR's, or the ImageNet recipe at data.image_size.
AugmentViews augment_views_from(const Config& cfg);
ContrastiveModelConfig model_config_from(const Config& cfg);
PretrainConfig pretrain_config_from(const Config& cfg, Device device);
EvalConfig eval_config_from(const Config& cfg, Device device);

}  // namespace kdup
