#!/usr/bin/env python3
"""Hierarchical vs flat all-reduce on a 2 x 2 grid (4 MPI ranks), as ratios
measured in one launch.

Both variants are entries of ONE executable, run interleaved (warmups, then
repetition i of each before repetition i+1 of either); times are the median
over repetitions of the max over ranks.

  flat          coco.all_reduce sum over both axes: one all_reduce on the
                group of 4 ranks (ring reduce-scatter + all_gather for large
                buffers, MPI_Allreduce below).
  hierarchical  what coco-hierarchical-all-reduce{inner=1} makes of it:
                reduce_scatter within a "node" (axis 1, 2 ranks), all_reduce
                of each half across nodes (axis 0), all_gather within the
                node. (The same IR as the pass's output, which
                test/Dialect/Coco/Transforms/coco-hierarchical-all-reduce.mlir
                checks.)

On one machine every link is shared memory, so the hierarchy buys no faster
inner links here; the point it makes on a multi-node job is that only half
the bytes cross the outer (network) links. The table states what was
measured, not a model.

usage: hierarchical_all_reduce.py [--sizes 1M,4M,16M] [--iters 9] [--out benchmarks/results]
"""
import argparse
import os
import subprocess
import sys
import tempfile

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BIN = os.path.join(ROOT, "build", "bin")
sys.path.insert(0, os.path.join(ROOT, "python"))
from coco.runner import launcher  # noqa: E402

PROGRAM = """coco.grid @g(shape = [2, 2])
!L = !coco.dtensor<{n}xf32, [local, local] on @g>
!R = !coco.dtensor<{n}xf32, replicated on @g>
func.func @flat(%g: !L {{coco.name = "g"}}) -> (!R {{coco.name = "sum"}}) {{
  %0 = coco.all_reduce sum %g : !L
  return %0 : !R
}}
func.func @hierarchical(%g: !L {{coco.name = "g"}}) -> (!R {{coco.name = "sum"}}) {{
  %0 = coco.reduce_scatter sum %g dim 0 along [1] : !L
  %1 = coco.all_reduce sum %0 along [0] : !coco.dtensor<{n}xf32, [local, sliced<0>] on @g>
  %2 = coco.all_gather %1 along [1] : !coco.dtensor<{n}xf32, sliced<0> on @g[1]>
  return %2 : !R
}}
"""


def parse_size(text):
    text = text.strip().upper()
    scale = {"K": 1 << 10, "M": 1 << 20, "G": 1 << 30}.get(text[-1], 1)
    return int(text.rstrip("KMG")) * scale


def run(cmd):
    result = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    if result.returncode != 0:
        sys.exit(f"failed: {' '.join(cmd)}\n{result.stdout}")
    return result.stdout


def main():
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", default="1M,4M,16M")
    parser.add_argument("--iters", type=int, default=9)
    parser.add_argument("--warmup", type=int, default=2)
    parser.add_argument("--out", default=os.path.join(ROOT, "benchmarks", "results"))
    args = parser.parse_args()
    os.environ.setdefault("OMPI_ALLOW_RUN_AS_ROOT", "1")
    os.environ.setdefault("OMPI_ALLOW_RUN_AS_ROOT_CONFIRM", "1")
    rows = []
    with tempfile.TemporaryDirectory(prefix="coco-hier-") as work:
        for n in (parse_size(s) for s in args.sizes.split(",")):
            source = os.path.join(work, f"hier_{n}.mlir")
            with open(source, "w") as f:
                f.write(PROGRAM.format(n=n))
            exe = os.path.join(work, f"hier_{n}")
            run([os.path.join(BIN, "coco-compile"), source, "--entry=flat,hierarchical", "-o", exe])
            csv_path = os.path.join(work, f"hier_{n}.csv")
            run(launcher(4) + [exe, "--quiet", "--iters", str(args.iters),
                               "--warmup", str(args.warmup), "--csv", csv_path])
            times = {}
            for line in open(csv_path):
                name, _, median, _, _ = line.strip().split(",")
                times[name] = float(median)
            rows.append((n, times["flat"], times["hierarchical"]))
    lines = ["| elements (f32) | flat ms | hierarchical ms | hierarchical / flat |",
             "|---|---|---|---|"]
    for n, flat, hier in rows:
        lines.append(f"| {n >> 20}M | {flat:.3f} | {hier:.3f} | {hier / flat:.2f} |")
    note = (f"\n\n4 MPI ranks on a 2 x 2 grid (one machine, shared memory), median of "
            f"{args.iters} interleaved repetitions (max over ranks). hierarchical = "
            f"reduce_scatter along axis 1 + all_reduce along axis 0 + all_gather along axis 1 "
            f"(coco-hierarchical-all-reduce{{inner=1}}); half of the bytes cross axis 0.\n")
    text = "\n".join(lines) + note
    os.makedirs(args.out, exist_ok=True)
    with open(os.path.join(args.out, "hierarchical.md"), "w") as f:
        f.write(text)
    print(text)


if __name__ == "__main__":
    main()
