"""Tables for BENCHMARKS.md from finished run directories, read only:

    python3 tools/study/summarize.py diagnostics runs/kdup_cifar10_lt_split1_seed*
        the mechanism diagnostics (METHOD.md section 6) of every refresh and of stage 2, as mean
        and sample standard deviation over the runs given (runs of one config, different seeds)
    python3 tools/study/summarize.py time runs/simclr_..._seed0 runs/kdup_..._seed0 ...
        where each run's training time went: seconds per image trained in the warm-up, the
        merged stage-1 epochs, the refreshes and stage 2, from log.jsonl

Only the standard library; the numbers are the runs' own records.
"""
import json
import statistics
import sys


def read_log(run):
    records = []
    with open(f"{run}/log.jsonl") as log:
        for line in log:
            try:
                records.append(json.loads(line))
            except json.JSONDecodeError:
                pass  # a line cut short by a killed run
    return records


def spread(values):
    if not values:
        return "–"
    mean = statistics.mean(values)
    if len(values) < 2:
        return f"{mean:.2f}"
    return f"{mean:.2f} ± {statistics.stdev(values):.2f}"


def few_chance(counts):
    """The purity of random lists for the Few anchors (CIFAR's thirds): the mean over Few samples of
    their class's share of D_ID."""
    order = sorted(range(len(counts)), key=lambda c: counts[c])
    few = order[: len(counts) // 3]
    total = sum(counts)
    return sum(counts[c] * counts[c] / total for c in few) / sum(counts[c] for c in few)


def diagnostics(runs):
    per_run, chance_few = [], None
    for run in runs:
        with open(f"{run}/results.json") as f:
            results = json.load(f)
        per_run.append(results.get("diagnostics", {}))
        chance_few = few_chance(results["train_class_counts"])
    print(f"{len(runs)} runs: " + ", ".join(runs) + "\n")
    print("| when | cluster purity | Medium / Few majorities | K purity All | Many | Medium | Few "
          "| chance (Few) | OOD next to Many / Medium / Few | random pool images | D_ID shares |")
    print("|---|---|---|---|---|---|---|---|---|---|---|")
    refreshes = min(len(d.get("refreshes", [])) for d in per_run)
    rows = [(f"refresh {i + 1}", [d["refreshes"][i] for d in per_run]) for i in range(refreshes)]
    if all("stage2" in d for d in per_run):
        rows.append(("stage 2 (K_kd)", [d["stage2"] for d in per_run]))
    for name, records in rows:
        epoch = records[0].get("epoch")
        cells = [f"{name} (epoch {epoch})"]
        clusters = [r["cluster_purity"] for r in records if "cluster_purity" in r]
        cells.append(spread([c["weighted_purity"] for c in clusters]))
        cells.append(" / ".join(spread([c[k] for c in clusters])
                                for k in ("medium_majorities", "few_majorities")))
        lists = [r.get("positive_purity", r.get("neighbour_purity")) for r in records]
        for key in ("all", "many", "medium", "few"):
            cells.append(spread([l[key] for l in lists if key in l]))
        cells.append(f"{lists[0]['chance']:.2f} ({chance_few:.3f})")
        for key in ("ood_placement", "random_ood_placement"):
            placed = [r[key]["placed"] for r in records if key in r]
            cells.append(" / ".join(spread([p[g] for p in placed]) for g in ("many", "medium", "few"))
                         if placed else "–")
        shares = [r["ood_placement"]["id_share"] for r in records if "ood_placement" in r]
        cells.append(" / ".join(f"{shares[0][g]:.2f}" for g in ("many", "medium", "few"))
                     if shares else "–")
        print("| " + " | ".join(cells) + " |")
    collisions = [d["stage2"]["negative_collisions"] for d in per_run if "stage2" in d]
    if collisions:
        print("\nStage 2, share of anchors whose negative has the anchor's class (All / Many / "
              "Medium / Few): " + " / ".join(spread([c[g] for c in collisions])
                                             for g in ("all", "many", "medium", "few")))


def time_breakdown(runs):
    print("| run | warm-up s/1k img | merged stage 1 s/1k img | refreshes s | stage 2 s/1k img "
          "| total training s | images fwd+bwd | s/1k img |")
    print("|---|---|---|---|---|---|---|---|")
    for run in runs:
        log = read_log(run)
        epochs = {}  # the last record of each (stage, epoch): a resumed epoch counts once
        refresh_epochs = set()
        for r in log:
            if r.get("refresh"):
                refresh_epochs.add(r["epoch"] + 1)  # the refresh runs inside the next epoch
            elif "seconds" in r and "images_processed" in r:
                epochs[(r["stage"], r["epoch"])] = r
        parts = {"warm": [0.0, 0], "merged": [0.0, 0], "stage2": [0.0, 0]}
        refresh_seconds = 0.0
        median_merged = statistics.median(
            [r["seconds"] for (stage, e), r in epochs.items()
             if stage == "stage1" and r.get("merged") and e not in refresh_epochs] or [0.0])
        total_seconds, total_images = 0.0, 0
        for (stage, e), r in epochs.items():
            images = round(r["images_per_second"] * r["seconds"])
            total_seconds += r["seconds"]
            total_images += images
            if stage == "stage2":
                part = "stage2"
            elif stage == "stage1" and r.get("merged"):
                part = "merged"
                if e in refresh_epochs:  # the epoch's time beyond a plain merged epoch
                    refresh_seconds += r["seconds"] - median_merged
                    parts[part][0] += median_merged
                    parts[part][1] += images
                    continue
            else:
                part = "warm"
            parts[part][0] += r["seconds"]
            parts[part][1] += images

        def per_k(part):
            seconds, images = parts[part]
            return f"{1000 * seconds / images:.3f}" if images else "–"

        print(f"| {run} | {per_k('warm')} | {per_k('merged')} | {refresh_seconds:.0f} | "
              f"{per_k('stage2')} | {total_seconds:.0f} | {total_images} | "
              f"{1000 * total_seconds / max(total_images, 1):.3f} |")


if __name__ == "__main__":
    if len(sys.argv) < 3 or sys.argv[1] not in ("diagnostics", "time"):
        sys.exit(__doc__)
    (diagnostics if sys.argv[1] == "diagnostics" else time_breakdown)(sys.argv[2:])
