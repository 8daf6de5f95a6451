"""Placements per grid axis in the Python front end: N-D grids, result types
inferred by coco-opt, the verifier's diagnostics as CocoError, per-rank and
global inputs and outputs with uneven blocks; programs run on MPI ranks and
are compared with numpy references written here."""
import os
import sys

import numpy as np
import pytest

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, os.path.join(ROOT, "python"))
sys.path.insert(0, os.path.join(ROOT, "python", "examples"))

import coco  # noqa: E402
import dp_tp  # noqa: E402
import sgd  # noqa: E402

# -- placements, types and blocks (no tools) -----------------------------------


def test_placement_spellings():
    assert coco.placement("local") == coco.Local()
    assert coco.placement("replicated") == coco.Replicated()
    assert coco.placement("sliced<1>") == coco.placement(("sliced", 1)) == coco.Sliced(1)
    assert coco.placement("sliced<0> within 1") == coco.Sliced(0, within=1)
    assert coco.placement(("sliced", 0, 1)) == coco.Sliced(0, within=1)
    with pytest.raises(coco.CocoError, match="not a placement"):
        coco.placement("shard")
    with pytest.raises(coco.CocoError, match="needs its dimension"):
        coco.placement("sliced")


@pytest.mark.parametrize("text, placements", [
    ("!coco.dtensor<4x8xf32, [local, sliced<1>] on @g>", (coco.Local(), coco.Sliced(1))),
    ("!coco.dtensor<4x8xf32, sliced<1> on @g[1]>", (coco.Replicated(), coco.Sliced(1))),
    ("!coco.dtensor<4x8xf32, local on @g>", (coco.Local(), coco.Replicated())),
    ("!coco.dtensor<f32, replicated on @g>", (coco.Replicated(), coco.Replicated())),
    ("!coco.dtensor<16xf32, [sliced<0> within 1, sliced<0>] on @g>",
     (coco.Sliced(0, within=1), coco.Sliced(0))),
])
def test_type_text_round_trips(text, placements):
    t = coco.TensorType.parse(text)
    assert t.placement_list(2) == placements
    assert t.mlir() == text


def _nested_split(n, levels):
    """Index ranges of `levels` ((parts, index), outer to inner) applied with
    numpy.array_split, one level inside the other."""
    indices = np.arange(n)
    for parts, index in levels:
        indices = np.array_split(indices, parts)[index]
    return indices


def test_blocks_follow_array_split():
    extents = [2, 3]
    grid_order = coco.TensorType((11, 5), "f32", ["sliced<0>", "sliced<0>"], "g")
    within = coco.TensorType((11, 5), "f32", ["sliced<0> within 1", "sliced<0>"], "g")
    two_dims = coco.TensorType((11, 5), "f32", ["sliced<1>", "sliced<0>"], "g")
    for r in range(6):
        a0, a1 = divmod(r, 3)  # row-major
        assert coco.grid_coords(r, extents) == (a0, a1)
        rows = grid_order.block(r, extents)[0]
        assert list(range(rows.start, rows.stop)) == list(_nested_split(11, [(2, a0), (3, a1)]))
        rows = within.block(r, extents)[0]
        assert list(range(rows.start, rows.stop)) == list(_nested_split(11, [(3, a1), (2, a0)]))
        rows, cols = two_dims.block(r, extents)
        assert list(range(rows.start, rows.stop)) == list(_nested_split(11, [(3, a1)]))
        assert list(range(cols.start, cols.stop)) == list(_nested_split(5, [(2, a0)]))
    x = np.arange(55, dtype=np.float32).reshape(11, 5)
    for t in (grid_order, within, two_dims):
        parts = coco.blocks(x, t, extents)
        assert sum(p.size for p in parts) == x.size
        np.testing.assert_array_equal(coco.assemble(parts, t, extents), x)


def test_local_tensors_have_no_global_array():
    t = coco.TensorType((4, 6), "f32", ["local", "sliced<1>"], "g")
    own = [np.full((4, 6), r, np.float32) for r in range(4)]
    parts = coco.blocks(own, t, [2, 2])  # global-shape arrays are cut
    assert [p.shape for p in parts] == [(4, 3)] * 4
    assert coco.blocks(parts, t, [2, 2])[3] is parts[3]  # blocks stay as they are
    with pytest.raises(coco.CocoError, match="local on axis 0: its ranks hold different values"):
        coco.assemble(parts, t, [2, 2])
    with pytest.raises(coco.CocoError, match="pass a list of 4 arrays"):
        coco.blocks(own[0], t, [2, 2])


# -- building: types from coco-opt, errors from its verifiers ------------------


