"""test/Integration/DataParallel/chunk-exchange.mlir on N ranks: the step
compiled with fuse(RS-C-AG) twice, its exchanges whole
(exchange-chunk-bytes=0) and in 1000-byte chunks; the chunked program must
have chunked w's, w2's and the first of w3's two exchanges and left the
second whole (coco-chunk-exchange's remarks), and every rank's weights
must equal the whole exchanges' bitwise (the same sums in the same order)
and numpy's step within the ranks' sum order.

usage: check_chunk_exchange.py SOURCE WORKDIR RANKS
"""
import os
import re
import subprocess
import sys

import numpy as np

import coco_harness as h

LR = np.float32(0.01)
SCHEDULE = ["--coco-split", "--coco-reorder"]
PIPELINE = "coco-lower-to-cpu{fuse-reduce-scatter=true exchange-chunk-bytes=%d}"


def main():
    source, work, ranks = sys.argv[1], sys.argv[2], int(sys.argv[3])
    text = open(source).read().replace("coco.grid @dp(shape = [?])",
                                       f"coco.grid @dp(shape = [{ranks}])")
    static = os.path.join(work, f"static{ranks}.mlir")
    with open(static, "w") as f:
        f.write(text)
    # The chunking, as the chunked pipeline reports it (one remark per
    # parameter, in program order).
    scheduled = subprocess.run(["coco-opt", static, *SCHEDULE], check=True,
                               capture_output=True, text=True).stdout
    lowered = subprocess.run(
        ["coco-opt", f"--pass-pipeline=builtin.module({PIPELINE % 1000})",
         "--remarks-filter=coco-chunk-exchange", "-o", os.devnull],
        input=scheduled, check=True, capture_output=True, text=True).stderr
    chunked = re.findall(r"exchanged in chunks of (\d+) of (\d+) rows", lowered)
    shared = "exchanged whole before its loop: its loop also sums another exchange's blocks"
    # The chunk size was given: the exchange left whole is a warning too.
    warned = re.findall("warning: coco-chunk-exchange was requested but does not apply "
                        "here: " + re.escape(shared), lowered)
    if len(chunked) != 3 or lowered.count(shared) != 2 or len(warned) != 1:
        sys.exit(f"expected three exchanges chunked and one left whole, with a warning:\n"
                 f"{lowered}")
    for name, (rows, block) in zip(("w", "w2", "w3"), chunked):
        if int(rows) >= int(block) or int(block) % int(rows) == 0:
            sys.exit(f"{name}: {rows} of {block} rows: no shorter last chunk")
        print(f"on {ranks} ranks: {name} exchanged in chunks of {rows} of {block} rows" +
              (", its second gradient whole" if name == "w3" else ""))

    exes = {}
    for name, chunk in (("whole", 0), ("chunked", 1000)):
        exes[name] = os.path.join(work, f"{name}{ranks}.exe")
        subprocess.run(["coco-compile", static, "-o", exes[name], "--pipeline",
                        PIPELINE % chunk] + [f"--pre-pass={p}" for p in SCHEDULE],
                       check=True)
    rng = np.random.default_rng(ranks)
    w = rng.standard_normal(4104, dtype=np.float32)
    w2 = rng.standard_normal((1032, 5), dtype=np.float32)
    g = [rng.standard_normal(4104, dtype=np.float32) for _ in range(ranks)]
    g2 = [rng.standard_normal((1032, 5), dtype=np.float32) for _ in range(ranks)]
    w3 = rng.standard_normal(4104, dtype=np.float32)
    g3 = [rng.standard_normal(4104, dtype=np.float32) for _ in range(ranks)]
    h3 = [rng.standard_normal(4104, dtype=np.float32) for _ in range(ranks)]
    total = lambda grads: np.sum(np.stack(grads).astype(np.float64), axis=0)
    expected = {"w": w - LR * total(g), "w2": w2 - LR * total(g2),
                "w3": w3 - LR * (total(g3) + total(h3))}
    got, printed = {}, {}
    for name, exe in exes.items():
        got[name], printed[name] = h.run(
            exe, ranks, inputs={"w": w, "w2": w2, "w3": w3},
            local_inputs={"g": g, "g2": g2, "g3": g3, "h3": h3},
            outputs={"w": (np.float32, (4104,)), "w2": (np.float32, (1032, 5)),
                     "w3": (np.float32, (4104,))},
            env={"COCO_PROFILE": "1"})
    # The runtime's own count of exchange calls per source line (COCO_PROFILE):
    # each chunked exchange is called once per chunk for each call of h3's,
    # which stays whole; without chunking every exchange is called alike.
    lines = h.source_lines(static, ("gsum", "gsum2", "gsum3", "hsum3"))
    for name, exe in exes.items():
        calls = h.profile_calls(printed[name], "coco.all_to_all")
        whole = calls.get(lines["hsum3"])
        for v, (rows, block) in zip(("gsum", "gsum2", "gsum3"), chunked):
            per_call = -(-int(block) // int(rows)) if name == "chunked" else 1
            if not whole or calls.get(lines[v]) != per_call * whole:
                sys.exit(f"{name}: exchange calls per line {calls} (lines {lines}); "
                         f"expected {per_call} per call of the whole one for %{v}\n"
                         f"{printed[name]}")
    print(f"on {ranks} ranks: the runtime counted one exchange call per chunk")
    for k in range(ranks):
        for o in ("w", "w2", "w3"):
            h.check_equal(f"chunked {o} on rank {k}", got["chunked"][o][k], got["whole"][o][k])
            h.check_close(f"whole {o} on rank {k}", got["whole"][o][k], expected[o], 1e-6, 1e-6,
                          "the ranks' sum order and f32 rounding")
    print(f"on {ranks} ranks: chunked equals whole bitwise on every rank, and numpy")


if __name__ == "__main__":
    main()
