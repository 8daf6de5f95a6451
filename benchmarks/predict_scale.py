"""Predictions at scale from a shipped machine profile: a plain all_reduce
and the three workloads (SGD, Adam, LAMB) on 8..1024 GPUs (8 per node,
NVLink inside, InfiniBand across), by the cost model (coco-opt
--coco-predict), with the model's all_reduce bus bandwidth next to
published nccl-tests figures for H100 systems.

    python3 benchmarks/predict_scale.py [--profile tools/coco-calibrate/profiles/dgx-h100.json]

Writes docs/Scale.md. Nothing runs on a GPU: these are the model's
numbers, to be checked against a calibration on real machines.
"""
import argparse
import os
import re
import subprocess
import sys
import tempfile

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
# coco-opt of this checkout's build, or of COCO_TOOLS_DIR (the tests pass theirs).
BIN = os.environ.get("COCO_TOOLS_DIR") or os.path.join(ROOT, "build", "bin")
WORKLOADS = os.path.join(ROOT, "test", "Integration", "DataParallel")
STATE = {"sgd": ["b"], "adam": ["m", "v"], "lamb": ["m", "v"]}
GPUS = [8, 16, 32, 64, 128, 256, 512, 1024]
# Published all_reduce bus bandwidth at large sizes (nccl-tests busbw),
# H100 SXM systems. Third-party figures: ranges, not a single measurement.
PUBLISHED = {
    8: ((460, 480), "8x H100 SXM5, NVLink only: 460-480 GB/s busbw "
                    "(Alaya NeW, 'NCCL-tests in practice', 2026-05-06, "
                    "docs.alayanew.com/en/docs/tech-blog/2026-05-06-nccl-tests)"),
    "multi": ((400, 450), "H100 SXM, NVLink + InfiniBand NDR, several nodes: 400-450 GB/s "
                          "busbw expected for 8 GB messages (Saturn Cloud, 'Validating "
                          "Multi-Node GPU Clusters with NCCL Tests', "
                          "saturncloud.io/blog/crusoe-nccl-cluster-validation)"),
}


