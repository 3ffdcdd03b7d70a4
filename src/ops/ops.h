// Every differentiable op, in one include.
#pragma once
#include "autograd/grad_mode.h"
#include "ops/elementwise.h"
#include "ops/linalg.h"
#include "ops/nn.h"
#include "ops/reduce.h"
#include "tensor/tensor.h"
