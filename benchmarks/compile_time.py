"""Compile time against program size: an optimizer step over k parameters
(per parameter: an all_reduce of its gradient, 7 pointwise ops, 2 updates in
place, as in an SGD-with-momentum step), k = 125..2000, i.e. 1,000 to 16,000
coco ops, through `coco-opt --coco-lower-to-cpu` and `--coco-lower-to-gpu`
(NVVM and cubins included; where the CUDA toolkit is installed), and
through the schedules `--coco-split --coco-reorder` (pipeline "schedules").

    python3 benchmarks/compile_time.py [--ops 1000,2000,...] [--reps 3]
        [--baseline OTHER_BUILD/bin/coco-opt]

Variants and sizes are interleaved (repetition i of every one before i+1
of any); the time is the median over repetitions, the memory the largest
peak RSS. With --baseline, each pipeline also runs with another build's
coco-opt in the same rounds (pipeline@baseline), and "/ baseline" is this
build's median over that one: on a shared machine whose speed drifts
through the day, only such a ratio compares two versions. Writes
benchmarks/results/compile_time.{md,csv,png}.
"""
import argparse
import csv
import os
import statistics
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BIN = os.path.join(ROOT, "build", "bin")
OPS_PER_PARAMETER = 8  # all_reduce + 7 pointwise ops (updates not counted)


def step_module(parameters, size=1024):
    """An optimizer step over `parameters` parameters of `size` floats."""
    lines = ["coco.grid @dp(shape = [?])",
             f"!Rep = !coco.dtensor<{size}xf32, replicated on @dp>",
             f"!Loc = !coco.dtensor<{size}xf32, local on @dp>"]
    args = ['%lr: f32 {coco.name = "lr", coco.value = 0.1 : f32}']
    for i in range(parameters):
        args += [f'%w{i}: !Rep {{coco.name = "w{i}"}}',
                 f'%g{i}: !Loc {{coco.name = "g{i}"}}',
                 f'%m{i}: !Rep {{coco.name = "m{i}"}}']
    lines.append("func.func @step(" + ", ".join(args) + ") {")
    lines.append("  %b = arith.constant 0.9 : f32")
    for i in range(parameters):
        lines += [f"  %s{i} = coco.all_reduce sum %g{i} : !Loc",
                  f"  %a{i} = coco.mul %m{i}, %b : !Rep, f32",
                  f"  %c{i} = coco.add %a{i}, %s{i} : !Rep, !Rep",
                  f"  %d{i} = coco.mul %c{i}, %lr : !Rep, f32",
                  f"  %e{i} = coco.sub %w{i}, %d{i} : !Rep, !Rep",
                  f"  %f{i} = coco.mul %c{i}, %c{i} : !Rep, !Rep",
                  f"  %h{i} = coco.add %e{i}, %f{i} : !Rep, !Rep",
                  f"  %j{i} = coco.mul %h{i}, %b : !Rep, f32",
                  f"  coco.update %w{i}, %j{i} : !Rep",
                  f"  coco.update %m{i}, %c{i} : !Rep"]
    lines += ["  return", "}"]
    return "\n".join(lines) + "\n"


def run(command):
    """(seconds, peak RSS in MiB) of one compile."""
    start = time.perf_counter()
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL,
                               stderr=subprocess.PIPE)
    _, status, usage = os.wait4(process.pid, 0)
    seconds = time.perf_counter() - start
    stderr = process.stderr.read().decode()
    process.stderr.close()
    if os.waitstatus_to_exitcode(status) != 0:
        sys.exit(f"failed: {' '.join(command)}\n{stderr}")
    return seconds, usage.ru_maxrss / 1024


