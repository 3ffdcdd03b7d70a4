"""Golden values for the ResNet-18 test: a CIFAR-stem ResNet-18 (the SDCLR/COLT layout and
parameter names) at width 1/8, one training-mode forward and backward in float32.

    /usr/bin/python3 tools/reference/resnet18_golden.py tests/golden/resnet18_w8.safetensors

The file holds the input, the projection R, every parameter, the features, the loss
L = sum(features * R), the gradient of L for every parameter ("grad.NAME") and the input
("grad.input"), and the BN running statistics after the step ("after.NAME").
"""
import sys

import torch
import torch.nn as nn
import torch.nn.functional as F

from safetensors_io import write_safetensors


class BasicBlock(nn.Module):
    def __init__(self, inp, planes, stride):
        super().__init__()
        self.conv1 = nn.Conv2d(inp, planes, 3, stride, 1, bias=False)
        self.bn1 = nn.BatchNorm2d(planes)
        self.conv2 = nn.Conv2d(planes, planes, 3, 1, 1, bias=False)
        self.bn2 = nn.BatchNorm2d(planes)
        self.shortcut = nn.Sequential()
        if stride != 1 or inp != planes:
            self.shortcut = nn.Sequential(nn.Conv2d(inp, planes, 1, stride, bias=False),
                                          nn.BatchNorm2d(planes))

    def forward(self, x):
        out = F.relu(self.bn1(self.conv1(x)))
        out = self.bn2(self.conv2(out))
        return F.relu(out + self.shortcut(x))


class ResNet18(nn.Module):
    def __init__(self, width):
        super().__init__()
        c = [int(round(64 * width * 2 ** i)) for i in range(4)]
        self.conv1 = nn.Conv2d(3, c[0], 3, 1, 1, bias=False)
        self.bn1 = nn.BatchNorm2d(c[0])
        inp = c[0]
        for stage in range(4):
            blocks = []
            for b in range(2):
                stride = 2 if stage > 0 and b == 0 else 1
                blocks.append(BasicBlock(inp, c[stage], stride))
                inp = c[stage]
            setattr(self, f"layer{stage + 1}", nn.Sequential(*blocks))

    def forward(self, x):
        x = F.relu(self.bn1(self.conv1(x)))
        for stage in range(1, 5):
            x = getattr(self, f"layer{stage}")(x)
        return F.adaptive_avg_pool2d(x, 1).flatten(1)


def main(path):
    torch.manual_seed(0)
    model = ResNet18(width=0.125).train()
    with torch.no_grad():  # non-trivial BN affine parameters
        for m in model.modules():
            if isinstance(m, nn.BatchNorm2d):
                m.weight.uniform_(0.5, 1.5)
                m.bias.uniform_(-0.2, 0.2)
    params = {n: p.detach().clone() for n, p in model.named_parameters()}
    x = torch.randn(4, 3, 32, 32, requires_grad=True)
    features = model(x)
    r = torch.randn_like(features)
    loss = (features * r).sum()
    loss.backward()
    out = {"input": x, "projection": r, "features": features, "loss": loss.reshape(1)}
    out.update(params)
    out.update({"grad." + n: p.grad for n, p in model.named_parameters()})
    out["grad.input"] = x.grad
    out.update({"after." + n: b for n, b in model.named_buffers() if "num_batches" not in n})
    write_safetensors(path, out, {"torch": torch.__version__, "width": 0.125})


if __name__ == "__main__":
    main(sys.argv[1])
