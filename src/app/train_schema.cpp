#include "app/train_schema.h"

#include "app/method_schema.h"

namespace kdup {

const ConfigSchema& train_schema() {
  static const ConfigSchema schema = [] {
    ConfigSchema s;
    const NumberRange positive{1e-12, 1e12}, non_negative{0, 1e12}, unit{0, 1};
    s.add_string("run.name", "run", "run directory name under run.dir")
        .add_string("run.dir", "runs", "where run directories are created")
        .add_string("run.label", "SimCLR", "row label in results tables")
        .add_string("run.device", "auto", "auto (cuda when a GPU is present), cpu or cuda",
                    {"auto", "cpu", "cuda"})
        .add_integer("run.checkpoint_every", 10, "epochs between checkpoints (and at the end)",
                     {1, 1e9})
        .add_integer("run.keep_checkpoints", 3,
                     "checkpoints kept of each stage: the latest few (0: all); the latest, which "
                     "--resume needs, is never removed",
                     {0, 1e9})
        .add_integer("run.keep_every", 100,
                     "checkpoints at every N-th epoch also kept, e.g. for --from (0: none)",
                     {0, 1e9})
        .add_integer("run.seed", 0,
                     "the one seed of a run: initialisation, shuffling, augmentation, every draw "
                     "of the method, the probes",
                     {0, 1e15})
        .add_integer("run.knn_every", 0, "epochs between k-NN monitor evaluations (0: never)",
                     {0, 1e9})
        .add_bool("run.deterministic", false,
                  "CUDA: bitwise-reproducible kernels (deterministic cuDNN algorithms, ordered "
                  "scatter sums instead of atomics), somewhat slower")
        .add_bool("run.allow_tf32", false,
                  "CUDA: float32 convolutions may use TF32 tensor cores (Ampere and later); off "
                  "keeps float32 results within rounding of the CPU")
        // data
        .add_string("data.dataset", "cifar10", "dataset: CIFAR binary files, or image lists",
                    {"cifar10", "cifar100", "image_list"})
        .add_string("data.root", "datasets/cifar-10-batches-bin",
                    "folder of the binary files (cifar) or of the listed images (image_list)")
        .add_string("data.pretrain_split", "datasets/splits/cifar10/split1_D_i.npy",
                    "long-tailed pre-training indices D_i (.npy); empty: generate")
        .add_string("data.probe_train_split", "datasets/splits/cifar10/trainIdxList.npy",
                    "balanced linear-probe training indices (.npy); empty: all training images")
        .add_string("data.val_split", "datasets/splits/cifar10/valIdxList.npy",
                    "validation indices (.npy) for the probe's epoch choice; empty: test set")
        .add_string("data.fewshot_split", "datasets/splits/cifar10/split1_S_b.npy",
                    "1% few-shot indices (.npy); empty: no few-shot probe")
        .add_number("data.imbalance_ratio", 100, "imbalance of a generated D_i", {1, 1e6})
        .add_integer("data.subset_seed", 0, "seed of a generated D_i", {0, 1e15})
        .add_integer("data.limit_probe_train", 0,
                     "keep an evenly spaced N of the probe training list (0: all)", {0, 1e9})
        .add_integer("data.limit_test", 0, "keep an evenly spaced N of the test set (0: all)",
                     {0, 1e9})
        .add_string("data.pretrain_list", "", "image_list: long-tailed pre-training list D_i")
        .add_string("data.probe_train_list", "", "image_list: balanced linear-probe list")
        .add_string("data.val_list", "", "image_list: validation list (empty: test set)")
        .add_string("data.fewshot_list", "", "image_list: 1% few-shot list (empty: none)")
        .add_string("data.test_list", "", "image_list: balanced test list")
        .add_integer("data.image_size", 224,
                     "image_list: stored side (shorter side resized, centre crop) and crop size",
                     {8, 4096})
        // model
        .add_string("model.depth", "resnet18", "backbone", {"resnet18", "resnet50"})
        .add_bool("model.cifar_stem", true, "3x3 stride-1 stem without max-pool (small images)")
        .add_number("model.width", 1.0, "channel multiplier of the backbone", {1e-3, 16})
        .add_integer("model.projection_hidden", 512, "projection head hidden size", {1, 1e6})
        .add_integer("model.projection_dim", 128, "projection size", {1, 1e6})
        .add_bool("model.sync_batch_norm", false,
                  "under mpirun: batch-norm statistics over the global batch (N processes then "
                  "train as one); false: each process's own rows, as the reference SimCLR code")
        // training
        .add_string("train.method", "simclr", "base method", {"simclr", "sdclr"})
        .add_integer("train.epochs", 2000, "epochs", {1, 1e9})
        .add_integer("train.batch_size", 512, "images per batch (two views each)", {2, 1e9})
        .add_number("train.temperature", 0.2, "NT-Xent temperature tau", positive)
        .add_number("train.prune_ratio", 0.9, "SDCLR pruning ratio", {0, 0.999})
        .add_number("optim.lr", 0.5, "base learning rate", positive)
        .add_number("optim.momentum", 0.9, "SGD momentum", unit)
        .add_number("optim.weight_decay", 1e-4, "weight decay (conv/linear weights only)",
                    non_negative)
        .add_integer("optim.warmup_epochs", 10, "linear warm-up epochs before the cosine", {0, 1e9})
        .add_number("optim.final_lr", 1e-6, "learning rate at the end of the cosine", non_negative)
        // evaluation
        .add_bool("eval.linear", true, "run the linear probe")
        .add_bool("eval.fewshot", true, "run the 1% few-shot probe")
        .add_bool("eval.cached_features", false,
                  "probe on features computed once without augmentation (labelled as such)")
        .add_integer("eval.probe_epochs", 30, "linear probe epochs", {1, 1e6})
        .add_number("eval.probe_lr", 30, "linear probe learning rate", positive)
        .add_numbers("eval.probe_milestones", {10, 20}, "epochs where the probe lr drops x0.1",
                     {0, 1e6})
        .add_integer("eval.probe_batch_size", 128, "linear probe batch size", {1, 1e9})
        .add_integer("eval.fewshot_epochs", 100, "few-shot probe epochs", {1, 1e6})
        .add_numbers("eval.fewshot_milestones", {40, 60}, "few-shot lr drops x0.1", {0, 1e6})
        .add_integer("eval.knn_k", 200, "neighbours of the k-NN monitor", {1, 1e6})
        .add_integer("eval.batch_size", 256, "batch size of embedding passes", {1, 1e9});
    add_method_keys(s);
    return s;
  }();
  return schema;
}

Device device_from_config(const Config& cfg) {
  const std::string& d = cfg.string("run.device");
  if (d == "cpu") return Device::cpu;
  if (d == "cuda") {
    KDUP_CHECK(cuda_available(), "run.device: cuda was asked for, but no usable GPU was found");
    return Device::cuda;
  }
  return cuda_available() ? Device::cuda : Device::cpu;
}

BackendOptions backend_options_from(const Config& cfg) {
  BackendOptions options;
  options.deterministic = cfg.boolean("run.deterministic");
  options.allow_tf32 = cfg.boolean("run.allow_tf32");
  return options;
}

DataPaths data_paths_from_config(const Config& cfg) {
  DataPaths p;
  p.dataset = cfg.string("data.dataset");
  p.root = cfg.string("data.root");
  p.pretrain_split = cfg.string("data.pretrain_split");
  p.probe_train_split = cfg.string("data.probe_train_split");
  p.val_split = cfg.string("data.val_split");
  p.fewshot_split = cfg.string("data.fewshot_split");
  p.imbalance_ratio = cfg.number("data.imbalance_ratio");
  p.subset_seed = static_cast<uint64_t>(cfg.integer("data.subset_seed"));
  p.limit_probe_train = cfg.integer("data.limit_probe_train");
  p.limit_test = cfg.integer("data.limit_test");
  p.pretrain_list = cfg.string("data.pretrain_list");
  p.probe_train_list = cfg.string("data.probe_train_list");
  p.val_list = cfg.string("data.val_list");
  p.fewshot_list = cfg.string("data.fewshot_list");
  p.test_list = cfg.string("data.test_list");
  p.image_size = cfg.integer("data.image_size");
  if (p.dataset != "image_list")
    for (const char* key : {"data.pretrain_list", "data.probe_train_list", "data.val_list",
                            "data.fewshot_list", "data.test_list"})
      KDUP_CHECK(cfg.string(key).empty(),
                 key << ": image lists need data.dataset image_list, not " << p.dataset);
  return p;
}

AugmentViews augment_views_from(const Config& cfg) {
  return cfg.string("data.dataset") == "image_list" ? imagenet_views(cfg.integer("data.image_size"))
                                                    : cifar_views();
}

ContrastiveModelConfig model_config_from(const Config& cfg) {
  ContrastiveModelConfig m;
  m.backbone.depth = cfg.string("model.depth");
  m.backbone.cifar_stem = cfg.boolean("model.cifar_stem");
  m.backbone.width = cfg.number("model.width");
  m.backbone.bn_branches = cfg.string("train.method") == "sdclr" ? 2 : 1;
  m.backbone.seed = static_cast<uint64_t>(cfg.integer("run.seed"));
  m.projection_hidden = cfg.integer("model.projection_hidden");
  m.projection_dim = cfg.integer("model.projection_dim");
  return m;
}

PretrainConfig pretrain_config_from(const Config& cfg, Device device) {
  PretrainConfig p;
  p.method = cfg.string("train.method");
  p.epochs = cfg.integer("train.epochs");
  p.batch_size = cfg.integer("train.batch_size");
  p.temperature = cfg.number("train.temperature");
  p.prune_ratio = cfg.number("train.prune_ratio");
  p.sync_batch_norm = cfg.boolean("model.sync_batch_norm");
  p.seed = static_cast<uint64_t>(cfg.integer("run.seed"));
  p.lr = cfg.number("optim.lr");
  p.momentum = cfg.number("optim.momentum");
  p.weight_decay = cfg.number("optim.weight_decay");
  p.warmup_epochs = cfg.integer("optim.warmup_epochs");
  p.final_lr = cfg.number("optim.final_lr");
  p.device = device;
  p.views = augment_views_from(cfg);
  return p;
}

static std::vector<int64_t> as_epochs(const std::vector<double>& values) {
  return std::vector<int64_t>(values.begin(), values.end());
}

EvalConfig eval_config_from(const Config& cfg, Device device) {
  EvalConfig e;
  e.linear = cfg.boolean("eval.linear");
  e.fewshot = cfg.boolean("eval.fewshot");
  e.cached_features = cfg.boolean("eval.cached_features");
  const uint64_t seed = static_cast<uint64_t>(cfg.integer("run.seed"));
  e.probe = {cfg.integer("eval.probe_epochs"), cfg.number("eval.probe_lr"), 0.9, 0.0,
             cfg.integer("eval.probe_batch_size"), as_epochs(cfg.numbers("eval.probe_milestones")),
             0.1, seed};
  e.fewshot_probe = e.probe;
  e.fewshot_probe.epochs = cfg.integer("eval.fewshot_epochs");
  e.fewshot_probe.milestones = as_epochs(cfg.numbers("eval.fewshot_milestones"));
  e.knn_k = cfg.integer("eval.knn_k");
  e.batch_size = cfg.integer("eval.batch_size");
  e.device = device;
  e.views = augment_views_from(cfg);
  // Many/Medium/Few: CIFAR's thirds; ImageNet-100-LT and Places-LT by count (METHOD.md §5).
  e.groups = cfg.string("data.dataset") == "image_list" ? GroupRule::thresholds : GroupRule::thirds;
  return e;
}

}  // namespace kdup
