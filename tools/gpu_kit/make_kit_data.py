"""Writes the CIFAR-10-LT data the GPU kit carries (docs/gpu_kit.md): a subset of `make data`'s
datasets/ small enough for the kit's size limit, in the layouts kdup reads, under the file names the
CPU-scale configurations name, so that `kdup run` in the kit folder finds them with its defaults.

    python3 tools/gpu_kit/make_kit_data.py SRC_DATASETS DEST_DATASETS

What is kept (each list thinned by evenly spaced picks, which keeps every class's share):
  - splits/cifar10/split1_D_i.npy: every --pretrain-every-th index of split 1's long-tailed set;
  - trainIdxList.npy, valIdxList.npy: --probe and --val evenly spaced entries;
  - split1_S_b.npy (the 1% few-shot set): whole;
  - sanitize_D_i.npy: --sanitize entries of the subset of split1_D_i, for the sanitizer runs;
  - cifar-10-batches-bin/: only the training records these lists name, in their original order,
    spread over data_batch_1..5.bin, the lists' indices rewritten to match; test_batch.bin: --test
    evenly spaced records of the test batch (written class by class, so classes stay balanced);
  - ood/ood_tinyimagenet32_33k.npy: the first --pool images of the (shuffled) pool.
KIT_DATA.md in DEST_DATASETS records the counts and where they came from.
Only the standard library: the kit is built on machines without NumPy too.
"""
import argparse
import ast
import os
import struct
import sys

RECORD = 1 + 3 * 32 * 32  # CIFAR-10 binary: label byte + planar RGB


def fail(message):
    sys.exit(f"make_kit_data: error: {message}")


def read_npy(path):
    """Returns (descr, shape, data offset) of a version 1/2/3 .npy file."""
    with open(path, "rb") as f:
        magic = f.read(8)
        if magic[:6] != b"\x93NUMPY":
            fail(f"{path}: not a .npy file")
        if magic[6] == 1:
            (length,) = struct.unpack("<H", f.read(2))
            offset = 10 + length
        else:
            (length,) = struct.unpack("<I", f.read(4))
            offset = 12 + length
        header = ast.literal_eval(f.read(length).decode("latin1"))
    if header.get("fortran_order"):
        fail(f"{path}: Fortran-ordered arrays are not supported")
    return header["descr"], tuple(header["shape"]), offset


def read_indices(path):
    descr, shape, offset = read_npy(path)
    if descr not in ("<i8", "<i4") or len(shape) != 1:
        fail(f"{path}: expected a 1-D int64/int32 array, found {descr} {shape}")
    size = 8 if descr == "<i8" else 4
    with open(path, "rb") as f:
        f.seek(offset)
        raw = f.read(shape[0] * size)
    if len(raw) != shape[0] * size:
        fail(f"{path}: truncated")
    return list(struct.unpack(f"<{shape[0]}{'q' if size == 8 else 'i'}", raw))


def npy_header(descr, shape):
    dims = f"{shape[0]}," if len(shape) == 1 else ", ".join(str(d) for d in shape)
    text = "{'descr': '%s', 'fortran_order': False, 'shape': (%s), }" % (descr, dims)  # NumPy's
    pad = 64 - (10 + len(text) + 1) % 64
    text = text + " " * pad + "\n"
    return b"\x93NUMPY\x01\x00" + struct.pack("<H", len(text)) + text.encode("latin1")


def write_indices(path, values):
    with open(path, "wb") as f:
        f.write(npy_header("<i8", (len(values),)))
        f.write(struct.pack(f"<{len(values)}q", *values))


