#!/usr/bin/env python3
"""Benchmarks CoCoNet's schedules of the data-parallel optimizer steps on MPI
ranks, as ratios measured in one launch.

For each workload and size, every schedule is compiled into ONE executable
(one entry per schedule); the host program runs them interleaved (warmups,
then repetition i of every schedule before repetition i+1 of any), and
reports the median over repetitions of the max over ranks. A second launch
(coco-raw-collectives) measures the bound's parts: raw collective times and
the copy bandwidth with every rank copying at once.

Schedules (DESIGN.md / CoCoNet names):
  eager        AR-C, one pass per pointwise op (as eager PyTorch runs Adam)
  AR-C         all_reduce + one fused pass
  RS-C-AG      split + reorder: reduce_scatter, update the slice, all_gather
  RS-C-AG+ss   ... with shard-state: m, v stay sliced (ZeRO-1)
  fuse(RS-C-AG)+ss  ... with the reduce-scatter's sum folded into the update loop
  RS-C-AG+ss(w)     the mixed-precision steps only (sgd-mixed, adam-mixed,
                    lamb-mixed): the f32 master weights stay sliced too,
                    only their bf16 copy is all-gathered (as ZeRO keeps fp32
                    masters partitioned)

A mixed-precision workload requested together with its f32 one (say
--workloads adam,adam-mixed) is built into the f32 one's executable, so the
bf16 and f32 steps are interleaved in one launch and their ratio is measured
in the same moments.

--ranks 2,4 runs every workload and size on 2 and then on 4 ranks (each
launch calibrated on its own ranks); the tables give each rank count's
rows, ratios and choices apart.

usage: run_benchmarks.py [--ranks 2[,4,...]] [--sizes 1M,4M,16M]
                         [--workloads adam,adam-mixed,sgd,sgd-mixed,lamb,lamb-mixed]
                         [--iters 7] [--out benchmarks/results]
Prints a table per workload, writes results.csv, results.md and results.png.
"""
import argparse
import contextlib
import csv
import os
import re
import shutil
import subprocess
import sys
import tempfile

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BUILD = os.path.join(ROOT, "build")
BIN = os.path.join(BUILD, "bin")
WORKLOADS = os.path.join(ROOT, "test", "Integration", "DataParallel")
# mpirun, or an MPI singleton where COCO_LAUNCHER=none (the GPU bundle):
# the front end's runner decides, for the tests and the benchmarks alike.
sys.path.insert(0, os.path.join(ROOT, "python"))
from coco.runner import launcher  # noqa: E402

TP = os.path.join(ROOT, "test", "Integration", "TensorParallel")
PP = os.path.join(ROOT, "test", "Integration", "PipelineParallel")
# The pipeline-parallel layer runs on 2 stages x 2 tensor-parallel ranks.
PIPELINE_RANKS = 4

# Bytes an eager implementation moves per element (f32): reads and writes.
# For the layer: the pointwise part after the matmul (y, b, r read, z
# written); its matmul is not in the bound.
# The mixed-precision steps (<kind>-mixed): w and the state f32 and g bf16
# read; w and the state f32 and the bf16 copy of w written.
BYTES_PER_ELEMENT = {"sgd": (3 + 2) * 4, "adam": (4 + 3) * 4, "lamb": (4 + 3) * 4,
                     "sgd-mixed": (2 * 4 + 2) + (2 * 4 + 2),
                     "adam-mixed": (3 * 4 + 2) + (3 * 4 + 2),
                     "lamb-mixed": (3 * 4 + 2) + (3 * 4 + 2),
                     "layer": (3 + 1) * 4, "pipeline": (3 + 1) * 4}
STATE = {"sgd": ["b"], "adam": ["m", "v"], "lamb": ["m", "v"]}
MIXED = "-mixed"


def group_workloads(workloads):
    """The executables to build: each workload, with its mixed-precision
    step where both are requested (interleaved in one launch; their entry
    names differ by prefix, those of two workloads do not)."""
    return [[k] + ([k + MIXED] if k + MIXED in workloads else []) for k in workloads
            if not (k.endswith(MIXED) and base_kind(k) in workloads)]


def base_kind(kind):
    """sgd for sgd-mixed: the f32 step a mixed-precision one is compared with."""
    return kind[:-len(MIXED)] if kind.endswith(MIXED) else kind
# The layer's sizes: B x S x H activations, the --sizes value picks B.
LAYER_S, LAYER_H = 1024, 1024


# In a --keep folder: the cost model's time of each kept program's
# schedules (workload,n,ranks,schedule,ms), for a --prebuilt run's predicted
# column.
PREDICTED_CSV = "predicted.csv"
# One line of coco-raw-collectives(-gpu): NAME,ELEMENTS,MILLISECONDS.
RAW_LINE = re.compile(r"([a-z_]+),\d+,([0-9.eE+-]+)")


def sh(cmd, **kw):
    result = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, **kw)
    if result.returncode != 0:
        sys.exit(f"failed: {' '.join(cmd)}\n{result.stdout}")
    return result.stdout


