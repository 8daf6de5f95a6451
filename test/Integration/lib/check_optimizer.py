"""Runs a compiled data-parallel optimizer step on N ranks and compares every
rank's updated parameters with reference.py on the same random inputs.

usage: check_optimizer.py {sgd,adam,lamb} EXE RANKS
"""
import sys

import numpy as np

import coco_harness as h
import reference as ref

N = 4096


def main():
    kind, exe, ranks = sys.argv[1], sys.argv[2], int(sys.argv[3])
    rng = np.random.default_rng(1234)
    w = rng.standard_normal(N, dtype=np.float32)
    grads = [rng.standard_normal(N, dtype=np.float32) for _ in range(ranks)]
    out = {name: (np.float32, (N,)) for name in ("w", "m", "v", "b")}
    # The compiled program sums gradients in MPI's order; numpy's order is
    # the same on 2 ranks (one add) but may differ on 4, so compare with a
    # float32 tolerance rather than bitwise.
    rtol, atol = 2e-5, 1e-6
    if kind == "sgd":
        b = rng.standard_normal(N, dtype=np.float32)
        scalars = dict(lr=0.05, momentum=0.9, weight_decay=0.01)
        result, _ = h.run(exe, ranks, inputs=dict(w=w, b=b), local_inputs=dict(g=grads),
                          scalars=scalars, outputs={k: out[k] for k in ("w", "b")})
        expected = ref.sgd(w, grads, b, 0.05, 0.9, 0.01)
        names = ("w", "b")
    else:
        m = rng.standard_normal(N, dtype=np.float32) * np.float32(0.1)
        v = rng.random(N, dtype=np.float32) * np.float32(0.1)
        step = 3.0
        scalars = dict(step=step, lr=1e-3)
        result, _ = h.run(exe, ranks, inputs=dict(w=w, m=m, v=v), local_inputs=dict(g=grads),
                          scalars=scalars, outputs={k: out[k] for k in ("w", "m", "v")})
        fn = ref.adam if kind == "adam" else ref.lamb
        expected = fn(w, grads, m, v, step, lr=1e-3)
        names = ("w", "m", "v")
    for name, exp in zip(names, expected):
        for r in range(ranks):
            h.check_close(f"{kind} {name} on rank {r}", result[name][r], exp, rtol, atol)
        # Replicated: every rank holds the same bits.
        for r in range(1, ranks):
            h.check_equal(f"{kind} {name} rank {r} vs rank 0", result[name][r], result[name][0])
    print(f"{kind} on {ranks} ranks: {', '.join(names)} match the numpy reference")


if __name__ == "__main__":
    main()
