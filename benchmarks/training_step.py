"""Time per training step: a compiled coco step called in-process from a
PyTorch training loop vs PyTorch's own data-parallel step (DDP over gloo +
torch.optim.Adam), same model, same ranks, in one launch.

    python3 benchmarks/training_step.py [--ranks 2] [--hidden 32,4096,65536] [--steps 200]

Makes build/torch-venv first if it is missing (tools/scripts/torch-venv.sh:
PyTorch from PyPI, ~3 GB). Each configuration is one mpirun launch of
python/examples/train_mlp_torch.py, whose loop runs a coco step and a
PyTorch step alternately on the same batches (so both see the same machine
conditions) and reports the median of each over the timed steps; both
include the forward and backward pass (autograd, one thread per rank) and
the gradient sync + Adam update. Writes benchmarks/results/training_step.md.
"""
import argparse
import os
import re
import statistics
import subprocess
import sys
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(ROOT, "python"))
from coco.runner import launcher  # noqa: E402


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--ranks", type=int, default=2)
    parser.add_argument("--hidden", default="32,4096,65536",
                        help="MLP hidden sizes (18 h + 1 parameters)")
    parser.add_argument("--schedules", default="ar-c,rs-c-ag+ss")
    parser.add_argument("--steps", type=int, default=200)
    parser.add_argument("--repeats", type=int, default=3,
                        help="launches per configuration (the table gives their median)")
    parser.add_argument("--python", default=os.environ.get("COCO_TORCH_PYTHON"),
                        help="a Python with torch (default: build/torch-venv, made if missing)")
    parser.add_argument("--out", default=os.path.join(ROOT, "benchmarks", "results",
                                                      "training_step.md"))
    args = parser.parse_args()

    python = args.python
    if not python:
        subprocess.run(["bash", os.path.join(ROOT, "tools", "scripts", "torch-venv.sh")],
                       check=True)
        python = os.path.join(ROOT, "build", "torch-venv", "bin", "python")
    env = dict(os.environ, COCO_TOOLS_DIR=os.environ.get("COCO_TOOLS_DIR",
                                                         os.path.join(ROOT, "build", "bin")))
    mpirun = launcher(args.ranks)

    rows = []
    for hidden in [int(h) for h in args.hidden.split(",")]:
        for schedule in args.schedules.split(","):
            cmd = mpirun + [python, os.path.join(ROOT, "python", "examples", "train_mlp_torch.py"),
                            "--hidden", str(hidden), "--schedule", schedule,
                            "--steps", str(args.steps), "--warmup", str(args.steps // 10)]
            runs = []
            for _ in range(args.repeats):
                proc = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                                      text=True, env=env)
                timing = re.search(r"coco ([0-9.]+) ms, torch ([0-9.]+) ms", proc.stdout)
                agree = re.search(r"max relative loss gap (\S+), max parameter gap (\S+)",
                                  proc.stdout)
                if not timing or not agree:
                    sys.exit(f"no timing from {' '.join(cmd)}:\n{proc.stdout}")
                runs.append((float(timing.group(1)), float(timing.group(2))))
            coco_ms = statistics.median(c for c, _ in runs)
            torch_ms = statistics.median(t for _, t in runs)
            ratios = [t / c for c, t in runs]
            rows.append((hidden, 18 * hidden + 1, schedule, coco_ms, torch_ms, min(ratios),
                         max(ratios), agree.group(1), agree.group(2)))
            print(f"hidden {hidden:6d} ({18 * hidden + 1} params) {schedule:11s} coco "
                  f"{coco_ms:8.3f} ms  torch {torch_ms:8.3f} ms  torch/coco "
                  f"{torch_ms / coco_ms:5.2f}x ({min(ratios):.2f}-{max(ratios):.2f}x over "
                  f"{args.repeats} launches; loss gap {agree.group(1)}, w gap {agree.group(2)})",
                  flush=True)

    lines = [
        "# Training step: coco's compiled step in-process vs PyTorch DDP",
        "",
        f"`python3 benchmarks/training_step.py --ranks {args.ranks} --hidden {args.hidden} "
        f"--steps {args.steps} --repeats {args.repeats}` on {time.strftime('%Y-%m-%d')}, this machine "
        f"({os.cpu_count()} cores), {args.ranks} MPI ranks, one thread per rank.",
        "",
        "Both columns time one training step of the same MLP on the same batches (forward +",
        "autograd backward in PyTorch; then the coco step: all_reduce + Adam on the flat",
        "parameters in place; or DDP's bucketed gloo all_reduce + torch.optim.Adam), the two",
        "run alternately in one loop. Each launch reports the median step of each; the table",
        "gives the median over the launches, and the range of the per-launch ratios. The gaps",
        "are the largest relative differences of the whole-batch loss curves and of the final",
        "parameters (last launch).",
        "",
        "| hidden | parameters | coco schedule | coco ms/step | PyTorch DDP ms/step | "
        "PyTorch / coco | range | loss gap | parameter gap |",
        "|---:|---:|---|---:|---:|---:|---:|---:|---:|",
    ]
    for hidden, params, schedule, coco_ms, torch_ms, low, high, loss_gap, w_gap in rows:
        lines.append(f"| {hidden} | {params} | {schedule} | {coco_ms:.3f} | {torch_ms:.3f} | "
                     f"{torch_ms / coco_ms:.2f}x | {low:.2f}-{high:.2f}x | {loss_gap} | {w_gap} |")
    with open(args.out, "w") as f:
        f.write("\n".join(lines) + "\n")
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