def evenly_spaced(values, count):
    """count entries at evenly spaced positions (all of them when count >= len)."""
    if count >= len(values):
        return list(values)
    return [values[(i * len(values)) // count] for i in range(count)]


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("src", help="make data's datasets/ folder")
    p.add_argument("dest", help="the kit's datasets/ folder (created)")
    p.add_argument("--pretrain-every", type=int, default=2)
    p.add_argument("--probe", type=int, default=1000)
    p.add_argument("--val", type=int, default=500)
    p.add_argument("--test", type=int, default=1000)
    p.add_argument("--pool", type=int, default=2000)
    p.add_argument("--sanitize", type=int, default=320)
    a = p.parse_args()

    cifar = os.path.join(a.src, "cifar-10-batches-bin")
    splits = os.path.join(a.src, "splits", "cifar10")
    pool_path = os.path.join(a.src, "ood", "ood_tinyimagenet32_33k.npy")
    for need in [os.path.join(cifar, f"data_batch_{i}.bin") for i in range(1, 6)] + [
            os.path.join(cifar, "test_batch.bin"), pool_path] + [
            os.path.join(splits, n) for n in ("split1_D_i.npy", "trainIdxList.npy",
                                              "valIdxList.npy", "split1_S_b.npy")]:
        if not os.path.isfile(need):
            fail(f"{need} is missing: run `make data` first")

    full_pretrain = read_indices(os.path.join(splits, "split1_D_i.npy"))
    lists = {
        "split1_D_i.npy": full_pretrain[::a.pretrain_every],
        "trainIdxList.npy": evenly_spaced(read_indices(os.path.join(splits, "trainIdxList.npy")), a.probe),
        "valIdxList.npy": evenly_spaced(read_indices(os.path.join(splits, "valIdxList.npy")), a.val),
        "split1_S_b.npy": read_indices(os.path.join(splits, "split1_S_b.npy")),
    }
    lists["sanitize_D_i.npy"] = evenly_spaced(lists["split1_D_i.npy"], a.sanitize)
    if len(lists["sanitize_D_i.npy"]) < a.sanitize:
        fail(f"the pre-training subset has fewer than --sanitize {a.sanitize} images")

    # The training records the lists name, in their original order; old index -> new index.
    kept = sorted({i for values in lists.values() for i in values})
    if kept[0] < 0 or kept[-1] >= 50000:
        fail(f"a split file holds index {kept[0] if kept[0] < 0 else kept[-1]}, outside 0..49999")
    new_index = {old: new for new, old in enumerate(kept)}

    train = bytearray()
    for i in range(1, 6):
        with open(os.path.join(cifar, f"data_batch_{i}.bin"), "rb") as f:
            train += f.read()
    if len(train) != 50000 * RECORD:
        fail(f"{cifar}: the five training batches hold {len(train)} bytes, expected {50000 * RECORD}")
    dest_cifar = os.path.join(a.dest, "cifar-10-batches-bin")
    dest_splits = os.path.join(a.dest, "splits", "cifar10")
    dest_ood = os.path.join(a.dest, "ood")
    for d in (dest_cifar, dest_splits, dest_ood):
        os.makedirs(d, exist_ok=True)
    # kdup reads data_batch_1..5.bin one after the other, so any split over five files works.
    for b in range(5):
        part = kept[(b * len(kept)) // 5:((b + 1) * len(kept)) // 5]
        with open(os.path.join(dest_cifar, f"data_batch_{b + 1}.bin"), "wb") as f:
            for old in part:
                f.write(train[old * RECORD:(old + 1) * RECORD])
    with open(os.path.join(cifar, "test_batch.bin"), "rb") as f:
        test = f.read()
    if len(test) % RECORD:
        fail(f"{cifar}/test_batch.bin is not a whole number of records")
    test_kept = evenly_spaced(list(range(len(test) // RECORD)), a.test)
    with open(os.path.join(dest_cifar, "test_batch.bin"), "wb") as f:
        for r in test_kept:
            f.write(test[r * RECORD:(r + 1) * RECORD])
    meta = os.path.join(cifar, "batches.meta.txt")
    if os.path.isfile(meta):
        with open(meta, "rb") as f, open(os.path.join(dest_cifar, "batches.meta.txt"), "wb") as g:
            g.write(f.read())
    for name, values in lists.items():
        write_indices(os.path.join(dest_splits, name), [new_index[v] for v in values])

    descr, shape, offset = read_npy(pool_path)
    if descr not in ("|u1", "<u1") or len(shape) != 4 or shape[3] != 3:
        fail(f"{pool_path}: expected uint8 [N, H, W, 3], found {descr} {shape}")
    count = min(a.pool, shape[0])
    image = shape[1] * shape[2] * shape[3]
    with open(pool_path, "rb") as f:
        f.seek(offset)
        pixels = f.read(count * image)
    with open(os.path.join(dest_ood, "ood_tinyimagenet32_33k.npy"), "wb") as f:
        f.write(npy_header("|u1", (count,) + shape[1:]))
        f.write(pixels)

    with open(os.path.join(a.dest, "KIT_DATA.md"), "w") as f:
        f.write("# The GPU kit's data: a subset of CIFAR-10-LT split 1 and its OOD pool\n\n"
                "Written by tools/gpu_kit/make_kit_data.py from `make data`'s datasets/; the file "
                "names are the CPU-scale configurations' own, the contents are subsets.\n\n"
                "| file | entries | taken from |\n|---|---|---|\n")
        f.write(f"| splits/cifar10/split1_D_i.npy | {len(lists['split1_D_i.npy'])} | one in "
                f"{a.pretrain_every} of split 1's {len(full_pretrain)} long-tailed indices |\n")
        for name, source in (("trainIdxList.npy", "balanced probe list, evenly spaced"),
                              ("valIdxList.npy", "validation list, evenly spaced"),
                              ("split1_S_b.npy", "the whole 1% few-shot list"),
                              ("sanitize_D_i.npy", "evenly spaced entries of the subset above "
                                                   "(the sanitizer runs)")):
            f.write(f"| splits/cifar10/{name} | {len(lists[name])} | {source} |\n")
        f.write(f"| cifar-10-batches-bin/data_batch_1..5.bin | {len(kept)} records | the training "
                "records the lists name, original order; list indices rewritten |\n")
        f.write(f"| cifar-10-batches-bin/test_batch.bin | {len(test_kept)} records | evenly spaced "
                "records of the test batch |\n")
        f.write(f"| ood/ood_tinyimagenet32_33k.npy | {count} images | the first {count} of the "
                f"{shape[0]}-image Tiny-ImageNet pool (shuffled at its making) |\n")
    print(f"make_kit_data: {len(kept)} training records, {len(test_kept)} test records, "
          f"{count} pool images in {a.dest}")


if __name__ == "__main__":
    main()