def parse_size(text):
    text = text.strip().upper()
    scale = {"K": 1 << 10, "M": 1 << 20, "G": 1 << 30}.get(text[-1], 1)
    return int(text.rstrip("KMG")) * scale


# --whole-exchange: each fused schedule also with its exchange whole before
# the loop (coco-chunk-exchange off), next to it in the same launch.
WHOLE_EXCHANGE = False
WHOLE = " [whole exchange]"


def variants(kind):
    split_reorder = ["--coco-split", "--coco-reorder"]
    if kind == "layer":
        return [
            ("eager", [], "coco-lower-to-cpu{fuse-elementwise=false}"),
            ("MM-AR-C", [], "coco-lower-to-cpu"),
            # Sliced along S (1024 rows), which any rank count divides.
            ("MM-RS-C-AG", ["--coco-split=dim=1", "--coco-reorder"], "coco-lower-to-cpu"),
            ("ol(MM,AR)-C", [], "coco-lower-to-cpu{overlap-chunks=4}"),
            # Sliced along H so that row blocks of the matmul scatter into
            # row blocks of each rank's slice.
            ("ol(MM,RS)-C-AG", ["--coco-split=dim=2", "--coco-reorder"],
             "coco-lower-to-cpu{overlap-chunks=4}"),
        ]
    if kind == "pipeline":
        return [
            ("eager", [], "coco-lower-to-cpu{fuse-elementwise=false}"),
            ("AR-P2P-C", [], "coco-lower-to-cpu"),
            ("RS-P2P-C-AG", ["--coco-pipeline-send=dim=1", "--coco-reorder"], "coco-lower-to-cpu"),
            ("ol(MM,AR)-P2P-C", [], "coco-lower-to-cpu{overlap-chunks=4}"),
            ("ol(MM,RS)-P2P-C-AG", ["--coco-pipeline-send=dim=2", "--coco-reorder"],
             "coco-lower-to-cpu{overlap-chunks=4}"),
        ]
    state = STATE[base_kind(kind)]
    shard = [f"--coco-shard-state=args={','.join(state)}"]
    plain, unfused = "coco-lower-to-cpu", "coco-lower-to-cpu{fuse-elementwise=false}"
    fused = "coco-lower-to-cpu{fuse-reduce-scatter=true}"
    schedules = [
        ("eager", [], unfused),
        ("AR-C", [], plain),
        ("RS-C-AG", split_reorder, plain),
        ("RS-C-AG+ss", split_reorder + shard, plain),
        ("fuse(RS-C-AG)+ss", split_reorder + shard, fused),
    ]
    if kind.endswith(MIXED):
        # The f32 master weights sliced as well: each rank all-gathers only
        # the bf16 copy the next forward pass reads.
        masters = [f"--coco-shard-state=args=w,{','.join(state)}"]
        schedules += [("RS-C-AG+ss(w)", split_reorder + masters, plain),
                      ("fuse(RS-C-AG)+ss(w)", split_reorder + masters, fused)]
    if WHOLE_EXCHANGE:
        whole = "coco-lower-to-cpu{fuse-reduce-scatter=true exchange-chunk-bytes=0}"
        schedules += [(name + WHOLE, passes, whole)
                      for name, passes, pipeline in schedules if pipeline == fused]
    return schedules


