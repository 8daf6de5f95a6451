#!/usr/bin/env python3
"""A/B of two builds of coco in ONE launch: every schedule of the chosen
workloads is compiled by an old and by this build's coco-compile, both are
linked into one executable, and the host program runs them interleaved
(repetition i of every entry before repetition i+1 of any), so the
machine's drift between launches, which on these shared machines is as
large as most changes, does not enter the ratios.

    # keep the old build's tools first, e.g. from a worktree at the old commit:
    #   mkdir -p /tmp/old/bin && cp build/bin/coco-{opt,translate,compile} /tmp/old/bin/
    #   ln -s $PWD/include /tmp/old/include; ln -s $PWD/build/lib /tmp/old/lib
    python3 benchmarks/compare_builds.py --old-bin /tmp/old/bin \\
        --workloads lamb,lamb-mixed --size 16777216 --launches 2

Prints, per launch and schedule, the old and new medians and old/new.
The first entry of each repetition runs after the last one's cache state
and measured up to 1.21x slower than the same code elsewhere in the order
(an A/A run of SGD, 2026-12-04): it is the eager step, the entries of a
schedule follow each other, and schedules of identical code give the noise
floor (0.95-1.02x for the others in that run).
"""
import argparse
import csv
import os
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import run_benchmarks as rb  # noqa: E402


def sh(cmd):
    return subprocess.run(cmd, check=True, stdout=subprocess.PIPE, text=True).stdout


def main():
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--old-bin", required=True,
                        help="directory with the old build's coco-compile, coco-opt, coco-translate")
    parser.add_argument("--workloads", default="lamb,lamb-mixed")
    parser.add_argument("--size", type=int, default=1 << 24)
    parser.add_argument("--ranks", type=int, default=2)
    parser.add_argument("--iters", type=int, default=9)
    parser.add_argument("--launches", type=int, default=2)
    args = parser.parse_args()
    if not os.path.isfile(os.path.join(args.old_bin, "coco-compile")):
        sys.exit(f"compare_builds: no coco-compile in {args.old_bin}")
    for kinds in rb.group_workloads(args.workloads.split(",")):
        work = tempfile.mkdtemp(prefix="coco-compare-")
        exe = rb.build_program(kinds, args.size, args.ranks, work,
                               builds=(("old_", args.old_bin), ("new_", rb.BIN)))
        for launch in range(1, args.launches + 1):
            out = os.path.join(work, f"launch{launch}.csv")
            sh(rb.launcher(args.ranks) + [exe, "--quiet", "--iters", str(args.iters),
                                          "--csv", out])
            times = {row[0]: float(row[2]) for row in csv.reader(open(out))}
            for name, old in times.items():
                if name.startswith("old_"):
                    new = times["new_" + name[4:]]
                    print(f"{'+'.join(kinds)} launch {launch}  {name[4:]:28s} old {old:8.3f} ms"
                          f"  new {new:8.3f} ms  old/new {old / new:.2f}x")

if __name__ == "__main__":
    main()
