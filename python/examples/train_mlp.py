"""Data-parallel training of a small MLP where the gradient sync and the Adam
step are one compiled coco step, called in-process every step on the
training loop's own arrays (numpy; see train_mlp_torch.py for PyTorch).

    mpirun -np 2 python3 python/examples/train_mlp.py [--schedule rs-c-ag+ss] [--steps 300]

Every rank holds the whole model as one flat f32 parameter vector `w` (the
layers are views of it) and its array_split share of each global batch. It
computes the gradient of sum(loss over its samples) / batch by hand
(backprop in numpy), then calls the coco step: all_reduce the gradients
(sum), Adam-update w, m, v in place. Schedules: "ar-c" (CoCoNet's AR-C: m
and v replicated) or "rs-c-ag+ss" (reduce_scatter, update the rank's slice,
all_gather w; m and v sharded, each rank holds its block).

Rank 0 then trains the same model on the whole batch in one process with a
numpy Adam (the reference) and prints how far the loss curves and the final
parameters are apart.
"""
import argparse
import os
import sys
import time

import numpy as np

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import adam  # noqa: E402
import coco  # noqa: E402

IN, OUT = 16, 1
HIDDEN = 32  # 577 parameters: odd, so shards are uneven


def shapes(hidden=HIDDEN):
    return [("w1", (IN, hidden)), ("b1", (hidden,)), ("w2", (hidden, OUT)), ("b2", (OUT,))]


def size(hidden=HIDDEN):
    return sum(int(np.prod(s)) for _, s in shapes(hidden))

SCHEDULES = {"ar-c": {}, "rs-c-ag+ss": dict(split=True, reorder=True, shard_state=["m", "v"])}
LR, B1, B2, EPS = 1e-2, 0.9, 0.999, 1e-8


def adam_program(size, schedule):
    """The coco step (examples/adam.py): sum the ranks' gradients, then
    torch.optim.Adam's update of w, m, v."""
    return adam.build(size, grid=coco.Grid("dp")).schedule(**SCHEDULES[schedule])


def views(flat):
    """The layers as views of the flat parameter (or gradient) vector."""
    hidden = (len(flat) - OUT) // (IN + 1 + OUT)
    out, at = {}, 0
    for name, shape in shapes(hidden):
        n = int(np.prod(shape))
        out[name] = flat[at:at + n].reshape(shape)
        at += n
    return out


def initial_parameters(hidden=HIDDEN, seed=0):
    rng = np.random.default_rng(seed)
    w = np.empty(size(hidden), np.float32)
    p = views(w)
    p["w1"][:] = rng.standard_normal((IN, hidden)) / np.sqrt(IN)
    p["b1"][:] = 0
    p["w2"][:] = rng.standard_normal((hidden, OUT)) / np.sqrt(hidden)
    p["b2"][:] = 0
    return w


def dataset(samples=2048, seed=1):
    rng = np.random.default_rng(seed)
    x = rng.standard_normal((samples, IN)).astype(np.float32)
    a = rng.standard_normal(IN).astype(np.float32)
    y = (np.sin(x @ a) + 0.1 * rng.standard_normal(samples)).astype(np.float32)[:, None]
    return x, y


def batch(x, y, step, size):
    at = (step * size) % len(x)
    return x[at:at + size], y[at:at + size]


def loss_and_gradient(w, x, y, scale, grad):
    """sum over the samples of 0.5 (mlp(x) - y)^2, times `scale`; its
    gradient with respect to w is written into `grad`."""
    p, gp = views(w), views(grad)
    h = np.tanh(x @ p["w1"] + p["b1"])
    err = (h @ p["w2"] + p["b2"] - y) * np.float32(scale)
    loss = 0.5 * float(np.sum((h @ p["w2"] + p["b2"] - y) ** 2)) * scale
    gp["w2"][:] = h.T @ err
    gp["b2"][:] = err.sum(axis=0)
    dh = (err @ p["w2"].T) * (1 - h * h)
    gp["w1"][:] = x.T @ dh
    gp["b1"][:] = dh.sum(axis=0)
    return loss