def torch_fused_adam_ms(n, iters):
    """PyTorch's fused Adam on one GPU (benchmarks/torch_fused_adam.py), or
    None when torch or a GPU is not available."""
    script = os.path.join(ROOT, "benchmarks", "torch_fused_adam.py")
    result = subprocess.run([sys.executable, script, str(n), str(iters)],
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    if result.returncode != 0:
        print(f"(no torch reference: {result.stdout.strip().splitlines()[-1:]})")
        return None
    return float(result.stdout.strip().split(",")[2])


TORCH_ROW = "torch Adam(fused=True)"


# The CPU workloads benchmarks/torch_cpu_step.py has a PyTorch version of.
TORCH_CPU_KINDS = ("adam", "sgd", "layer")
TORCH_MATMUL = "torch matmul x_r @ W_r"


def free_port():
    """A TCP port nobody listens on now (gloo's rendezvous)."""
    import socket
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def size_label(elements):
    """64K, 1M: a size as the tables write it (1M = 2^20 elements)."""
    if elements >= 1 << 20:
        return f"{elements / (1 << 20):g}M"
    return f"{elements / (1 << 10):g}K"


def torch_cpu_comparison(rows):
    """Lines comparing coco's fastest schedule with PyTorch's fastest step
    at each workload and size that has torch rows (CPU), and PyTorch's
    matmul throughput on the layer's shape."""
    lines = []
    for kind, elements, ranks in sorted({(r["workload"], r["elements"], r["ranks"]) for r in rows
                                         if r["schedule"].startswith("torch ")
                                         and r["target"] == "cpu"}):
        here = [r for r in rows if r["workload"] == kind and r["elements"] == elements
                and r["ranks"] == ranks]
        steps = [r for r in here if r["schedule"].startswith("torch ")
                 and r["schedule"] != TORCH_MATMUL]
        coco = [r for r in here if not r["schedule"].startswith("torch ")]
        if not steps or not coco:
            continue
        torch_best = min(steps, key=lambda r: r["median_ms"])
        best = min(coco, key=lambda r: r["median_ms"])
        lines.append(f"- {kind} {size_label(elements)} on {best['ranks']} ranks: coco {best['schedule']} "
                     f"{best['median_ms']} ms vs {torch_best['schedule']} "
                     f"{torch_best['median_ms']} ms: {torch_best['median_ms'] / best['median_ms']:.2f}x "
                     f"PyTorch's speed")
        matmul = next((r for r in here if r["schedule"] == TORCH_MATMUL), None)
        if matmul:
            flops = 2 * elements * (LAYER_H // ranks)  # [B*S, H/R] x [H/R, H]
            lines.append(f"  (PyTorch's matmul x_r @ W_r alone: {matmul['median_ms']} ms, "
                         f"{flops / (matmul['median_ms'] * 1e-3) / 1e9:.1f} GFLOP/s per rank)")
    if not lines:
        return ""
    return "\n\nAgainst PyTorch on the same CPU ranks (gloo, one thread per rank; " \
           "benchmarks/torch_cpu_step.py):\n" + "\n".join(lines)


def torch_comparison(rows):
    """Lines comparing coco's fastest Adam schedule with PyTorch's fused Adam
    at each size where the table has a torch row (the GPU issue's target:
    at least 0.95x PyTorch's speed, i.e. torch ms / coco ms >= 0.95)."""
    lines = []
    for elements, ranks in sorted({(r["elements"], r["ranks"]) for r in rows
                                   if r["schedule"] == TORCH_ROW}):
        here = [r for r in rows if r["workload"] == "adam" and r["elements"] == elements
                and r["ranks"] == ranks]
        torch = next(r for r in here if r["schedule"] == TORCH_ROW)
        best = min((r for r in here if r["schedule"] != TORCH_ROW), key=lambda r: r["median_ms"])
        lines.append(f"adam {size_label(elements)}: best coco schedule {best['schedule']} "
                     f"{best['median_ms']} ms vs torch fused {torch['median_ms']} ms: "
                     f"{torch['median_ms'] / best['median_ms']:.2f}x torch's speed "
                     f"(target >= 0.95)")
    return "\n\n" + "\n".join(lines) if lines else ""


def mixed_comparison(rows):
    """Lines comparing the fastest mixed-precision step with the fastest f32
    step at each workload and size that has both (the target of the fast
    CPU issue: bf16 at least 1.3x faster at 16M). Eager is left out: no
    schedule picks it."""
    lines = []
    for kind, elements, ranks in sorted({(r["workload"], r["elements"], r["ranks"]) for r in rows
                                         if r["workload"].endswith(MIXED)}):
        def best(workload):
            here = [r for r in rows if r["workload"] == workload and r["elements"] == elements
                    and r["ranks"] == ranks and r["schedule"] != "eager"
                    and not r["schedule"].startswith("torch ")]
            return min(here, key=lambda r: r["median_ms"]) if here else None
        low, full = best(kind), best(base_kind(kind))
        if not low or not full:
            continue
        lines.append(f"- {base_kind(kind)} {size_label(elements)} on {ranks} ranks: bf16 {low['schedule']} "
                     f"{low['median_ms']} ms vs f32 {full['schedule']} {full['median_ms']} ms: "
                     f"{full['median_ms'] / low['median_ms']:.2f}x")
    if not lines:
        return ""
    return ("\n\nMixed precision (bf16 gradients and weight copy, f32 master weights and "
            "state) against f32, the fastest schedule of each:\n" + "\n".join(lines))


def model_accuracy(rows):
    """How well the cost model predicts: the share of schedules within 20%
    of the measured time, and for each workload and size whether the
    model's fastest schedule is the measured fastest (the target of the
    autoscheduler issue). Eager is left out of the choice (no schedule
    picks it)."""
    predicted = [r for r in rows if r.get("predicted_ms") not in ("", None)]
    if not predicted:
        return ""
    within = [r for r in predicted if abs(r["predicted_ms"] - r["median_ms"]) <= 0.2 * r["median_ms"]]
    lines = [f"Cost model: {len(within)} of {len(predicted)} schedules predicted within 20% of "
             f"the measured time."]
    right = total = 0
    for key in sorted({(r["workload"], r["elements"], r["ranks"]) for r in predicted}):
        here = [r for r in predicted if (r["workload"], r["elements"], r["ranks"]) == key
                and r["schedule"] != "eager"]
        if not here:
            continue
        model_best = min(here, key=lambda r: r["predicted_ms"])
        measured_best = min(here, key=lambda r: r["median_ms"])
        # Within the noise of the measurement (2%), the two are the same.
        ok = model_best["median_ms"] <= 1.02 * measured_best["median_ms"]
        right += ok
        total += 1
        lines.append(f"{key[0]} {size_label(key[1])} on {key[2]} ranks: model's best "
                     f"{model_best['schedule']} "
                     f"({model_best['median_ms']} ms measured), measured best "
                     f"{measured_best['schedule']} ({measured_best['median_ms']} ms)"
                     f"{'' if ok else ' MISSED'}")
    lines.append(f"The model's best schedule is the measured best (within 2%) for {right} of "
                 f"{total} workload sizes.")
    return "\n\n" + "\n".join(lines)


def entry_name(variant, kind=""):
    """The C symbol of a schedule's entry (a mixed-precision step's carry a
    prefix: they share an executable with the f32 step's)."""
    prefix = "v_mixed_" if kind.endswith(MIXED) else "v_"
    return prefix + re.sub(r"[^A-Za-z0-9]+", "_", variant).strip("_")


def predict_ms(path, passes, pipeline, ranks, profile, target="cpu", caller_bytes=0,
               working_set=None):
    """The cost model's time of the scheduled program (coco-predict with the
    pipeline's options), in ms. caller_bytes: what the launch's other
    programs take per rank (they run between two of its calls and share the
    caches); working_set: a dict that gets the program's own bytes per rank
    (the remark's "arrays")."""
    options = dict(re.findall(r"([\w-]+)=(\w+)", pipeline))
    # coco-lower-to-gpu keeps norms in kernels of their own.
    predict = (f"--coco-predict=profile={profile} ranks={ranks} "
               f"fuse-reductions={'false' if target == 'gpu' else 'true'} "
               f"fuse-elementwise={options.get('fuse-elementwise', 'true')} "
               f"overlap-chunks={options.get('overlap-chunks', '0')} "
               f"fuse-reduce-scatter={options.get('fuse-reduce-scatter', 'false')} "
               # coco-lower-to-gpu exchanges whole; coco-lower-to-cpu in
               # chunks of its option's default unless the pipeline says.
               f"exchange-chunk-bytes="
               f"{0 if target == 'gpu' else options.get('exchange-chunk-bytes', 1 << 20)} "
               f"caller-bytes={int(caller_bytes)}")
    result = subprocess.run([os.path.join(BIN, "coco-opt"), path, *passes, predict,
                             "--remarks-filter=coco-predict", "-o", os.devnull],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    found = re.search(r'Remark="([0-9.]+) ms per call', result.stderr)
    if result.returncode != 0 or not found:
        sys.exit(f"coco-predict failed on {path}:\n{result.stderr}")
    arrays = re.search(r"; arrays ([0-9.]+) MiB per rank", result.stderr)
    if working_set is not None and arrays:
        working_set["bytes"] = float(arrays.group(1)) * (1 << 20)
    return float(found.group(1))


def predict_launch(scheduled_sources, ranks, profile, target="cpu"):
    """The cost model's time (ms) of every program of one launch, keyed as
    scheduled_sources. The launch calls them in turn (interleaved), so the
    others' arrays pass through the caches between two calls of each: each
    is predicted with their bytes as the caller's (coco-predict
    caller-bytes), learned from a first prediction of each alone."""
    own = {}
    for key, (path, passes, pipeline) in scheduled_sources.items():
        found = {}
        predict_ms(path, passes, pipeline, ranks, profile, target, working_set=found)
        own[key] = found.get("bytes", 0)
    total = sum(own.values())
    return {key: predict_ms(path, passes, pipeline, ranks, profile, target,
                            caller_bytes=total - own[key])
            for key, (path, passes, pipeline) in scheduled_sources.items()}


def workload_source(kind, n, ranks):
    """The workload's module at n elements (B = n for the layers) on a
    static grid of `ranks`, without its RUN and CHECK lines."""
    if kind in ("layer", "pipeline"):
        source = open(os.path.join(TP if kind == "layer" else PP, "layer.mlir")).read()
        h = LAYER_H
        source = (source.replace("4x8x16xf32", f"{n}x{LAYER_S}x{h}xf32")
                  .replace("16x16xf32", f"{h}x{h}xf32").replace("<16xf32", f"<{h}xf32"))
        source = source.replace("coco.grid @tp(shape = [?])", f"coco.grid @tp(shape = [{ranks}])")
        source = source.replace("coco.grid @pp(shape = [2, ?])",
                                f"coco.grid @pp(shape = [2, {ranks // 2}])")
    else:
        source = open(os.path.join(WORKLOADS, f"{kind}.mlir")).read()
        source = source.replace("4096xf32", f"{n}xf32").replace("4096xbf16", f"{n}xbf16")
    source = "\n".join(l for l in source.splitlines() if not l.startswith("// RUN") and "CHECK" not in l)
    # Static ranks: the fused reduce-scatter needs them; every schedule gets
    # the same module.
    return source.replace("coco.grid @dp(shape = [?])", f"coco.grid @dp(shape = [{ranks}])")


def build_program(kinds, n, ranks, work, target="cpu", scheduled_sources=None,
                  builds=(("", BIN),), skip=(), exe_name=None):
    """One executable with an entry per schedule of every workload in
    `kinds` (an f32 step and its mixed-precision one share one, so that
    they are interleaved); target gpu: every schedule's pipeline is
    coco-lower-to-gpu with the same options, linked with libCocoRuntimeGPU.
    scheduled_sources[(kind, variant)] gets (source path, schedule passes,
    pipeline): what the cost model prices. builds: (entry prefix, directory
    of the coco-compile that compiles those entries), one set of entries
    each, a schedule's next to each other (compare_builds.py: an old build
    against this one); schedules named in `skip` are left out."""
    objects, funcs, entries, grid = [], [], [], None
    for kind in kinds:
        source = workload_source(kind, n, ranks)
        function = re.search(r"func\.func @(\w+)", source).group(1)
        # Each schedule's builds next to each other in the interleaving.
        for (variant, passes, pipeline), (prefix, bindir) in [
                (v, b) for v in variants(kind) for b in builds]:
            if variant in skip:
                continue
            name = prefix + entry_name(variant, kind)
            entries.append(name)
            path = os.path.join(work, f"{name}.mlir")
            with open(path, "w") as f:
                f.write(source.replace(f"@{function}(", f"@{name}("))
            scheduled = sh([os.path.join(BIN, "coco-opt"), path, *passes])
            if scheduled_sources is not None:
                scheduled_sources[kind, variant] = (path, passes, pipeline)
            # Keep the scheduled function (for the host main) ...
            lines = scheduled.rstrip().splitlines()
            grid = next(l for l in lines if "coco.grid" in l)
            lines = [l for l in lines if not l.strip().startswith("coco.grid")]
            start = next(i for i, l in enumerate(lines) if l.strip().startswith("func.func"))
            funcs.append("\n".join(lines[start:-1]))
            # ... and compile it with its pipeline.
            obj = os.path.join(work, f"{name}.o")
            if target == "gpu":
                pipeline = pipeline.replace("coco-lower-to-cpu", "coco-lower-to-gpu")
            sh([os.path.join(bindir, "coco-compile"), path, "--emit=obj", "-o", obj,
                "--target", target, "--pipeline", pipeline] + [f"--pre-pass={p}" for p in passes])
            objects.append(obj)
    merged = os.path.join(work, "all.mlir")
    with open(merged, "w") as f:
        f.write("module {\n" + grid + "\n" + "\n".join(funcs) + "\n}\n")
    main_cpp = os.path.join(work, "main.cpp")
    sh([os.path.join(BIN, "coco-translate"), "--coco-to-cpp-main", f"--coco-entry={','.join(entries)}",
        merged, "-o", main_cpp])
    exe = os.path.join(work, exe_name or program_name(kinds, n))
    lib = os.path.join(BUILD, "lib")
    runtime = "-lCocoRuntimeGPU" if target == "gpu" else "-lCocoRuntime"
    sh(["c++", "-O2", "-std=c++17", f"-I{ROOT}/include", main_cpp, *objects, "-o", exe,
        f"-L{lib}", "-lCocoHost", runtime, f"-Wl,-rpath,{lib}", "-lm"])
    return exe


def program_name(kinds, n, ranks=None):
    """The executable of one job (`--keep` writes it, `--prebuilt` reads it;
    its profile is named after it). Programs are built for their rank count:
    where one command runs several (`--ranks 2,4`), `ranks` puts it in the
    name."""
    suffix = "" if ranks is None else f"_on{ranks}"
    return f"bench_{'+'.join(kinds)}_{n}{suffix}"


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--ranks", default="2",
                        help="MPI ranks (GPUs with --target gpu), or several, e.g. 2,4: every "
                             "workload and size is run on each (the layers on the first)")
    parser.add_argument("--sizes", default="1M,4M,16M")
    parser.add_argument("--workloads", default="adam,adam-mixed,sgd,sgd-mixed,lamb,lamb-mixed")
    parser.add_argument("--layer-batches", default="",
                        help="also benchmark the tensor-parallel layer at these B (S=H=1024), e.g. 2,4,8")
    parser.add_argument("--pipeline-batches", default="",
                        help="also benchmark the pipeline-parallel layer (2 stages x 2 tensor-parallel "
                             f"ranks, {PIPELINE_RANKS} MPI ranks) at these B, e.g. 2,4")
    parser.add_argument("--target", choices=["cpu", "gpu"], default="cpu",
                        help="gpu: coco-lower-to-gpu programs, one rank per GPU "
                             "(--ranks = number of GPUs), raw NCCL collectives and "
                             "device-to-device copy bandwidth for the bound")
    parser.add_argument("--build-only", action="store_true",
                        help="build every program and stop (e.g. for a GPU machine without compilers)")
    parser.add_argument("--keep", metavar="DIR",
                        help="copy the built programs into DIR (to carry them elsewhere)")
    parser.add_argument("--prebuilt", metavar="DIR",
                        help="run the programs a --build-only --keep DIR run made (and the raw "
                             "collectives tool kept there) instead of building them")
    parser.add_argument("--profile", default=None,
                        help="machine profile for the predicted column (default on the CPU: "
                             "coco-calibrate right before each launch, results/profiles/)")
    parser.add_argument("--torch", action="store_true",
                        help="cpu: add PyTorch's rows (gloo all_reduce + Adam/SGD foreach and "
                             "fused; the layer in torch ops) on the same ranks, right after coco's "
                             "launch of each size (makes build/torch-venv first: ~3 GB)")
    parser.add_argument("--whole-exchange", action="store_true",
                        help="each fused schedule also with its exchange whole before the "
                             "loop (exchange-chunk-bytes=0), interleaved with the chunked one")
    parser.add_argument("--iters", type=int, default=7)
    parser.add_argument("--warmup", type=int, default=2)
    parser.add_argument("--out", default=None,
                        help="default: benchmarks/results (cpu) or benchmarks/results-gpu")
    args = parser.parse_args()
    try:
        rank_counts = [int(r) for r in args.ranks.split(",")]
    except ValueError:
        parser.error(f"--ranks takes rank counts separated by commas, not '{args.ranks}'")
    if not rank_counts or min(rank_counts) < 1 or len(set(rank_counts)) != len(rank_counts):
        parser.error(f"--ranks takes distinct positive rank counts, not '{args.ranks}'")
    global WHOLE_EXCHANGE
    WHOLE_EXCHANGE = args.whole_exchange
    if args.prebuilt and args.keep:
        parser.error("--keep with --prebuilt: nothing is built to keep")
    if args.prebuilt and args.profile:
        parser.error("--profile with --prebuilt: the predictions come from the programs' "
                     f"folder ({PREDICTED_CSV}, written by --build-only --keep DIR --profile P)")
    if args.out is None:
        args.out = os.path.join(ROOT, "benchmarks", "results" + ("-gpu" if args.target == "gpu" else ""))
    os.environ.setdefault("OMPI_ALLOW_RUN_AS_ROOT", "1")
    os.environ.setdefault("OMPI_ALLOW_RUN_AS_ROOT_CONFIRM", "1")
    os.makedirs(args.out, exist_ok=True)
    sizes = [parse_size(s) for s in args.sizes.split(",")]
    jobs = [(ranks, n, kinds) for ranks in rank_counts for n in sizes
            for kinds in group_workloads(args.workloads.split(","))]
    jobs += [(rank_counts[0], int(b), ["layer"]) for b in args.layer_batches.split(",") if b]
    jobs += [(PIPELINE_RANKS, int(b), ["pipeline"])
             for b in args.pipeline_batches.split(",") if b]
    rows = []
    torch_python = None
    if args.torch and args.target == "cpu" and not args.build_only:
        sh(["bash", os.path.join(ROOT, "tools", "scripts", "torch-venv.sh")])
        torch_python = os.path.join(BUILD, "torch-venv", "bin", "python")
    raw_tool_name = "coco-raw-collectives" + ("-gpu" if args.target == "gpu" else "")
    # Without --profile, on the CPU, each launch is predicted from a
    # calibration of this machine made right before it, on the same ranks:
    # this shared machine drifts by 30-50% within minutes, and one
    # calibration at the start of a 12-minute run was the largest part of
    # the model's error (benchmarks/README.md).
    calibrate_each = (args.profile is None and args.target == "cpu" and not args.build_only
                      and not args.prebuilt)
    if calibrate_each:
        os.makedirs(os.path.join(args.out, "profiles"), exist_ok=True)
    work = tempfile.mkdtemp(prefix="coco-bench-")
    try:
        raw_by_elements = {}
        for ranks, n, kinds in jobs:
            kind = kinds[0]
            predictions, scheduled_sources = {}, {}
            program = program_name(kinds, n, ranks if len(rank_counts) > 1 else None)
            elements = n * LAYER_S * LAYER_H if kind in ("layer", "pipeline") else n
            if kind != "pipeline" and (ranks, elements) not in raw_by_elements \
                    and not args.build_only:
                raw = {}
                raw_tool = os.path.join(args.prebuilt or BIN, raw_tool_name)
                printed = sh(launcher(ranks) + [raw_tool, str(elements), str(args.iters)])
                # Its lines are NAME,ELEMENTS,MS; the launcher's own chatter (the
                # lent GPU machine's PMIx warns about compression on stderr,
                # which sh() merges) is skipped.
                for line in printed.splitlines():
                    match = RAW_LINE.fullmatch(line.strip())
                    if match:
                        raw[match[1]] = float(match[2])
                missing = {"copy", "all_reduce", "reduce_scatter", "all_gather"} - raw.keys()
                if missing:
                    sys.exit(f"error: {raw_tool_name} printed no {', '.join(sorted(missing))} "
                             f"line:\n{printed}")
                raw_by_elements[ranks, elements] = raw
            if args.prebuilt:
                exe = os.path.join(args.prebuilt, program)
                if not os.path.exists(exe):
                    sys.exit(f"error: --prebuilt {args.prebuilt} has no {program}; "
                             f"build it with the same --workloads, sizes and --ranks and --keep")
            else:
                exe = build_program(kinds, n, ranks, work, args.target, scheduled_sources,
                                    exe_name=program)
            if args.keep:
                os.makedirs(args.keep, exist_ok=True)
                if (ranks, n, kinds) == jobs[0]:  # a fresh file of predictions
                    with contextlib.suppress(FileNotFoundError):
                        os.remove(os.path.join(args.keep, PREDICTED_CSV))
                shutil.copy(exe, args.keep)
                shutil.copy(os.path.join(BIN, raw_tool_name), args.keep)
            if args.build_only:
                count = sum(len(variants(k)) for k in kinds)
                print(f"built {'+'.join(kinds)} {n}: {count} schedules in {os.path.basename(exe)}")
                # The model's times travel with the programs (the GPU
                # machine has no coco-opt): --prebuilt reads them back.
                if args.profile and args.keep and kind != "pipeline":
                    with open(os.path.join(args.keep, PREDICTED_CSV), "a", newline="") as f:
                        writer = csv.writer(f)  # schedule names hold commas
                        predicted = predict_launch(scheduled_sources, ranks, args.profile,
                                                   args.target)
                        for (k, variant), ms in predicted.items():
                            writer.writerow([k, n, ranks, variant, ms])
                continue
            if args.prebuilt and os.path.exists(os.path.join(args.prebuilt, PREDICTED_CSV)):
                with open(os.path.join(args.prebuilt, PREDICTED_CSV), newline="") as f:
                    for k, size, on, variant, ms in csv.reader(f):
                        if int(size) == n and int(on) == ranks and k in kinds:
                            predictions[k, variant] = float(ms)
            # The cost model's time of each schedule, for the jobs on
            # --ranks (the pipeline layer's 4 ranks are left unpredicted,
            # as before per-launch calibrations).
            profile = args.profile
            if calibrate_each and kind != "pipeline":
                profile = os.path.join(args.out, "profiles", program + ".json")
                # The sizes the job's collectives and loops work on (f32
                # and 16-bit tensors of n elements; the layer's product) and
                # small ones for the latency: the model interpolates
                # between points, and a collective's time per byte changes
                # where its buffers leave the caches.
                sweep = sorted({4096, 65536, 1 << 20, 2 * elements, 4 * elements})
                sh(launcher(ranks) + [os.path.join(BIN, "coco-calibrate"), "--reps", "11",
                                      "--sizes", ",".join(map(str, sweep)), "-o", profile])
            if profile and kind != "pipeline":
                predictions.update(predict_launch(scheduled_sources, ranks, profile,
                                                  args.target))
            # (The host program appends: one file per job.)
            csv_path = os.path.join(work, f"{program}.csv")
            sh(launcher(ranks) + [exe, "--quiet", "--iters", str(args.iters),
                         "--warmup", str(args.warmup), "--csv", csv_path])
            times = {}
            for line in open(csv_path):
                name, _, median, _, _ = line.strip().split(",")
                times[name] = float(median)
            expected = {entry_name(v, k) for k in kinds for v, _, _ in variants(k)}
            if expected - times.keys():
                sys.exit(f"error: {exe} reported no time for "
                         f"{', '.join(sorted(expected - times.keys()))} (built from other "
                         f"sources or workloads than this command's?)")
            # On CPUs, PyTorch on the same ranks, in the same window.
            torch_rows = []
            if torch_python and kind in TORCH_CPU_KINDS:
                for line in sh(launcher(ranks) + [
                        torch_python, os.path.join(ROOT, "benchmarks", "torch_cpu_step.py"),
                        kind, str(n), str(args.iters), str(args.warmup), str(free_port())],
                        env=dict(os.environ, OMP_NUM_THREADS="1")).splitlines():
                    if line.startswith("torch "):
                        name, _, ms = line.rpartition(",")
                        times[name] = float(ms)
                        torch_rows.append(name)
            # On GPUs, PyTorch's fused Adam is the reference (when torch is
            # there): one row next to coco's schedules.
            if args.target == "gpu" and kind == "adam":
                torch_ms = torch_fused_adam_ms(n, args.iters)
                if torch_ms is not None:
                    times["torch_fused_adam"] = torch_ms
            for kind in kinds:
                nbytes = BYTES_PER_ELEMENT[kind] * elements
                # The bound models collectives over all ranks; the
                # pipeline's stage-to-stage send is not in it.
                bound = bandwidth = None
                if kind != "pipeline":
                    raw = raw_by_elements[ranks, elements]
                    bandwidth = 2 * elements * 4 / (raw["copy"] * 1e-3)  # bytes/s, read + write
                    compute = nbytes / bandwidth * 1e3
                    # The raw collectives are f32: no bound for the bf16 steps.
                    if not kind.endswith(MIXED):
                        bound = min(raw["all_reduce"] + compute,
                                    raw["reduce_scatter"] + raw["all_gather"] + compute / ranks)
                eager = times[entry_name("eager", kind)]
                named = [(v, entry_name(v, kind)) for v, _, _ in variants(kind)]
                if kind == kinds[0]:
                    if "torch_fused_adam" in times:
                        named.append((TORCH_ROW, "torch_fused_adam"))
                    named += [(name, name) for name in torch_rows]
                for variant, key in named:
                    t = times[key]
                    # The bound and the bandwidth are the step's: a matmul
                    # alone has neither.
                    step = key != TORCH_MATMUL
                    rows.append(dict(workload=kind, target=args.target, elements=elements,
                                     schedule=variant, ranks=ranks,
                                     median_ms=round(t, 3),
                                     gb_per_s=round(nbytes / (t * 1e-3) / 1e9, 2) if step else "",
                                     speedup_vs_eager=round(eager / t, 2),
                                     ratio_to_bound=round(t / bound, 2) if bound and step else "",
                                     bound_ms=round(bound, 3) if bound else "",
                                     all_reduce_ms=round(raw["all_reduce"], 3) if bound else "",
                                     copy_gb_per_s=round(bandwidth / 1e9, 1) if bandwidth else "",
                                     predicted_ms=round(predictions[kind, variant], 3)
                                     if (kind, variant) in predictions else ""))
    finally:
        shutil.rmtree(work, ignore_errors=True)
    if args.build_only:
        return

    with open(os.path.join(args.out, "results.csv"), "w", newline="") as f:
        writer = csv.DictWriter(f, fieldnames=list(rows[0].keys()))
        writer.writeheader()
        writer.writerows(rows)
    header = ("| workload | ranks | elements | schedule | median ms | predicted ms | model error "
              "| eff. GB/s | x eager | / bound | of copy BW |")
    table = [header, "|" + "---|" * 11]
    for r in rows:
        of_copy = (f"{100 * r['gb_per_s'] / r['copy_gb_per_s']:.0f}%"
                   if r["copy_gb_per_s"] and r["gb_per_s"] != "" else "n/a")
        error = (f"{100 * (r['predicted_ms'] - r['median_ms']) / r['median_ms']:+.0f}%"
                 if r["predicted_ms"] != "" else "n/a")
        table.append(f"| {r['workload']} | {r['ranks']} | {size_label(r['elements'])} | {r['schedule']} | "
                     f"{r['median_ms']} | {r['predicted_ms'] if r['predicted_ms'] != '' else 'n/a'} | "
                     f"{error} | {r['gb_per_s'] if r['gb_per_s'] != '' else 'n/a'} | "
                     f"{r['speedup_vs_eager']} | "
                     f"{r['ratio_to_bound'] or 'n/a'} | {of_copy} |")
    text = "\n".join(table) + torch_comparison(rows) + torch_cpu_comparison(rows) + \
        mixed_comparison(rows) + model_accuracy(rows)
    note = (f"\n\n{' and '.join(map(str, rank_counts))} MPI ranks ({args.target}), median of {args.iters} interleaved repetitions "
            f"(max over ranks). Bound = min(all_reduce + bytes/BW, reduce_scatter + all_gather "
            f"+ bytes/(R*BW)), BW = copy bandwidth with every rank copying. For the layer "
            f"(elements = B*S*H) the bound leaves out the matmul and GB/s counts only the "
            f"pointwise part.")
    if any(r["workload"].endswith(MIXED) for r in rows):
        note += (" The mixed-precision steps (-mixed) have no bound (n/a): the raw "
                 "collectives are timed in f32, their gradients travel in bf16; each ran "
                 "interleaved with its f32 step where both were asked for.")
    if any(r["workload"] == "pipeline" for r in rows):
        note += (f" The pipeline layer runs on {PIPELINE_RANKS} ranks (2 stages x 2 "
                 f"tensor-parallel ranks); its stage-to-stage send is not in the bound model "
                 f"(n/a).")
    if any(r["schedule"] == TORCH_ROW for r in rows):
        note += (" The torch row is PyTorch's Adam(fused=True) on one GPU "
                 "(benchmarks/torch_fused_adam.py), without gradient communication.")
    note += "\n"
    with open(os.path.join(args.out, "results.md"), "w") as f:
        f.write(text + note)
    print(text + note)
    write_plot(rows, args.out, args.target)


def write_plot(rows, out, target):
    """results.png: each workload's schedules' speed-up over eager by size
    (rows as main makes them, or as read back from results.csv)."""
    try:
        import matplotlib
        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
        # Optimizers first, then the layers (x = elements of B x S x H).
        present = {r["workload"] for r in rows}
        kinds = sorted(present - {"layer", "pipeline"}) + \
            [k for k in ("layer", "pipeline") if k in present]
        fig, axes = plt.subplots(1, len(kinds), figsize=(5 * len(kinds), 4), squeeze=False)
        for ax, kind in zip(axes[0], kinds):
            counts = sorted({int(r["ranks"]) for r in rows if r["workload"] == kind})
            for ranks in counts:
                for variant, _, _ in variants(kind):
                    pts = [(int(r["elements"]), float(r["speedup_vs_eager"])) for r in rows
                           if r["workload"] == kind and r["schedule"] == variant
                           and int(r["ranks"]) == ranks]
                    label = variant if len(counts) == 1 else f"{variant}, {ranks} ranks"
                    ax.plot([p[0] >> 20 for p in pts], [p[1] for p in pts], marker="o",
                            label=label)
            ax.set_title(f"{kind} on {' and '.join(map(str, counts))} ranks ({target})")
            ax.set_xlabel("elements (M)" if kind not in ("layer", "pipeline")
                          else "activation elements B*S*H (M)")
            ax.set_ylabel("speed-up over eager")
            ax.set_xscale("log", base=2)
            ax.legend(fontsize=7)
        fig.tight_layout()
        fig.savefig(os.path.join(out, "results.png"), dpi=100)
    except ImportError:
        print("(matplotlib not installed: no plot; pip install matplotlib)")


if __name__ == "__main__":
    main()
