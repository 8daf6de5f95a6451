"""Workloads on 2-D and 3-D grids (test/Integration/NDParallel), checked
against numpy references written from WORKLOADS.md, and their schedules
against the unscheduled program.

  check_nd.py dp-tp DP_TP.mlir WORKDIR
      2 x 2 (data parallel x tensor parallel) on 4 ranks: the TP layer on each
      DP replica, then Adam on the TP-sliced weight with the gradient
      averaged over DP; AR-C vs numpy, RS-C-AG + shard-state over DP (and
      also MM-RS-C-AG over TP) vs AR-C.
  check_nd.py pp-tp-dp PP_TP_DP.mlir WORKDIR
      2 x 2 x 2 (pipeline x tensor x data parallel) on 8 ranks: the pipeline
      layer on each DP replica; AR-P2P-C vs numpy, RS-P2P-C-AG vs AR-P2P-C.
  check_nd.py hierarchical ADAM.mlir WORKDIR
      2 x 2 (nodes x ranks per node) on 4 ranks: the gradient's hierarchical
      all-reduce equals the flat one, and the Adam step under it (also with
      the update on the node's block and m, v sharded) matches numpy.
  check_nd.py one-rank-axis ADAM.mlir WORKDIR
      the same Adam step on grids with an axis of one rank (which adds
      nothing to a block's offset): 4 x 1 and 1 x 4 on 4 ranks, 3 x 1 on 3
      ranks with uneven blocks; AR-C and RS-C-AG + shard-state (m, v sliced
      over both axes, w gathered in place) vs numpy.
  check_nd.py lamb-2d LAMB.mlir WORKDIR
      LAMB on 2 x 2 (4 ranks, 4096 elements) and 2 x 3 (6 ranks, 4097:
      uneven) grids: AR-C, RS-C-AG + shard-state of m, v and of w, m, v
      over both axes, the hierarchical all-reduce + reorder + shard-state
      within the node, and fuse(RS-C-AG) + shard-state(m, v) with its
      exchange in chunks (windows of the uneven nested blocks), each vs
      numpy (the norms' all_reduces run over the axes their blocks are cut
      along); the fused m, v bitwise vs the unfused ones.
  check_nd.py nested NESTED.mlir WORKDIR
      a dimension sliced over two axes of a [2, ?] grid, nested and uneven,
      on 2, 4 and 6 ranks: gather, reduce_scatter, pointwise and reduction
      on the blocks vs numpy, bitwise (integer values).

World ranks lie on a grid row-major. Inputs that are local on some axis are
given per world rank (that rank's block of its replica's tensor); the others
as one global tensor each rank takes its block of. Blocks follow numpy's
array_split, nested over the axes slicing one dimension (outer first).

Agreement: with 2 ranks per reduction every sum adds two values (the same
bits in any order), so schedules must agree bitwise; numpy's matmul sums in
its own order (rtol 1e-5).
"""
import os
import re
import subprocess
import sys

import numpy as np

import coco_harness as h
import reference as ref

f32 = np.float32


def coords(rank, grid):
    """Row-major coordinates of a world rank on the grid."""
    out = []
    for extent in reversed(grid):
        out.append(rank % extent)
        rank //= extent
    return tuple(reversed(out))


def block(array, grid, coord, slicing):
    """This rank's block of `array`: `slicing` lists (dim, axis) pairs, each
    dim's axes outer to inner."""
    for dim, axis in slicing:
        array = np.array_split(array, grid[axis], axis=dim)[coord[axis]]
    return np.ascontiguousarray(array)


def compile_variant(source, exe, passes, pipeline="coco-lower-to-cpu"):
    subprocess.run(["coco-compile", source, "-o", exe, "--pipeline", pipeline]
                   + [f"--pre-pass={p}" for p in passes], check=True)


def scheduled_ir(source, passes):
    return subprocess.run(["coco-opt", source, *passes], check=True,
                          capture_output=True, text=True).stdout


def exe_name(work, name):
    return os.path.join(work, re.sub(r"[^A-Za-z0-9]+", "_", name) + ".exe")


def adam_reference(w, g, m, v, step=1.0):
    # reference.adam sums its gradient list: one element, the DP average.
    return ref.adam(w, [g], m, v, step)