def reference_training(x, y, steps, batch_size, hidden):
    """One process, the whole batch, numpy Adam (torch.optim.Adam's formula)."""
    w = initial_parameters(hidden)
    m, v, g = np.zeros_like(w), np.zeros_like(w), np.zeros_like(w)
    losses = []
    for t in range(1, steps + 1):
        xb, yb = batch(x, y, t, batch_size)
        losses.append(loss_and_gradient(w, xb, yb, 1.0 / batch_size, g))
        m = B1 * m + (1 - B1) * g
        v = B2 * v + (1 - B2) * g * g
        w = (w - LR * (m / (1 - B1 ** t)) / (np.sqrt(v / (1 - B2 ** t)) + EPS)).astype(np.float32)
    return np.array(losses), w


def coco_training(step, x, y, steps, batch_size, hidden):
    """This rank's share of each batch; the coco step syncs and updates."""
    rank, ranks = coco.world_rank(), coco.world_size()
    w = initial_parameters(hidden)
    g = np.zeros_like(w)
    m, v = step.zeros("m"), step.zeros("v")  # this rank's blocks
    losses = []
    for t in range(1, steps + 1):
        xb, yb = batch(x, y, t, batch_size)
        xr, yr = np.array_split(xb, ranks)[rank], np.array_split(yb, ranks)[rank]
        local_loss = loss_and_gradient(w, xr, yr, 1.0 / batch_size, g)
        step(w=w, g=g, m=m, v=v, step=float(t), lr=LR, beta1=B1, beta2=B2, eps=EPS)
        losses.append(local_loss)
    return np.array(losses), w


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--schedule", choices=sorted(SCHEDULES), default="ar-c")
    parser.add_argument("--steps", type=int, default=300)
    parser.add_argument("--batch", type=int, default=64)
    parser.add_argument("--hidden", type=int, default=HIDDEN)
    args = parser.parse_args()

    step = adam_program(size(args.hidden), args.schedule).load()  # compiled once, cached
    rank, ranks = coco.world_rank(), coco.world_size()
    x, y = dataset()
    start = time.perf_counter()
    local_losses, w = coco_training(step, x, y, args.steps, args.batch, args.hidden)
    elapsed = time.perf_counter() - start
    # The loss of the whole batch is the sum of the ranks' shares: gather
    # them with one more coco program (an all_reduce of the loss curve).
    curve = coco.Program("sum_losses", coco.Grid("dp"))
    local = curve.param("losses", (args.steps,), dtype="f64", layout="local")
    total = curve.param("total", (args.steps,), dtype="f64")
    curve.update(total, coco.all_reduce(local))
    total_losses = np.zeros(args.steps)
    curve.load()(losses=local_losses, total=total_losses)
    if rank == 0:
        ref_losses, ref_w = reference_training(x, y, args.steps, args.batch, args.hidden)
        loss_gap = np.max(np.abs(total_losses - ref_losses) / np.abs(ref_losses))
        w_gap = np.max(np.abs(w - ref_w)) / np.max(np.abs(ref_w))
        print(f"coco {args.schedule} on {ranks} ranks, {args.steps} steps: loss "
              f"{total_losses[0]:.4f} -> {total_losses[-1]:.4f} (reference {ref_losses[0]:.4f} "
              f"-> {ref_losses[-1]:.4f}); max relative loss gap {loss_gap:.1e}, max parameter "
              f"gap {w_gap:.1e}; {1e3 * elapsed / args.steps:.3f} ms/step")
        ok = loss_gap < 1e-4 and w_gap < 1e-4
        print(f"loss fell by {100 * (1 - total_losses[-1] / total_losses[0]):.0f}%")
        print("training matches the numpy reference" if ok else "MISMATCH")
        sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
