"""PyTorch's version of a benchmarked step on CPU ranks, for the CPU table's
torch rows (run_benchmarks.py --torch): what a PyTorch user would write,
one thread per rank like coco's ranks, gloo between them.

  mpirun -np R python torch_cpu_step.py {adam,sgd,layer} N ITERS WARMUP PORT

adam / sgd, N elements: the gradient sync (all_reduce sum of the local
gradient, as coco's workloads) + torch.optim.Adam / SGD(momentum, weight decay)
on the replicated parameter, as `foreach` and `fused` implementations.
layer, batch N (S = H = 1024): the row-parallel linear of WORKLOADS.md,
x_r @ W_r, all_reduce, dropout(y + b) + r, as torch ops.

Prints "variant,median_ms" per variant: the median over ITERS interleaved
repetitions of the max over ranks.
"""
import os
import statistics
import sys
import time

import torch
import torch.distributed as dist

LAYER_S = LAYER_H = 1024


def optimizer_variants(kind, n):
    torch.manual_seed(0)
    grad = torch.randn(n)
    variants = {}
    for impl in ("foreach", "fused"):
        w = torch.randn(n, requires_grad=True)
        w.grad = grad.clone()
        if kind == "adam":
            opt = torch.optim.Adam([w], lr=1e-3, **{impl: True})
        else:
            opt = torch.optim.SGD([w], lr=0.05, momentum=0.9, weight_decay=0.01, **{impl: True})

        def step(w=w, opt=opt):
            # The sum, as coco's workloads use it (DDP would also divide
            # by the world size: one more pass, left out to compare like
            # with like).
            dist.all_reduce(w.grad)
            opt.step()

        variants[f"torch gloo+{kind.capitalize() if kind == 'adam' else 'SGD'}({impl})"] = step
    return variants


def layer_variants(batch, world):
    torch.manual_seed(0)
    h_r = LAYER_H // world
    x = torch.randn(batch, LAYER_S, h_r)
    w = torch.randn(h_r, LAYER_H)
    b = torch.randn(LAYER_H)
    r = torch.randn(batch, LAYER_S, LAYER_H)

    def step():
        y = torch.matmul(x, w)
        dist.all_reduce(y)
        return torch.nn.functional.dropout(y + b, p=0.1, training=True) + r

    def matmul_only():
        return torch.matmul(x, w)

    return {"torch layer (gloo)": step, "torch matmul x_r @ W_r": matmul_only}


def main():
    kind, n, iters, warmup, port = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), \
        int(sys.argv[4]), sys.argv[5]
    rank = int(os.environ["OMPI_COMM_WORLD_RANK"])
    world = int(os.environ["OMPI_COMM_WORLD_SIZE"])
    os.environ.setdefault("MASTER_ADDR", "127.0.0.1")
    os.environ["MASTER_PORT"] = port
    torch.set_num_threads(1)
    dist.init_process_group("gloo", rank=rank, world_size=world)
    variants = layer_variants(n, world) if kind == "layer" else optimizer_variants(kind, n)
    times = {name: [] for name in variants}
    for rep in range(warmup + iters):
        for name, step in variants.items():
            dist.barrier()
            start = time.perf_counter()
            step()
            elapsed = torch.tensor([time.perf_counter() - start], dtype=torch.float64)
            dist.all_reduce(elapsed, op=dist.ReduceOp.MAX)
            if rep >= warmup:
                times[name].append(elapsed.item() * 1e3)
    if rank == 0:
        for name, samples in times.items():
            print(f"{name},{statistics.median(samples):.3f}")
    # Every rank done before gloo is torn down; then leave without running
    # C++ static destructors: one launch of 2026-12-04 aborted in a rank's
    # teardown ("terminate called without an active exception") after the
    # figures were printed, which failed the whole benchmark.
    dist.barrier()
    dist.destroy_process_group()
    sys.stdout.flush()
    os._exit(0)


if __name__ == "__main__":
    main()