def predict(module_text, ranks, profile, passes=()):
    with tempfile.NamedTemporaryFile("w", suffix=".mlir", delete=False) as f:
        f.write(module_text)
        path = f.name
    try:
        result = subprocess.run([os.path.join(BIN, "coco-opt"), path, *passes,
                                 # As coco-lower-to-gpu lowers: norms are
                                 # kernels of their own, the exchange whole.
                                 f"--coco-predict=profile={profile} ranks={ranks} "
                                 "fuse-reductions=false exchange-chunk-bytes=0",
                                 "--remarks-filter=coco-predict", "-o", os.devnull],
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    finally:
        os.remove(path)
    found = re.search(r'Remark="([0-9.]+) ms per call', result.stderr)
    if result.returncode != 0 or not found:
        sys.exit(f"coco-predict failed:\n{result.stderr}")
    return float(found.group(1))


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--profile", default=os.path.join(ROOT, "tools", "coco-calibrate",
                                                          "profiles", "dgx-h100.json"))
    parser.add_argument("--parameters", type=int, default=1 << 30,
                        help="parameters of the optimizer steps (f32)")
    parser.add_argument("--out", default=os.path.join(ROOT, "docs", "Scale.md"))
    args = parser.parse_args()
    message = 1 << 28  # f32 elements: 1 GiB, past the latency-bound sizes

    lines = ["# Predictions at scale", "",
             f"`python3 benchmarks/predict_scale.py` with `{os.path.relpath(args.profile, ROOT)}` "
             "(numbers from published figures, each with its source in the profile). "
             "8 GPUs per node, NVLink inside, InfiniBand across (one port per GPU). Inside a "
             "node a collective is the ring; across nodes the fastest of the algorithms NCCL "
             "picks among (its src/graph/tuning.cc): the ring over every GPU, laid so that the "
             "8 GPUs of a node each cross to the next node on their own port (so a node sends "
             "8 x 50 GB/s; every step pays the latency of the slowest link it crosses), and for "
             "all_reduce the tree (a chain in the node, log2(nodes) network steps, up and down, "
             "at 0.9 of the ring's bandwidth); or the hierarchical form (reduce-scatter in the "
             "node, all-reduce across nodes on 1/8 of the data, all-gather in the node). "
             "No GPU ran any of this: these are the model's predictions, to be replaced by "
             "`coco-calibrate` runs on real machines.", "",
             "## all_reduce bus bandwidth, 1 GiB", "",
             "| GPUs | nodes | predicted ms | predicted busbw GB/s | published busbw GB/s | "
             "model vs published |", "|---:|---:|---:|---:|---:|---:|"]
    for gpus in GPUS:
        text = (f"coco.grid @g(shape = [{gpus}])\n"
                f"func.func @ar(%x: !coco.dtensor<{message}xf32, local on @g>) -> "
                f"!coco.dtensor<{message}xf32, replicated on @g> {{\n"
                f"  %y = coco.all_reduce sum %x : !coco.dtensor<{message}xf32, local on @g>\n"
                f"  return %y : !coco.dtensor<{message}xf32, replicated on @g>\n}}\n")
        ms = predict(text, gpus, args.profile)
        busbw = message * 4 / (ms * 1e-3) * 2 * (gpus - 1) / gpus / 1e9
        low, high = PUBLISHED[8 if gpus == 8 else "multi"][0]
        if busbw < low:
            versus = f"{100 * (busbw - low) / low:+.0f}% (below the range)"
        elif busbw > high:
            versus = f"{100 * (busbw - high) / high:+.0f}% (above the range)"
        else:
            versus = "within the range"
        lines.append(f"| {gpus} | {max(1, gpus // 8)} | {ms:.2f} | {busbw:.0f} | {low}-{high} | {versus} |")
    lines += ["", "Published figures: " + PUBLISHED[8][1] + "; " + PUBLISHED["multi"][1] + ".",
              "Across nodes the bandwidth is the node's 8 InfiniBand ports (400 GB/s), under "
              "NVLink's 450. The ring's latency grows with the GPUs (every GPU is a step) and "
              "the tree's with log2(nodes), so from a few dozen nodes the tree is the one "
              "predicted, at 0.9 of the ring's bandwidth. The published multi-node range was "
              "measured on a few nodes; the model has no NVLink SHARP or InfiniBand SHARP "
              "(in-network reduction), which NCCL uses where the switches offer it.", ""]

    lines += ["## Optimizer steps", "",
              f"{args.parameters / 2 ** 30:g} G f32 parameters, data parallel over all GPUs: "
              "predicted ms per step for AR-C (all_reduce, then every GPU updates everything) "
              "and RS-C-AG + shard-state (reduce_scatter, each GPU updates its slice, "
              "all_gather of the weights; optimizer state sharded), and the one "
              "coco-autoschedule picks (the faster).", "",
              "| GPUs | SGD AR-C | SGD RS-C-AG+ss | Adam AR-C | Adam RS-C-AG+ss | LAMB AR-C | "
              "LAMB RS-C-AG+ss |", "|---:|---:|---:|---:|---:|---:|---:|"]
    for gpus in GPUS:
        row = [str(gpus)]
        for kind in ("sgd", "adam", "lamb"):
            source = open(os.path.join(WORKLOADS, f"{kind}.mlir")).read()
            source = "\n".join(l for l in source.splitlines()
                               if not l.startswith("// RUN") and "CHECK" not in l)
            source = source.replace("4096xf32", f"{args.parameters}xf32").replace(
                "coco.grid @dp(shape = [?])", f"coco.grid @dp(shape = [{gpus}])")
            arc = predict(source, gpus, args.profile)
            ss = predict(source, gpus, args.profile,
                         ["--coco-split", "--coco-reorder",
                          f"--coco-shard-state=args={','.join(STATE[kind])}"])
            row += [f"**{arc:.2f}**" if arc <= ss else f"{arc:.2f}",
                    f"**{ss:.2f}**" if ss < arc else f"{ss:.2f}"]
        lines.append("| " + " | ".join(row) + " |")
    lines += ["", "Bold: the schedule the model predicts faster (what coco-autoschedule "
              "applies). Reproduce: `python3 benchmarks/predict_scale.py` (a few seconds, no "
              "GPU).", ""]
    with open(args.out, "w") as f:
        f.write("\n".join(lines))
    print("\n".join(lines))


if __name__ == "__main__":
    main()
