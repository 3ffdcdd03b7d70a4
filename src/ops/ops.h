// Every differentiable op, in one include.
#pragma once
#include "autograd/grad_mode.h"
#include "ops/elementwise.h"
#include "ops/indexing.h"
#include "ops/linalg.h"
#include "ops/loss.h"
#include "ops/nn.h"
#include "ops/reduce.h"
#include "ops/similarity.h"
#include "ops/softmax.h"
#include "tensor/tensor.h"