def gpu_toolchain():
    return os.path.exists("/usr/local/cuda/bin/ptxas")


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--ops", default="1000,2000,4000,8000,10000,16000",
                        help="program sizes in coco ops (multiples of 8)")
    parser.add_argument("--reps", type=int, default=3)
    parser.add_argument("--pipelines", default="cpu,cpu-noverify,gpu,schedules",
                        help="cpu, gpu, and each with -noverify: coco-opt's "
                        "--verify-each=0 (the IR is verified when parsed, not "
                        "after every pass); schedules: --coco-split "
                        "--coco-reorder (the global view, nothing lowered)")
    parser.add_argument("--baseline", metavar="COCO_OPT",
                        help="another build's coco-opt (an earlier commit, "
                        "say): every pipeline runs with it too, interleaved, "
                        "and the table gives this build's time over it")
    parser.add_argument("--out", default=os.path.join(ROOT, "benchmarks", "results"))
    args = parser.parse_args()

    sizes = [int(n) for n in args.ops.split(",")]
    pipelines = args.pipelines.split(",")
    if any(p.startswith("gpu") for p in pipelines) and not gpu_toolchain():
        print("no CUDA toolkit (/usr/local/cuda/bin/ptxas): CPU pipeline only")
        pipelines = [p for p in pipelines if not p.startswith("gpu")]
    coco_opt = os.path.join(BIN, "coco-opt")
    workdir = tempfile.mkdtemp(prefix="coco-compile-time-")
    files = {}
    for ops in sizes:
        files[ops] = os.path.join(workdir, f"step{ops}.mlir")
        with open(files[ops], "w") as f:
            f.write(step_module(ops // OPS_PER_PARAMETER))

    binaries = {p: coco_opt for p in pipelines}
    if args.baseline:
        binaries.update({p + "@baseline": args.baseline for p in pipelines})
    variants = list(binaries)
    times = {(p, n): [] for p in variants for n in sizes}
    memory = {(p, n): 0.0 for p in variants for n in sizes}
    for rep in range(args.reps):
        for ops in sizes:
            for pipeline in variants:
                target, _, noverify = pipeline.split("@")[0].partition("-")
                passes = (["--coco-split", "--coco-reorder"] if target == "schedules"
                          else [f"--coco-lower-to-{target}"])
                command = [binaries[pipeline], files[ops], *passes, "-o", os.devnull]
                if noverify:
                    command.append("--verify-each=0")
                seconds, rss = run(command)
                times[pipeline, ops].append(seconds)
                memory[pipeline, ops] = max(memory[pipeline, ops], rss)
                print(f"rep {rep + 1}: {pipeline} {ops:>6} ops {seconds:7.2f} s "
                      f"{rss:7.0f} MiB", flush=True)

    rows = []
    for pipeline in variants:
        for ops in sizes:
            median = statistics.median(times[pipeline, ops])
            baseline = (pipeline + "@baseline", ops)
            rows.append({"pipeline": pipeline, "ops": ops,
                         "seconds": round(median, 3),
                         "seconds_per_1k_ops": round(median / ops * 1000, 3),
                         "vs_baseline": (round(median / statistics.median(times[baseline]), 3)
                                         if baseline in times else ""),
                         "peak_rss_mib": round(memory[pipeline, ops]),
                         "runs": " ".join(f"{t:.2f}" for t in times[pipeline, ops])})
    os.makedirs(args.out, exist_ok=True)
    with open(os.path.join(args.out, "compile_time.csv"), "w", newline="") as f:
        writer = csv.DictWriter(f, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    table = ["| pipeline | coco ops | seconds (median) | s per 1k ops | / baseline | peak RSS MiB | runs (s) |",
             "|---|---:|---:|---:|---:|---:|---|"]
    for r in rows:
        table.append(f"| {r['pipeline']} | {r['ops']:,} | {r['seconds']:.2f} | "
                     f"{r['seconds_per_1k_ops']:.3f} | {r['vs_baseline']} | "
                     f"{r['peak_rss_mib']} | {r['runs']} |")
    print("\n".join(table))
    with open(os.path.join(args.out, "compile_time.md"), "w") as f:
        f.write("# Compile time against program size\n\n"
                f"`{' '.join(['python3 benchmarks/compile_time.py'] + sys.argv[1:])}`"
                f" ({time.strftime('%Y-%m-%d')}, "
                f"{os.cpu_count()} cores, median of {args.reps}; "
                "an optimizer step over k parameters, 8 coco ops each).\n\n")
        f.write("\n".join(table) + "\n")
    write_plot(rows, args.out)


def write_plot(rows, out):
    """compile_time.png from the table's rows (also those read back from
    compile_time.csv): seconds, seconds per 1,000 ops and peak memory
    against program size, one line per pipeline."""
    try:
        import matplotlib
        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        print("(matplotlib not installed: no plot; pip install matplotlib)")
        return
    fig, (left, middle, right) = plt.subplots(1, 3, figsize=(15, 4))
    for pipeline in dict.fromkeys(r["pipeline"] for r in rows):
        mine = [r for r in rows if r["pipeline"] == pipeline]
        xs = [int(r["ops"]) for r in mine]
        left.plot(xs, [float(r["seconds"]) for r in mine], "o-", label=pipeline)
        middle.plot(xs, [float(r["seconds_per_1k_ops"]) for r in mine], "o-", label=pipeline)
        right.plot(xs, [float(r["peak_rss_mib"]) for r in mine], "o-", label=pipeline)
    left.set(xlabel="coco ops", ylabel="seconds", title="compile time")
    middle.set(xlabel="coco ops", ylabel="seconds per 1,000 ops",
               title="time per op (flat = linear)", ylim=(0, None))
    right.set(xlabel="coco ops", ylabel="MiB", title="peak memory", ylim=(0, None))
    for axes in (left, middle, right):
        axes.legend(fontsize="small")
    fig.tight_layout()
    fig.savefig(os.path.join(out, "compile_time.png"), dpi=100)


if __name__ == "__main__":
    main()
