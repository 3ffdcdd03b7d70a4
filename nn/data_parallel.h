// What a model and its optimiser need to train over several processes (dist/communicator.h): the
// same starting values on every rank, gradients summed over the ranks after each backward pass
// (each rank's graph holds its rows' share of the global loss, dist/all_gather.h), and batch
// normalisation over the global batch when asked (model.sync_batch_norm).
#pragma once
#include "dist/communicator.h"
#include "nn/module.h"
#include "nn/sgd.h"

namespace kdup {

// Every parameter and buffer of rank 0, on every rank.
void broadcast_module(Communicator& communicator, Module& module);

// The optimiser's gradients summed over the ranks, in one all-reduce per dtype (a single bucket:
// the gradients are flattened into one buffer and written back).
void all_reduce_gradients(Communicator& communicator, const SGD& optimizer);

// Every BatchNorm of the module normalises over the global batch (null: over its own rows).
void synchronise_batch_norm(Module& module, Communicator* communicator);

}  // namespace kdup
