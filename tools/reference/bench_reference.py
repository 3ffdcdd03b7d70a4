"""PyTorch counterpart of kdup_bench (tools/bench/train_step_bench.cpp): the same workloads on
random inputs of the same sizes; prints one JSON line with the same fields.

    /usr/bin/python3 tools/reference/bench_reference.py --mode simclr --device cpu --batch 128
    /usr/bin/python3 tools/reference/bench_reference.py --mode knn --n 12406 --dim 128 --k 200

On CUDA, TF32 is off for matrix products and cuDNN convolutions unless --allow-tf32 is given (kdup
computes float32 with float32 FMA), and the line carries the peak memory PyTorch's caching allocator
allocated and reserved (device_reserved_mib is the counterpart of kdup_bench's).
"""
import argparse
import json
import time

import torch
import torch.nn as nn
import torch.nn.functional as F

from resnet18_golden import ResNet18


def nt_xent(z1, z2, tau):
    z = F.normalize(torch.cat([z1, z2]), dim=1)
    logits = z @ z.t() / tau
    n = z.shape[0]
    logits = logits.masked_fill(torch.eye(n, dtype=torch.bool, device=z.device), float("-inf"))
    return F.cross_entropy(logits, (torch.arange(n, device=z.device) + n // 2) % n)


def resnet18_cifar_macs(width):
    c = lambda ch: max(1, round(ch * width))
    macs, inp, side = 3 * c(64) * 9 * 32 * 32, c(64), 32
    for stage in range(4):
        planes = c(64 << stage)
        if stage:
            side //= 2
        macs += side * side * 9 * (inp * planes + 3 * planes * planes)
        if inp != planes:
            macs += side * side * inp * planes
        inp = planes
    return macs


def knn(x, k, chunk=1024):
    z = F.normalize(x, dim=1)
    for start in range(0, z.shape[0], chunk):
        s = z[start:start + chunk] @ z.t()
        rows = torch.arange(s.shape[0])
        s[rows, rows + start] = float("-inf")
        s.topk(k, dim=1)


def kmeans(x, clusters, iterations, seed=0):
    g = torch.Generator().manual_seed(seed)
    centres = [x[torch.randint(x.shape[0], (1,), generator=g)].squeeze(0)]
    d2 = torch.cdist(x, centres[0][None]).squeeze(1) ** 2
    for _ in range(1, clusters):  # k-means++
        centres.append(x[torch.multinomial(d2, 1, generator=g)].squeeze(0))
        d2 = torch.minimum(d2, torch.cdist(x, centres[-1][None]).squeeze(1) ** 2)
    mu = torch.stack(centres)
    for _ in range(iterations):  # Lloyd
        assign = (x.pow(2).sum(1, keepdim=True) - 2 * x @ mu.t() + mu.pow(2).sum(1)).argmin(1)
        sums = torch.zeros_like(mu).index_add_(0, assign, x)
        counts = torch.bincount(assign, minlength=clusters).clamp(min=1)[:, None]
        mu = sums / counts


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--mode", default="simclr",
                   choices=["simclr", "supervised", "eval", "knn", "kmeans"])
    p.add_argument("--device", default="cpu")
    p.add_argument("--width", type=float, default=1.0)
    p.add_argument("--batch", type=int, default=128)
    p.add_argument("--steps", type=int, default=5)
    p.add_argument("--warmup", type=int, default=1)
    p.add_argument("--n", type=int, default=12406)
    p.add_argument("--dim", type=int, default=128)
    p.add_argument("--k", type=int, default=200)
    p.add_argument("--clusters", type=int, default=10)
    p.add_argument("--iterations", type=int, default=20)
    p.add_argument("--threads", type=int, default=0, help="torch threads (0: leave as is)")
    p.add_argument("--allow-tf32", action="store_true",
                   help="let CUDA matrix products and convolutions use TF32 (default: float32 only)")
    a = p.parse_args()
    if a.threads:
        torch.set_num_threads(a.threads)
    dev = torch.device(a.device)
    # PyTorch leaves cuDNN's TF32 on by default; a float32 comparison needs it off on both paths.
    torch.backends.cuda.matmul.allow_tf32 = a.allow_tf32
    torch.backends.cudnn.allow_tf32 = a.allow_tf32
    if dev.type == "cuda":
        torch.cuda.reset_peak_memory_stats(dev)

    if a.mode in ("knn", "kmeans"):
        x = torch.randn(a.n, a.dim, device=dev)
        work = (lambda: knn(x, a.k)) if a.mode == "knn" else (lambda: kmeans(x, a.clusters, a.iterations))
        items = a.n
        flops = 2.0 * a.n * a.n * a.dim if a.mode == "knn" else 2.0 * a.n * a.clusters * a.dim * a.iterations
    else:
        backbone = ResNet18(a.width).to(dev).train()
        d = backbone.layer4[-1].conv2.out_channels
        head = nn.Sequential(nn.Linear(d, 512), nn.BatchNorm1d(512), nn.ReLU(),
                             nn.Linear(512, 128, bias=False), nn.BatchNorm1d(128)).to(dev)
        classifier = nn.Linear(d, 10, bias=False).to(dev)
        params = list(backbone.parameters()) + list(head.parameters()) + list(classifier.parameters())
        sgd = torch.optim.SGD(params, lr=0.1, momentum=0.9, weight_decay=1e-4)
        x1 = torch.randn(a.batch, 3, 32, 32, device=dev)
        x2 = torch.randn(a.batch, 3, 32, 32, device=dev)
        labels = torch.arange(a.batch, device=dev) % 10
        forward_flops = 2.0 * resnet18_cifar_macs(a.width)
        if a.mode == "eval":
            backbone.eval()

            def work():
                with torch.no_grad():
                    backbone(x1).cpu()
            items, flops = a.batch, forward_flops * a.batch
        else:
            def work():
                sgd.zero_grad()
                if a.mode == "simclr":
                    loss = nt_xent(head(backbone(x1)), head(backbone(x2)), 0.2)
                else:
                    loss = F.cross_entropy(classifier(backbone(x1)), labels)
                loss.backward()
                sgd.step()
                loss.item()
            items = a.batch * (2 if a.mode == "simclr" else 1)
            flops = 3 * forward_flops * items

    seconds = []
    for s in range(a.warmup + a.steps):
        if dev.type == "cuda":
            torch.cuda.synchronize()
        start = time.perf_counter()
        work()
        if dev.type == "cuda":
            torch.cuda.synchronize()
        if s >= a.warmup:
            seconds.append(time.perf_counter() - start)
    seconds.sort()
    best, median = seconds[0], seconds[len(seconds) // 2]
    result = {"impl": "pytorch " + torch.__version__, "mode": a.mode, "device": a.device,
              "width": a.width, "batch": a.batch, "steps": a.steps,
              "threads": torch.get_num_threads(),
              "best_seconds": round(best, 6), "median_seconds": round(median, 6),
              "best_items_per_s": round(items / best, 2),
              "median_items_per_s": round(items / median, 2),
              "best_gflops": round(flops / best * 1e-9, 2)}
    if dev.type == "cuda":
        result["tf32"] = a.allow_tf32
        result["peak_allocated_mib"] = round(torch.cuda.max_memory_allocated(dev) / 2**20, 1)
        result["device_reserved_mib"] = round(torch.cuda.max_memory_reserved(dev) / 2**20, 1)
    print(json.dumps(result))


if __name__ == "__main__":
    main()
