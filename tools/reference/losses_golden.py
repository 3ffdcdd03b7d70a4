"""Golden values for the loss tests: each loss on fixed float64 inputs, with its value and the
gradient of the loss for every input, computed by PyTorch independently of kdup.

    /usr/bin/python3 tools/reference/losses_golden.py tests/golden/losses.safetensors
"""
import sys

import torch
import torch.nn.functional as F

from safetensors_io import write_safetensors


def nt_xent(z1, z2, tau):
    """SimCLR's NT-Xent as in the SDCLR code: 2B rows, positives the other view."""
    z = F.normalize(torch.cat([z1, z2]), dim=1)
    logits = z @ z.t() / tau
    n = z.shape[0]
    logits = logits.masked_fill(torch.eye(n, dtype=torch.bool), float("-inf"))
    targets = (torch.arange(n) + n // 2) % n
    return F.cross_entropy(logits, targets)


def main(path):
    torch.manual_seed(0)
    out = {}
    z1 = torch.randn(6, 5, dtype=torch.float64, requires_grad=True)
    z2 = torch.randn(6, 5, dtype=torch.float64, requires_grad=True)
    loss = nt_xent(z1, z2, 0.2)
    loss.backward()
    out.update({"nt_xent.z1": z1, "nt_xent.z2": z2, "nt_xent.loss": loss.reshape(1),
                "nt_xent.grad.z1": z1.grad, "nt_xent.grad.z2": z2.grad})
    write_safetensors(path, out, {"torch": torch.__version__})


if __name__ == "__main__":
    main(sys.argv[1])