def dp_tp(source, work):
    grid, ranks = (2, 2), 4
    B, S, H = 4, 8, 16
    p, seed = 0.1, 1234
    rng = np.random.default_rng(21)
    w = rng.standard_normal((H, H), dtype=f32)
    b = rng.standard_normal(H, dtype=f32)
    m = rng.standard_normal((H, H), dtype=f32) * f32(0.1)
    v = rng.random((H, H), dtype=f32) * f32(0.1)
    # Per data-parallel replica: its own input, residual and weight gradient.
    x = [rng.standard_normal((B, S, H), dtype=f32) for _ in range(grid[0])]
    r = [rng.standard_normal((B, S, H), dtype=f32) for _ in range(grid[0])]
    g = [rng.standard_normal((H, H), dtype=f32) for _ in range(grid[0])]

    z_ref = [ref.dropout((x[d].reshape(-1, H) @ w).reshape(B, S, H) + b, p, seed) + r[d]
             for d in range(grid[0])]
    g_avg = (g[0] + g[1]) / f32(2)
    w_ref, m_ref, v_ref = adam_reference(w, g_avg, m, v)

    at = [coords(k, grid) for k in range(ranks)]
    local = dict(x=[block(x[c[0]], grid, c, [(2, 1)]) for c in at],
                 r=[r[c[0]] for c in at],
                 g=[block(g[c[0]], grid, c, [(0, 1)]) for c in at])
    inputs = dict(w=w, b=b, m=m, v=v)
    tp_rows = [(0, 1)]
    dp_within_tp = [(0, 1), (0, 0)]  # axis 0 splits dim 0 within axis 1's blocks

    shard = "--coco-shard-state=args=m,v"
    over_dp = ["--coco-split=axes=0", "--coco-reorder=axes=0", shard]
    both = ["--coco-split", "--coco-reorder", shard]
    # The fused reduce-scatter over DP exchanges blocks among the 2 ranks of
    # a TP column (a sub-communicator of axis 0): whole, or in chunks of 64
    # bytes (one row of the 4 in a block) by coco-chunk-exchange.
    fused = "coco-lower-to-cpu{fuse-reduce-scatter=true exchange-chunk-bytes=%d}"
    variants = [
        ("AR-C", [], tp_rows, None),
        ("RS-C-AG+shard-state over DP", over_dp, dp_within_tp, None),
        ("RS-C-AG+shard-state over DP, MM-RS-C-AG over TP", both, dp_within_tp, None),
        ("fuse(RS-C-AG)+shard-state over DP, exchange whole", over_dp, dp_within_tp, 0),
        ("fuse(RS-C-AG)+shard-state over DP, exchange in chunks", over_dp, dp_within_tp, 64),
        ("fuse(RS-C-AG)+shard-state over DP and TP, exchanges in chunks", both,
         dp_within_tp, 64),
    ]
    lines = h.source_lines(source, ("y", "gavg"))
    steps = None  # calls of the whole DP exchange: one per step run
    baseline = None
    for name, passes, state_slicing, chunk_bytes in variants:
        if passes:
            # The schedule happened: the DP gradient is reduce-scattered and
            # the optimizer state kept sliced over both axes.
            ir = scheduled_ir(source, passes)
            assert "coco.all_reduce avg" not in ir, name
            assert re.search(r'\[sliced<0> within 1, sliced<0>\] on @g> \{coco.name = "m"\}', ir), name
            if "MM-RS" in name:
                assert "coco.all_reduce sum" not in ir, name
                assert re.search(r"coco\.dropout .*\[local, sliced<0>\] on @g>", ir), name
        exe = exe_name(work, name)
        pipeline = "coco-lower-to-cpu" if chunk_bytes is None else fused % chunk_bytes
        if chunk_bytes:
            # The DP exchange (on @g[0]) chunked, 4 rows of 64 bytes; over TP
            # too, the TP one (into the dropout's loop, which reads its
            # element index: the chunk's start is added to it), 2 rows.
            remarks = subprocess.run(
                ["coco-opt", f"--pass-pipeline=builtin.module({pipeline})",
                 "--remarks-filter=coco-chunk-exchange", "-o", os.devnull],
                input=scheduled_ir(source, passes), check=True, capture_output=True,
                text=True).stderr
            found = re.findall(r"exchanged in chunks of (\d+) of (\d+) rows", remarks)
            expected = [("1", "2")] if "TP" in name else []
            assert found == expected + [("1", "4")], f"{name}: {remarks}"
        compile_variant(source, exe, passes, pipeline)
        state_shape = lambda k: block(m, grid, at[k], state_slicing).shape
        out, printed = h.run(exe, ranks, inputs=inputs, local_inputs=local,
                             outputs=dict(z=(f32, (B, S, H)), w=(f32, (H // 2, H)),
                                          m=(f32, state_shape), v=(f32, state_shape)),
                             env={"COCO_PROFILE": "1"})
        if chunk_bytes is not None:
            # The runtime's count of exchange calls per source line: one per
            # chunk for each call of the whole exchange.
            calls = h.profile_calls(printed, "coco.all_to_all")
            if not chunk_bytes:
                steps = calls.get(lines["gavg"])
                assert steps, f"{name}: exchange calls per line {calls} (lines {lines})"
            else:
                chunks = {lines["gavg"]: 4 * steps}
                if "TP" in name:
                    chunks[lines["y"]] = 2 * steps
                assert calls == chunks, \
                    f"{name}: exchange calls per line {calls}, expected {chunks}"
        result = dict(z=[out["z"][k] for k in range(ranks)],
                      w=[out["w"][k] for k in range(ranks)],
                      m=[out["m"][k] for k in range(ranks)],
                      v=[out["v"][k] for k in range(ranks)])
        if baseline is None:
            for k, c in enumerate(at):
                h.check_close(f"{name} z on rank {k}", result["z"][k], z_ref[c[0]], 1e-5, 1e-5,
                              "numpy's matmul sums in another order")
                h.check_close(f"{name} w on rank {k}", result["w"][k],
                              block(w_ref, grid, c, tp_rows), 1e-6, 1e-7)
                for s, full in (("m", m_ref), ("v", v_ref)):
                    h.check_close(f"{name} {s} on rank {k}", result[s][k],
                                  block(full, grid, c, state_slicing), 1e-6, 1e-7)
            baseline = (result, state_slicing)
            print(f"dp-tp {name} on {ranks} ranks (2 DP x 2 TP): z and w, m, v match numpy")
            continue
        base, base_slicing = baseline
        for k, c in enumerate(at):
            h.check_equal(f"{name} z on rank {k}", result["z"][k], base["z"][k])
            h.check_equal(f"{name} w on rank {k}", result["w"][k], base["w"][k])
        # m, v: the AR-C run's TP blocks, cut to this schedule's blocks.
        for s in ("m", "v"):
            whole = np.concatenate([base[s][k] for k in (0, 1)])  # DP replica 0: TP blocks 0, 1
            for k, c in enumerate(at):
                h.check_equal(f"{name} {s} on rank {k}", result[s][k],
                              block(whole, grid, c, state_slicing))
        print(f"dp-tp {name} on {ranks} ranks: matches AR-C bitwise")


def pp_tp_dp(source, work):
    grid, ranks = (2, 2, 2), 8
    B, S, H = 2, 4, 8
    p, seed = 0.1, 1234
    rng = np.random.default_rng(31)
    w = rng.standard_normal((H, H), dtype=f32)
    b = rng.standard_normal(H, dtype=f32)
    x = [rng.standard_normal((B, S, H), dtype=f32) for _ in range(grid[2])]
    r = [rng.standard_normal((B, S, H), dtype=f32) for _ in range(grid[2])]
    z_ref = [ref.dropout((x[d].reshape(-1, H) @ w).reshape(B, S, H) + b, p, seed) + r[d]
             for d in range(grid[2])]
    at = [coords(k, grid) for k in range(ranks)]
    local = dict(x=[block(x[c[2]], grid, c, [(2, 1)]) for c in at],
                 r=[r[c[2]] for c in at])
    variants = [("AR-P2P-C", []),
                ("RS-P2P-C-AG", ["--coco-pipeline-send=axes=1", "--coco-reorder"])]
    baseline = None
    for name, passes in variants:
        if passes:
            ir = scheduled_ir(source, passes)
            assert "coco.all_reduce" not in ir, name
            assert re.search(r"coco\.send .* along 0 : !coco\.dtensor<2x4x8xf32, \[replicated, sliced<0>, local\]", ir), name
            assert re.search(r"coco\.dropout .*\[replicated, sliced<0>, local\]", ir), name
        exe = exe_name(work, name)
        compile_variant(source, exe, passes)
        out, _ = h.run(exe, ranks, inputs=dict(w=w, b=b), local_inputs=local,
                       outputs=dict(z=(f32, (B, S, H))))
        z = out["z"]
        for k, c in enumerate(at):
            if c[0] == 0:
                h.check_equal(f"{name} z on rank {k} (stage 0)", z[k], r[c[2]])
            elif baseline is None:
                h.check_close(f"{name} z on rank {k} (stage 1, replica {c[2]})", z[k],
                              z_ref[c[2]], 1e-5, 1e-5, "numpy's matmul sums in another order")
            else:
                h.check_equal(f"{name} z on rank {k}", z[k], baseline[k])
        if baseline is None:
            baseline = z
            print(f"pp-tp-dp {name} on {ranks} ranks (2 PP x 2 TP x 2 DP): stage 1 matches "
                  "numpy for both replicas, stage 0 returns r")
        else:
            print(f"pp-tp-dp {name} on {ranks} ranks: matches AR-P2P-C bitwise")


def hierarchical(source, work):
    grid, ranks, n = (2, 2), 4, 4096
    rng = np.random.default_rng(41)
    at = [coords(k, grid) for k in range(ranks)]
    hier = ["--coco-hierarchical-all-reduce=inner=1"]

    # The all-reduced gradient: integer values, exact in any order.
    grads = [rng.integers(-50, 50, n).astype(f32) for _ in range(ranks)]
    sums = {}
    for name, passes in (("flat", []), ("hierarchical", hier)):
        exe = exe_name(work, "sum " + name)
        subprocess.run(["coco-compile", source, "--entry=grad_sum", "-o", exe]
                       + [f"--pre-pass={q}" for q in passes], check=True)
        out, _ = h.run(exe, ranks, local_inputs=dict(g=grads),
                       outputs=dict(sum=(f32, (n,))))
        for k in range(ranks):
            h.check_equal(f"{name} sum on rank {k}", out["sum"][k], ref.all_reduce_sum(grads))
        sums[name] = out["sum"]
    ir = scheduled_ir(source, hier)
    assert re.search(r"coco\.reduce_scatter sum .* along \[1\]", ir)
    assert re.search(r"coco\.all_reduce sum .* along \[0\]", ir)
    print(f"hierarchical all_reduce on {ranks} ranks (2 nodes x 2): equals the flat one bitwise")

    w = rng.standard_normal(n, dtype=f32)
    m = rng.standard_normal(n, dtype=f32) * f32(0.1)
    v = rng.random(n, dtype=f32) * f32(0.1)
    grads = [rng.standard_normal(n, dtype=f32) for _ in range(ranks)]
    w_ref, m_ref, v_ref = ref.adam(w, grads, m, v, 2.0)
    node_block = [(0, 1)]  # sliced within the node, replicated across nodes
    variants = [("flat (AR-C)", [], []),
                ("hierarchical", hier, []),
                ("hierarchical+reorder+shard-state",
                 hier + ["--coco-reorder", "--coco-shard-state=args=m,v"], node_block)]
    baseline = None
    for name, passes, state_slicing in variants:
        exe = exe_name(work, "adam " + name)
        subprocess.run(["coco-compile", source, "--entry=adam_step", "-o", exe]
                       + [f"--pre-pass={q}" for q in passes], check=True)
        shape = lambda k, sl=state_slicing: block(m, grid, at[k], sl).shape
        out, _ = h.run(exe, ranks, inputs=dict(w=w, m=m, v=v), local_inputs=dict(g=grads),
                       scalars=dict(step=2.0),
                       outputs=dict(w=(f32, (n,)), m=(f32, shape), v=(f32, shape)))
        # Whole state: rank 0's, or the blocks of node 0.
        whole = {s: (np.concatenate([out[s][k] for k in (0, 1)]) if state_slicing
                     else out[s][0]) for s in ("m", "v")}
        # Every rank holds its block of that same state (node 1's ranks the
        # same blocks as node 0's), and the same w.
        for k in range(ranks):
            h.check_equal(f"{name} w rank {k} vs rank 0", out["w"][k], out["w"][0])
            for s in ("m", "v"):
                h.check_equal(f"{name} {s} rank {k}", out[s][k],
                              block(whole[s], grid, at[k], state_slicing))
        if baseline is None:
            # MPI sums the four gradients in its own order, numpy left to
            # right: rtol 1e-5.
            h.check_close(f"{name} w", out["w"][0], w_ref, 1e-5, 1e-6, "4-term sums, MPI's order")
            h.check_close(f"{name} m", whole["m"], m_ref, 1e-5, 1e-6, "4-term sums, MPI's order")
            h.check_close(f"{name} v", whole["v"], v_ref, 1e-5, 1e-6, "4-term sums, MPI's order")
            baseline = dict(w=out["w"][0], **whole)
            print(f"hierarchical adam {name} on {ranks} ranks: w, m, v match numpy")
            continue
        # The hierarchical sum groups the four terms by node: another order
        # than the flat all_reduce's, so rtol 1e-5, not bits.
        for s in ("w", "m", "v"):
            value = out["w"][0] if s == "w" else whole[s]
            h.check_close(f"{name} {s}", value, baseline[s], 1e-5, 1e-6,
                          "the sum is grouped by node")
        print(f"hierarchical adam {name} on {ranks} ranks: matches flat")


def one_rank_axis(source, work):
    text = open(source).read()
    sharded = ["--coco-split", "--coco-reorder", "--coco-shard-state=args=m,v"]
    # 4 ranks on 4 x 1 and 1 x 4; 3 ranks on 3 x 1 with 4097 elements
    # (uneven blocks: coco.local_block's offsets, not the rank terms).
    for grid, n in (((4, 1), 4096), ((1, 4), 4096), ((3, 1), 4097)):
        ranks = grid[0] * grid[1]
        rng = np.random.default_rng(43)
        w = rng.standard_normal(n, dtype=f32)
        m = rng.standard_normal(n, dtype=f32) * f32(0.1)
        v = rng.random(n, dtype=f32) * f32(0.1)
        grads = [rng.standard_normal(n, dtype=f32) for _ in range(ranks)]
        w_ref, m_ref, v_ref = ref.adam(w, grads, m, v, 2.0)
        path = os.path.join(work, f"adam-{grid[0]}x{grid[1]}-{n}.mlir")
        with open(path, "w") as f:
            f.write(re.sub(r"coco\.grid @g\(shape = \[\d+, \d+\]\)",
                           f"coco.grid @g(shape = [{grid[0]}, {grid[1]}])", text)
                    .replace("4096xf32", f"{n}xf32"))
        for name, passes, sliced in (("AR-C", [], False),
                                     ("RS-C-AG+shard-state", sharded, True)):
            exe = exe_name(work, f"adam {grid} {n} {name}")
            subprocess.run(["coco-compile", path, "--entry=adam_step", "-o", exe]
                           + [f"--pre-pass={q}" for q in passes], check=True)
            # Sliced over both axes, world rank k holds block k (row-major,
            # numpy's array_split blocks).
            sizes = [len(b) for b in np.array_split(np.arange(n), ranks)]
            shape = (lambda k: (sizes[k],)) if sliced else (n,)
            out, _ = h.run(exe, ranks, inputs=dict(w=w, m=m, v=v), local_inputs=dict(g=grads),
                           scalars=dict(step=2.0),
                           outputs=dict(w=(f32, (n,)), m=(f32, shape), v=(f32, shape)))
            for k in range(ranks):
                h.check_equal(f"{name} w rank {k} vs rank 0", out["w"][k], out["w"][0])
            whole = {s: np.concatenate(out[s]) if sliced else out[s][0] for s in ("m", "v")}
            for s, value, expected in (("w", out["w"][0], w_ref), ("m", whole["m"], m_ref),
                                       ("v", whole["v"], v_ref)):
                h.check_close(f"{grid} {name} {s}", value, expected, 1e-5, 1e-6,
                              "sums in MPI's order")
            print(f"adam {name} on grid {grid[0]} x {grid[1]}, {ranks} ranks, {n} elements: "
                  "w, m, v match numpy")


def nested(source, work):
    """A dimension of 10 sliced over two axes of a [2, ?] grid, nested
    (axis 1 the outer level, axis 0 within it), on 2, 4 and 6 ranks: the
    blocks are uneven and differ from a flat split (on 4 ranks rows
    [0:3], [5:8], [3:5], [8:10] for ranks 0..3, not [0:3], [3:6], ...).
    Integer values: every sum is exact, so results must match numpy bitwise."""
    exe = exe_name(work, "nested")
    subprocess.run(["coco-compile", source, "-o", exe], check=True)
    rng = np.random.default_rng(5)
    slicing = [(0, 1), (0, 0)]  # dim 0 over axis 1, then within it axis 0
    for ranks in (2, 4, 6):
        grid = (2, ranks // 2)
        at = [coords(k, grid) for k in range(ranks)]
        x = rng.integers(-8, 8, (10, 3)).astype(f32)
        grads = [rng.integers(-50, 50, (10, 3)).astype(f32) for _ in range(ranks)]
        shape = lambda k: block(x, grid, at[k], slicing).shape
        out, _ = h.run(exe, ranks, inputs=dict(x=x), local_inputs=dict(g=grads),
                       outputs=dict(gathered=(f32, (10, 3)), scattered=(f32, shape),
                                    colsum=(f32, (3,))))
        summed = np.sum(np.array(grads), axis=0) + x
        for k in range(ranks):
            h.check_equal(f"gathered on rank {k} of {ranks}", out["gathered"][k], x * x + x)
            h.check_equal(f"scattered block of rank {k} of {ranks}", out["scattered"][k],
                          block(summed, grid, at[k], slicing))
            h.check_equal(f"column sums on rank {k} of {ranks}", out["colsum"][k],
                          summed.sum(axis=0))
        sizes = [out["scattered"][k].shape[0] for k in range(ranks)]
        print(f"nested uneven blocks on {ranks} ranks (grid {grid[0]} x {grid[1]}, "
              f"rows {sizes}): match numpy")


FUSED_2D = "fuse(RS-C-AG)+shard-state(m,v)"
FUSED_2D_PIPELINE = "coco-lower-to-cpu{fuse-reduce-scatter=true exchange-chunk-bytes=256}"


def lamb_2d(source, work):
    text = open(source).read()
    both = [(0, 0), (0, 1)]  # dim 0 over axis 0, each block over axis 1
    split = ["--coco-split", "--coco-reorder"]
    variants = [
        ("AR-C", [], {}, 2),
        ("RS-C-AG+shard-state(m,v)", split + ["--coco-shard-state=args=m,v"],
         dict(m=both, v=both), 0),
        ("RS-C-AG+shard-state(w,m,v)", split + ["--coco-shard-state=args=w,m,v"],
         dict(w=both, m=both, v=both), 0),
        ("hierarchical+reorder+shard-state(m,v)",
         ["--coco-hierarchical-all-reduce=inner=1", "--coco-reorder",
          "--coco-shard-state=args=m,v"], dict(m=[(0, 1)], v=[(0, 1)]), 0),
        # The reduce_scatter over both axes folded into the update loop, its
        # exchange in chunks of 256 bytes from all peers: chunks of the equal
        # blocks on 2 x 2, windows of the nested uneven ones on 2 x 3.
        (FUSED_2D, split + ["--coco-shard-state=args=m,v"], dict(m=both, v=both), 0),
    ]
    for grid, n in (((2, 2), 4096), ((2, 3), 4097)):
        ranks = grid[0] * grid[1]
        at = [coords(k, grid) for k in range(ranks)]
        rng = np.random.default_rng(47)
        w = rng.standard_normal(n, dtype=f32)
        m = rng.standard_normal(n, dtype=f32) * f32(0.1)
        v = rng.random(n, dtype=f32) * f32(0.1)
        grads = [rng.standard_normal(n, dtype=f32) for _ in range(ranks)]
        expected = dict(zip("wmv", ref.lamb(w, grads, m, v, 2.0)))
        path = os.path.join(work, f"lamb-{grid[0]}x{grid[1]}-{n}.mlir")
        with open(path, "w") as f:
            f.write(re.sub(r"coco\.grid @g\(shape = \[\d+, \d+\]\)",
                           f"coco.grid @g(shape = [{grid[0]}, {grid[1]}])", text)
                    .replace("4096xf32", f"{n}xf32"))
        results = {}
        for name, passes, slicing, norms in variants:
            # The norms the schedule leaves whole (the others are computed
            # from blocks): none once anything is sliced.
            left = len(re.findall(r"coco\.norm ", scheduled_ir(path, passes)))
            assert left == norms, f"{name}: {left} coco.norm left, expected {norms}"
            exe = exe_name(work, f"lamb {grid} {n} {name}")
            pipeline = FUSED_2D_PIPELINE if name == FUSED_2D else "coco-lower-to-cpu"
            if name == FUSED_2D:
                remarks = subprocess.run(
                    ["coco-opt", f"--pass-pipeline=builtin.module({pipeline})",
                     "--remarks-filter=coco-chunk-exchange", "-o", os.devnull],
                    input=scheduled_ir(path, passes), check=True, capture_output=True,
                    text=True).stderr
                cut = h.exchange_chunks(remarks)
                assert len(cut) == 1 and cut[0][2] == (n % ranks != 0), f"{name}: {remarks}"
                print(f"lamb {name} on grid {grid[0]} x {grid[1]}: exchanged in "
                      f"{'windows' if cut[0][2] else 'chunks'} of {cut[0][0]} of "
                      f"{'up to ' if cut[0][2] else ''}{cut[0][1]} rows")
            subprocess.run(["coco-compile", path, "--entry=lamb_step", "-o", exe,
                            "--pipeline", pipeline]
                           + [f"--pre-pass={q}" for q in passes], check=True)
            shapes = {s: (lambda k, sl=slicing.get(s, []): block(np.empty(n), grid, at[k],
                                                                 sl).shape)
                      for s in "wmv"}
            # The ring reduce-scatter, whose order the fold's sums follow.
            out, _ = h.run(exe, ranks, inputs=dict(w=w, m=m, v=v), local_inputs=dict(g=grads),
                           scalars=dict(step=2.0),
                           outputs={s: (f32, shapes[s]) for s in "wmv"},
                           env={"COCO_RS_ALGO": "ring"})
            results[name] = out
            for s in "wmv":
                for k in range(ranks):
                    # MPI (all_reduce) and the ring (reduce_scatter) sum the
                    # 4 or 6 gradients in their own orders, numpy left to
                    # right; the norms' sums in other orders.
                    h.check_close(f"{grid} {name} {s} rank {k}", out[s][k],
                                  block(expected[s], grid, at[k], slicing.get(s, [])),
                                  1e-5, 1e-6, "sums in MPI's order")
            print(f"lamb {name} on grid {grid[0]} x {grid[1]}, {ranks} ranks, {n} elements: "
                  "w, m, v match numpy")
        # m and v are sums of the same gradients in the same order: the bits
        # of the unfused step (w also goes through the norms, which the
        # chunks sum per chunk).
        for s in "mv":
            for k in range(ranks):
                h.check_equal(f"{grid} {FUSED_2D} {s} rank {k}", results[FUSED_2D][s][k],
                              results["RS-C-AG+shard-state(m,v)"][s][k])
        print(f"lamb {FUSED_2D} on grid {grid[0]} x {grid[1]}: m, v match "
              "RS-C-AG+shard-state(m,v) bitwise")


def main():
    kind, source, work = sys.argv[1], sys.argv[2], sys.argv[3]
    os.makedirs(work, exist_ok=True)
    {"dp-tp": dp_tp, "pp-tp-dp": pp_tp_dp, "hierarchical": hierarchical,
     "one-rank-axis": one_rank_axis, "nested": nested, "lamb-2d": lamb_2d}[kind](source, work)


if __name__ == "__main__":
    main()
