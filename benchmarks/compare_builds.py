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
"""
import argparse
import csv
import os
import re
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import run_benchmarks as rb  # noqa: E402


def sh(cmd):
    return subprocess.run(cmd, check=True, stdout=subprocess.PIPE, text=True).stdout


def build(kinds, n, ranks, work, builds):
    """One executable with an entry per (build, workload, schedule)."""
    objects, funcs, entries, grid = [], [], [], None
    for tag, bindir in builds:
        for kind in kinds:
            source = rb.workload_source(kind, n, ranks)
            function = re.search(r"func\.func @(\w+)", source).group(1)
            for variant, passes, pipeline in rb.variants(kind):
                if variant == "eager":
                    continue
                name = tag + "_" + rb.entry_name(variant, kind)
                entries.append(name)
                path = os.path.join(work, f"{name}.mlir")
                with open(path, "w") as f:
                    f.write(source.replace(f"@{function}(", f"@{name}("))
                # The host main is generated from the scheduled function
                # (the same for both builds: schedules are global view).
                lines = sh([os.path.join(rb.BIN, "coco-opt"), path, *passes]).rstrip().splitlines()
                grid = next(l for l in lines if "coco.grid" in l)
                lines = [l for l in lines if not l.strip().startswith("coco.grid")]
                start = next(i for i, l in enumerate(lines) if l.strip().startswith("func.func"))
                funcs.append("\n".join(lines[start:-1]))
                obj = os.path.join(work, f"{name}.o")
                sh([os.path.join(bindir, "coco-compile"), path, "--emit=obj", "-o", obj,
                    "--pipeline", pipeline] + [f"--pre-pass={p}" for p in passes])
                objects.append(obj)
    merged = os.path.join(work, "all.mlir")
    with open(merged, "w") as f:
        f.write("module {\n" + grid + "\n" + "\n".join(funcs) + "\n}\n")
    main_cpp = os.path.join(work, "main.cpp")
    sh([os.path.join(rb.BIN, "coco-translate"), "--coco-to-cpp-main",
        f"--coco-entry={','.join(entries)}", merged, "-o", main_cpp])
    exe = os.path.join(work, "compare")
    lib = os.path.join(rb.BUILD, "lib")
    sh(["c++", "-O2", "-std=c++17", f"-I{rb.ROOT}/include", main_cpp, *objects, "-o", exe,
        f"-L{lib}", "-lCocoHost", "-lCocoRuntime", f"-Wl,-rpath,{lib}", "-lm"])
    return exe


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
    work = tempfile.mkdtemp(prefix="coco-compare-")
    exe = build(args.workloads.split(","), args.size, args.ranks, work,
                [("old", args.old_bin), ("new", rb.BIN)])
    for launch in range(1, args.launches + 1):
        out = os.path.join(work, f"launch{launch}.csv")
        sh(rb.launcher(args.ranks) + [exe, "--quiet", "--iters", str(args.iters), "--csv", out])
        times = {row[0]: float(row[2]) for row in csv.reader(open(out))}
        for name, old in times.items():
            if name.startswith("old_"):
                new = times["new_" + name[4:]]
                print(f"launch {launch}  {name[4:]:32s} old {old:8.3f} ms  new {new:8.3f} ms"
                      f"  old/new {old / new:.2f}x")


if __name__ == "__main__":
    main()
