"""PyTorch counterpart of kdup_bench (tools/bench/train_step_bench.cpp): the same CIFAR ResNet-18,
projection head, loss and SGD step on random inputs; prints one JSON line.

    /usr/bin/python3 tools/reference/bench_train_step.py --mode simclr --device cpu --batch 128
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


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--mode", default="simclr", choices=["simclr", "supervised"])
    p.add_argument("--device", default="cpu")
    p.add_argument("--width", type=float, default=1.0)
    p.add_argument("--batch", type=int, default=128)
    p.add_argument("--steps", type=int, default=5)
    p.add_argument("--warmup", type=int, default=1)
    p.add_argument("--threads", type=int, default=0, help="torch threads (0: leave as is)")
    a = p.parse_args()
    if a.threads:
        torch.set_num_threads(a.threads)
    dev = torch.device(a.device)
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
    seconds = []
    for s in range(a.warmup + a.steps):
        if dev.type == "cuda":
            torch.cuda.synchronize()
        start = time.perf_counter()
        sgd.zero_grad()
        if a.mode == "simclr":
            loss = nt_xent(head(backbone(x1)), head(backbone(x2)), 0.2)
        else:
            loss = F.cross_entropy(classifier(backbone(x1)), labels)
        loss.backward()
        sgd.step()
        loss.item()
        if dev.type == "cuda":
            torch.cuda.synchronize()
        if s >= a.warmup:
            seconds.append(time.perf_counter() - start)
    seconds.sort()
    images = a.batch * (2 if a.mode == "simclr" else 1)
    print(json.dumps({"impl": "pytorch " + torch.__version__, "mode": a.mode, "device": a.device,
                      "width": a.width, "batch": a.batch, "steps": a.steps,
                      "threads": torch.get_num_threads(),
                      "best_images_per_s": round(images / seconds[0], 2),
                      "median_images_per_s": round(images / seconds[len(seconds) // 2], 2)}))


if __name__ == "__main__":
    main()