def test_types_are_inferred_per_axis():
    prog = coco.Program("types", coco.Grid("g", [2, 2]))
    x = prog.param("x", (4, 8), placements=[coco.Local(), coco.Sliced(1)])
    w = prog.param("w", (8, 6), placements=["replicated", "sliced<0>"])
    b = prog.param("b", (6,), layout="sliced", dim=0, axis=1)  # the one-axis form
    assert b.placements == (coco.Replicated(), coco.Sliced(0))
    assert (b.layout, b.dim, b.axis) == ("sliced", 0, 1)
    y = coco.matmul(x, w)  # K sliced on axis 1: partial sums there
    assert y.placements == (coco.Local(), coco.Local())
    assert y.type == "!coco.dtensor<4x6xf32, [local, local] on @g>"
    assert (y.layout, y.dim, y.axis) == (None, None, None)  # no one-axis view
    z = coco.all_reduce(y, along=[1])
    assert z.placements == (coco.Local(), coco.Replicated())
    assert coco.reduce(z, [0]).placements == (coco.Local(), coco.Replicated())
    e = coco.expand(b, (4, 6), [1])
    assert e.type == "!coco.dtensor<4x6xf32, sliced<1> on @g[1]>"
    s = coco.reduce_scatter(coco.all_reduce(y, along=0), dim=1, along=1)
    assert s.placements == (coco.Replicated(), coco.Sliced(1))
    assert (s + e).placements == (coco.Replicated(), coco.Sliced(1))
    assert coco.all_gather(s).type == "!coco.dtensor<4x6xf32, replicated on @g>"
    prog.output("s", s)
    prog.check()


def test_invalid_placements_raise_the_verifiers_diagnostics():
    prog = coco.Program("bad", coco.Grid("g", [2, 2]))
    g = prog.param("g", (4, 6), placements=[coco.Local(), coco.Sliced(1)])
    r = prog.param("r", (4, 6), placements=[coco.Sliced(0)])
    # Each error names this file and line; the op is not emitted.
    with pytest.raises(coco.CocoError, match=r"test_placements\.py:\d+: 'coco\.add' cannot combine "
                       r"local and sliced<0> on axis 0 of @g: only equal placements"):
        g + r
    with pytest.raises(coco.CocoError, match="'coco.matmul' cannot multiply sliced<0> by sliced<0> "
                       "on axis 0 of @g"):
        coco.matmul(r, prog.param("k", (6, 2), placements=[coco.Sliced(0)]))
    with pytest.raises(coco.CocoError, match=r"'coco.all_reduce' along \[1\] needs a local operand on "
                       r"axis 1 of @g .*got sliced<1>"):
        coco.all_reduce(g, along=1)
    with pytest.raises(coco.CocoError, match="parameter 'p': sliced dimension 2 is out of range for "
                       "a rank-2 tensor"):
        prog.param("p", (4, 6), placements=[coco.Sliced(2)])
    with pytest.raises(coco.CocoError, match="parameter 'q': axis 0 is sliced<0> within axis 1, "
                       "which does not slice dimension 0"):
        prog.param("q", (4, 6), placements=["sliced<0> within 1", "sliced<1>"])
    with pytest.raises(coco.CocoError, match="3 placements for the 2 axes of grid @g"):
        prog.param("t", (4, 6), placements=["local"] * 3)
    with pytest.raises(coco.CocoError, match="either placements= or layout="):
        prog.param("u", (4, 6), layout="local", placements=["local"])
    with pytest.raises(coco.CocoError, match="the new value of 'g' is .*sliced<0> on @g>, but the "
                       "parameter is"):
        prog.update(g, r * 2.0)
    assert "coco.add" not in prog.mlir() and "arith.constant" in prog.mlir()
    prog.check()


# -- running on MPI ranks --------------------------------------------------------


