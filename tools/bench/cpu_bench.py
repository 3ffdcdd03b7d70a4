"""make bench: kdup against PyTorch on this machine's CPU, the same workloads in one invocation,
at 1 and 2 threads. Prints a markdown table (images or items per second, GFLOP/s, % of the
machine's measured FMA peak, peak memory, and the kdup/PyTorch ratio) and appends it to
BENCHMARKS.md.

    /usr/bin/python3 tools/bench/cpu_bench.py [--build build] [--quick]
"""
import argparse
import datetime
import json
import os
import platform
import subprocess

WORKLOADS = [  # (label, arguments shared by both implementations)
    ("SimCLR step, ResNet-18, batch 128", ["--mode", "simclr", "--batch", "128", "--steps", "3"]),
    ("SimCLR step, width 0.25 (CPU configs), batch 128",
     ["--mode", "simclr", "--width", "0.25", "--batch", "128", "--steps", "10"]),
    ("supervised step, ResNet-18, batch 64", ["--mode", "supervised", "--batch", "64", "--steps", "3"]),
    ("eval forward, ResNet-18, batch 256", ["--mode", "eval", "--batch", "256", "--steps", "3"]),
    ("k-NN, 12,406 x 128, k = 200", ["--mode", "knn", "--n", "12406", "--dim", "128", "--k", "200",
                                     "--steps", "3"]),
    ("k-means, 12,406 x 512, K = 10, 20 iterations",
     ["--mode", "kmeans", "--n", "12406", "--dim", "512", "--clusters", "10", "--iterations", "20",
      "--steps", "3"]),
]


def run(command, threads):
    """Runs one benchmark under /usr/bin/time; returns its JSON line and peak resident MiB."""
    env = dict(os.environ, OMP_NUM_THREADS=str(threads))
    out = subprocess.run(["/usr/bin/time", "-f", "%M"] + command, env=env, capture_output=True,
                         text=True, check=True)
    result = json.loads(out.stdout.strip().splitlines()[-1])
    result["peak_mib"] = int(out.stderr.strip().splitlines()[-1]) / 1024.0
    return result


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--build", default="build")
    p.add_argument("--quick", action="store_true", help="only the CPU-scale SimCLR step")
    a = p.parse_args()
    workloads = WORKLOADS[1:2] if a.quick else WORKLOADS
    rows, peaks = [], {}
    for threads in (1, 2):
        # 100% of "% FMA peak": the cores' FMA throughput as kdup_bench measures it (fma_peak.h)
        peak = run([os.path.join(a.build, "kdup_bench"), "--mode", "fma"], threads)["best_gflops"]
        peaks[threads] = peak
        for label, args in workloads:
            ours = run([os.path.join(a.build, "kdup_bench")] + args, threads)
            theirs = run(["/usr/bin/python3", "tools/reference/bench_reference.py", "--threads",
                          str(threads)] + args, threads)
            rows.append((threads, label, ours, theirs, peak))
            print(f"{threads} thread(s) | {label}: kdup {ours['best_items_per_s']:.1f}/s, "
                  f"PyTorch {theirs['best_items_per_s']:.1f}/s", flush=True)

    lines = [f"### CPU, {datetime.date.today()}, {platform.node()} ({os.cpu_count()} cores)", "",
             "Command: `make bench` (tools/bench/cpu_bench.py). Best of the timed steps; items are "
             "images for the networks (two views each in SimCLR), points for k-NN / k-means. "
             "GFLOP/s count a network's direct-convolution operations (forward, and twice that "
             "backward); kdup's Winograd layers do a quarter of the multiplications, so these "
             "are effective rates and % FMA peak can pass 100%. "
             "% FMA peak: of the FMA throughput `kdup_bench --mode fma` measured on as many "
             f"threads ({', '.join(f'{t}: {p:.0f} GFLOP/s' for t, p in peaks.items())}). "
             f"PyTorch {rows[0][3]['impl'].split()[-1]} from Debian's python3-torch.", "",
             "| threads | workload | kdup /s | PyTorch /s | kdup / PyTorch | kdup GFLOP/s | "
             "% FMA peak | kdup peak MiB | PyTorch peak MiB |",
             "|---|---|---|---|---|---|---|---|---|"]
    for threads, label, ours, theirs, peak in rows:
        ratio = ours["best_items_per_s"] / theirs["best_items_per_s"]
        lines.append(f"| {threads} | {label} | {ours['best_items_per_s']:.1f} | "
                     f"{theirs['best_items_per_s']:.1f} | {ratio:.2f} | {ours['best_gflops']:.1f} | "
                     f"{100 * ours['best_gflops'] / peak:.0f}% | {ours['peak_mib']:.0f} | "
                     f"{theirs['peak_mib']:.0f} |")
    table = "\n".join(lines) + "\n"
    print(table)
    with open("BENCHMARKS.md", "a") as f:
        f.write("\n" + table)


if __name__ == "__main__":
    main()
