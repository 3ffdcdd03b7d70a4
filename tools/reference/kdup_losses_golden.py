"""Golden values for the KDUP and COLT loss tests: L_PSD (both denominators, Eq. 8), L_DD (Eq. 9,
a mixed and a one-domain batch), the SupCon domain loss of COLT, L_GCL (Eq. 11) and L_DL (Eq. 12)
on fixed float64 inputs, with every value and the gradient for every differentiable input. Each
loss is written here directly from its equation, one row and one pair at a time.

    /usr/bin/python3 tools/reference/kdup_losses_golden.py tests/golden/kdup_losses.safetensors
"""
import math
import sys

import torch
import torch.nn.functional as F

from safetensors_io import write_safetensors


def dot(a, b):
    return (a * b).sum()


def cos(a, b):
    return dot(a, b) / (a.norm() * b.norm())


def psd(z1, z2, partners, tau, infonce):
    """Eq. 8 over the 2B rows [z1; z2]; row i's positives: the other view of its sample and both
    views of the samples its partner row lists."""
    z = F.normalize(torch.cat([z1, z2]), dim=1)
    n, b = z.shape[0], z1.shape[0]
    total = 0
    for i in range(n):
        a = i % b
        pos = [j for j in range(n) if j != i and (j % b == a or partners[a, j % b])]
        neg = [j for j in range(n) if j != i]
        den = neg if infonce else [j for j in neg if j not in pos]
        num_sum = sum(torch.exp(dot(z[i], z[j]) / tau) for j in pos)
        den_sum = sum(torch.exp(dot(z[i], z[j]) / tau) for j in den)
        total = total - torch.log(num_sum / den_sum)
    return total / n


def domain_discrimination(z, domain, tau):
    """Eq. 9; rows alone in their domain are left out of the mean; one domain gives 0."""
    z = F.normalize(z, dim=1)
    n = z.shape[0]
    total, rows = z.sum() * 0, 0
    for i in range(n):
        same = [p for p in range(n) if p != i and domain[p] == domain[i]]
        diff = [m for m in range(n) if domain[m] != domain[i]]
        if not same or not diff:
            continue
        diff_sum = sum(torch.exp(dot(z[i], z[m]) / tau) for m in diff)
        row = 0
        for p in same:
            e = torch.exp(dot(z[i], z[p]) / tau)
            row = row + torch.log(e / (e + diff_sum))
        total = total - row / len(same)
        rows += 1
    return total / rows if rows else total


def supcon(z, labels, tau):
    """Khosla et al. 2020, L_out: per anchor the mean over its positives of the log-softmax over
    every other row; mean over the anchors that have positives."""
    z = F.normalize(z, dim=1)
    n = z.shape[0]
    total, rows = 0, 0
    for i in range(n):
        pos = [p for p in range(n) if p != i and labels[p] == labels[i]]
        if not pos:
            continue
        den = sum(torch.exp(dot(z[i], z[a]) / tau) for a in range(n) if a != i)
        row = sum(torch.log(torch.exp(dot(z[i], z[p]) / tau) / den) for p in pos)
        total = total - row / len(pos)
        rows += 1
    return total / rows


def guided_contrastive(y, yp, yn, wp, wn):
    """Eq. 11."""
    b = y.shape[0]
    return sum((1 + wp[i]) * (1 - cos(y[i], yp[i])) + (1 - wn[i]) * (1 + cos(y[i], yn[i]))
               for i in range(b)) / b


def distillation(z, y):
    """Eq. 12."""
    b = y.shape[0]
    return sum((cos(z[i], z[j]) - cos(y[i], y[j])) ** 2
               for i in range(b) for j in range(b) if j != i) / (b * (b - 1))


def leaf(*shape):
    return torch.randn(*shape, dtype=torch.float64, requires_grad=True)


def record(out, name, loss, inputs):
    """Stores the inputs, the value and the gradient of the value for each differentiable input."""
    differentiable = {k: v for k, v in inputs.items() if v.requires_grad}
    grads = torch.autograd.grad(loss, list(differentiable.values()), allow_unused=True)
    for k, v in inputs.items():
        out[f"{name}.{k}"] = v
    out[f"{name}.loss"] = loss.detach().reshape(1)
    for (k, v), g in zip(differentiable.items(), grads):
        out[f"{name}.grad.{k}"] = torch.zeros_like(v) if g is None else g


def main(path):
    torch.manual_seed(0)
    out = {}
    tau = 0.5

    # L_PSD: B = 5 samples, non-symmetric partner lists (0 -> {1, 3}, 2 -> {4}, 4 -> {2, 0}).
    z1, z2 = leaf(5, 4), leaf(5, 4)
    partners = torch.zeros(5, 5, dtype=torch.uint8)
    for a, bs in {0: [1, 3], 2: [4], 4: [2, 0]}.items():
        partners[a, bs] = 1
    for form, infonce in (("as_written", False), ("infonce", True)):
        record(out, f"psd_{form}", psd(z1, z2, partners, tau, infonce),
               {"z1": z1, "z2": z2, "partners": partners})

    # L_DD on 8 rows (5 ID, 3 OOD), and on a batch of ID rows only.
    z = leaf(8, 4)
    domain = torch.tensor([0, 1, 0, 0, 1, 0, 1, 0], dtype=torch.uint8)
    record(out, "dd_mixed", domain_discrimination(z, domain, tau), {"z": z, "domain": domain})
    z_one = leaf(6, 4)
    domain_one = torch.zeros(6, dtype=torch.uint8)
    record(out, "dd_one_domain", domain_discrimination(z_one, domain_one, tau),
           {"z": z_one, "domain": domain_one})
    # A domain with a single row: that row has no same-domain partner and is left out.
    z_lone = leaf(5, 3)
    domain_lone = torch.tensor([0, 0, 1, 0, 0], dtype=torch.uint8)
    record(out, "dd_lone_row", domain_discrimination(z_lone, domain_lone, tau),
           {"z": z_lone, "domain": domain_lone})

    # COLT's domain loss: SupCon with the domains as labels, tau = 0.2.
    record(out, "supcon_domain", supcon(z, domain, 0.2), {"z": z, "domain": domain})

    # L_GCL: weights from frozen f-embeddings (no gradient), gradients for g's three embeddings.
    y, yp, yn = leaf(5, 4), leaf(5, 4), leaf(5, 4)
    with torch.no_grad():
        fz, fzp, fzn = (torch.randn(5, 6, dtype=torch.float64) for _ in range(3))
        wp = torch.stack([cos(fz[i], fzp[i]) for i in range(5)])
        wn = torch.stack([cos(fz[i], fzn[i]) for i in range(5)])
    record(out, "gcl", guided_contrastive(y, yp, yn, wp, wn),
           {"y": y, "y_positive": yp, "y_negative": yn, "w_positive": wp, "w_negative": wn,
            "f_z": fz, "f_z_positive": fzp, "f_z_negative": fzn})

    # L_DL: f-embeddings of another width than g's.
    fz_dl = torch.randn(5, 6, dtype=torch.float64)
    y_dl = leaf(5, 4)
    record(out, "dl", distillation(fz_dl, y_dl), {"z": fz_dl, "y": y_dl})

    losses = [v.item() for k, v in out.items() if k.endswith(".loss")]
    assert all(math.isfinite(v) for v in losses)
    write_safetensors(path, out, {"torch": torch.__version__})


if __name__ == "__main__":
    main(sys.argv[1])