@pytest.mark.parametrize("schedule", [{}, dict(split=True, reorder=True)])
def test_dp_tp_step_matches_numpy(schedule, tmp_path):
    """[DP, TP] = [2, 2] on 4 ranks: W (8 x 7) column-sliced over TP (blocks
    of 4 and 3 columns), its gradient x^T dy local on DP and sliced on TP,
    all_reduce along axis 0, SGD. With split + reorder, the update runs on
    [sliced<0>, sliced<1>] blocks."""
    B, H, F, DP, TP, lr = 3, 8, 7, 2, 2, 0.1
    rng = np.random.default_rng(7)
    xs = [rng.standard_normal((B, H), dtype=np.float32) for _ in range(DP)]
    dys = [rng.standard_normal((B, F), dtype=np.float32) for _ in range(DP)]
    w = rng.standard_normal((H, F), dtype=np.float32)

    # numpy, in float64: y_i = x_i W on DP rank i, W' = W - lr/DP sum_i x_i^T dy_i.
    x64, dy64, w64 = [x.astype(np.float64) for x in xs], [d.astype(np.float64) for d in dys], \
        w.astype(np.float64)
    expected_w = w64 - lr / DP * sum(x.T @ d for x, d in zip(x64, dy64))
    columns = np.array_split(np.arange(F), TP)

    compiled = dp_tp.build(B, H, F).schedule(**schedule).compile(workdir=str(tmp_path))
    assert str(compiled.signature["dy"]) == "!coco.dtensor<3x7xf32, [local, sliced<1>] on @g>"
    # World rank r = (dp, tp) = divmod(r, TP). x, x^T: the rank's own values;
    # dy: its TP block (the global shape would be cut to it as well).
    own = lambda values: [values[r // TP] for r in range(DP * TP)]  # noqa: E731
    dy_blocks = compiled.blocks("dy", own(dys), ranks=4)
    assert [b.shape for b in dy_blocks] == [(3, 4), (3, 3)] * 2
    out = compiled.run(ranks=DP * TP, inputs={
        "x": own(xs), "xt": own([x.T for x in xs]), "dy": dy_blocks, "w": w}, scalars={"lr": lr})
    np.testing.assert_allclose(out["w"], expected_w, rtol=1e-5, atol=1e-6)
    assert len(out["y"]) == 4  # local on DP: one block per rank
    for r, y in enumerate(out["y"]):
        dp, tp = divmod(r, TP)
        np.testing.assert_allclose(y, (x64[dp] @ w64)[:, columns[tp]], rtol=1e-5, atol=1e-5)


@pytest.mark.parametrize("schedule", [dict(split=True, reorder=True),
                                      dict(split=True, reorder=True, shard_state=["b"])])
def test_uneven_blocks_match_numpy(schedule, tmp_path):
    """10 elements on 3 ranks: blocks of 4, 3, 3 (RS-C-AG; with sharded
    momentum, b is passed and returned whole but kept as blocks)."""
    N, R = 10, 3
    rng = np.random.default_rng(8)
    w, b = rng.standard_normal(N, dtype=np.float32), rng.standard_normal(N, dtype=np.float32)
    grads = [rng.standard_normal(N, dtype=np.float32) for _ in range(R)]
    g = np.sum(np.array(grads, dtype=np.float64), axis=0)
    expected_b = 0.9 * b.astype(np.float64) + g
    expected_w = w - 0.01 * expected_b

    compiled = sgd.build(N, coco.Grid("dp", [R])).schedule(**schedule).compile(
        workdir=str(tmp_path))
    out = compiled.run(ranks=R, inputs={"w": w, "b": b, "g": grads})
    np.testing.assert_allclose(out["w"], expected_w, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(out["b"], expected_b, rtol=1e-5, atol=1e-6)
    blocks = compiled.run(ranks=R, inputs={"w": w, "b": b, "g": grads}, per_rank=True)["b"]
    sliced = "shard_state" in schedule
    assert [x.shape for x in blocks] == ([(4,), (3,), (3,)] if sliced else [(N,)] * R)


def test_hierarchical_all_reduce_on_a_2d_grid(tmp_path):
    """Pure data parallelism on a [2, 2] grid (gradient local on both axes):
    the two-level all_reduce (reduce_scatter along axis 1, all_reduce along
    axis 0, all_gather along axis 1), the update on axis-1 blocks of 6 and 5,
    momentum kept sliced."""
    N = 11
    prog = coco.Program("dp2d", coco.Grid("g", [2, 2]))
    w, b = prog.param("w", (N,)), prog.param("b", (N,))
    g = prog.param("g", (N,), placements=[coco.Local(), coco.Local()])
    b2 = b * 0.9 + coco.all_reduce(g)
    prog.update(w, w - b2 * 0.01)
    prog.update(b, b2)
    prog.schedule(hierarchical=1, reorder=True, shard_state=["b"])
    scheduled = prog.scheduled_mlir()
    assert "coco.reduce_scatter sum %arg2 dim 0 along [1]" in scheduled
    assert "coco.all_reduce sum %1 along [0]" in scheduled

    rng = np.random.default_rng(9)
    w0, b0 = rng.standard_normal(N, dtype=np.float32), rng.standard_normal(N, dtype=np.float32)
    grads = [rng.standard_normal(N, dtype=np.float32) for _ in range(4)]
    expected_b = 0.9 * b0.astype(np.float64) + np.sum(np.array(grads, dtype=np.float64), axis=0)
    compiled = prog.compile(workdir=str(tmp_path))
    assert str(compiled.signature["b"]) == "!coco.dtensor<11xf32, sliced<0> on @g[1]>"
    out = compiled.run(ranks=4, inputs={"w": w0, "b": b0, "g": grads})
    np.testing.assert_allclose(out["b"], expected_b, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(out["w"], w0 - 0.01 * expected_b, rtol=1e-5, atol=1e-6)
