"""train_mlp.py's model in PyTorch: gradients from autograd, the gradient sync
and Adam step from one compiled coco step called in-process on the
parameters' own memory, side by side with PyTorch's own data-parallel
training (DistributedDataParallel over gloo + torch.optim.Adam).

    mpirun -np 2 python3 python/examples/train_mlp_torch.py [--schedule rs-c-ag+ss] [--steps 300]

Both models start from the same parameters and see the same batches; their
steps run alternately in one loop (so both are timed under the same machine
conditions). The coco model's parameters are views of one flat f32 tensor
and its .grad tensors views of another: autograd accumulates into them,
and coco reads the gradients and updates the parameters in place (DLPack,
no copies). Rank 0 prints the loss and parameter agreement and the time per
training step of each.
"""
import argparse
import os
import sys
import time

import numpy as np
import torch
import torch.distributed as dist

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import train_mlp as mlp  # noqa: E402

import coco  # noqa: E402  (train_mlp put it on the path)


class MLP(torch.nn.Module):
    """tanh(x w1 + b1) w2 + b2, with its parameters taken from `flat`."""

    def __init__(self, flat):
        super().__init__()
        for name, view in mlp.views(flat).items():
            # nn.Parameter shares the view's storage: the flat vector.
            setattr(self, name, torch.nn.Parameter(view))

    def forward(self, x):
        return torch.tanh(x @ self.w1 + self.b1) @ self.w2 + self.b2


def loss_fn(model, x, y, batch_size):
    return 0.5 * ((model(x) - y) ** 2).sum() / batch_size


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--schedule", choices=sorted(mlp.SCHEDULES), default="ar-c")
    parser.add_argument("--steps", type=int, default=300)
    parser.add_argument("--batch", type=int, default=64)
    parser.add_argument("--hidden", type=int, default=mlp.HIDDEN)
    parser.add_argument("--warmup", type=int, default=10, help="steps left out of the timing")
    args = parser.parse_args()
    torch.set_num_threads(1)  # one core per rank, like coco's ranks

    step = mlp.adam_program(mlp.size(args.hidden), args.schedule).load()
    rank, ranks = coco.world_rank(), coco.world_size()
    job = os.environ.get("OMPI_MCA_ess_base_jobid") or os.environ.get("PMIX_NAMESPACE") or "0"
    rendezvous = f"/tmp/coco-torch-rendezvous-{job}"
    dist.init_process_group("gloo", init_method=f"file://{rendezvous}", rank=rank,
                            world_size=ranks)

    # coco's model: parameters and gradients are views of flat tensors.
    flat = torch.from_numpy(mlp.initial_parameters(args.hidden))
    flat_grad = torch.zeros_like(flat)
    model = MLP(flat)
    for param, grad in zip(model.parameters(), mlp.views(flat_grad).values()):
        param.grad = grad  # backward accumulates into the flat gradient
    m, v = step.zeros("m"), step.zeros("v")

    # PyTorch's own data-parallel training of the same model: DDP averages
    # the ranks' gradients (one bucket, overlapped with backward), so each
    # rank's loss is scaled by the number of ranks to give the same sum.
    reference = MLP(torch.from_numpy(mlp.initial_parameters(args.hidden)))
    ddp = torch.nn.parallel.DistributedDataParallel(reference)
    adam = torch.optim.Adam(reference.parameters(), lr=mlp.LR, betas=(mlp.B1, mlp.B2),
                            eps=mlp.EPS)

    x, y = (torch.from_numpy(a) for a in mlp.dataset())
    coco_loss, torch_loss = np.zeros(args.steps), np.zeros(args.steps)
    coco_time, torch_time = [], []
    for t in range(1, args.steps + 1):
        xb, yb = mlp.batch(x, y, t, args.batch)
        xr, yr = torch.tensor_split(xb, ranks)[rank], torch.tensor_split(yb, ranks)[rank]

        dist.barrier()
        start = time.perf_counter()
        flat_grad.zero_()
        loss = loss_fn(model, xr, yr, args.batch)
        loss.backward()
        step(w=flat, g=flat_grad, m=m, v=v, step=float(t), lr=mlp.LR, beta1=mlp.B1,
             beta2=mlp.B2, eps=mlp.EPS)
        coco_time.append(time.perf_counter() - start)
        coco_loss[t - 1] = loss.item()

        dist.barrier()
        start = time.perf_counter()
        adam.zero_grad()
        loss = loss_fn(ddp, xr, yr, args.batch) * ranks
        loss.backward()  # DDP all_reduces the gradients
        adam.step()
        torch_time.append(time.perf_counter() - start)
        torch_loss[t - 1] = loss.item() / ranks

    # Whole-batch losses: the sum of the ranks' shares.
    totals = torch.from_numpy(np.stack([coco_loss, torch_loss]))
    dist.all_reduce(totals)
    coco_loss, torch_loss = totals.numpy()
    ref_flat = torch.cat([p.detach().reshape(-1) for p in reference.parameters()])
    coco_ms = 1e3 * np.median(coco_time[args.warmup:])
    torch_ms = 1e3 * np.median(torch_time[args.warmup:])
    if rank == 0:
        loss_gap = np.max(np.abs(coco_loss - torch_loss) / np.abs(torch_loss))
        w_gap = float((flat - ref_flat).abs().max() / ref_flat.abs().max())
        print(f"coco {args.schedule} vs torch (DDP over gloo + Adam) on {ranks} ranks, "
              f"{args.steps} steps: loss {coco_loss[0]:.4f} -> {coco_loss[-1]:.4f} (torch "
              f"{torch_loss[0]:.4f} -> {torch_loss[-1]:.4f}); max relative loss gap "
              f"{loss_gap:.1e}, max parameter gap {w_gap:.1e}")
        print(f"step time (median of {args.steps - args.warmup}, interleaved): coco "
              f"{coco_ms:.3f} ms, torch {torch_ms:.3f} ms, torch/coco {torch_ms / coco_ms:.2f}x")
        ok = loss_gap < 1e-4 and w_gap < 1e-4
        print(f"loss fell by {100 * (1 - coco_loss[-1] / coco_loss[0]):.0f}%")
        print("training matches PyTorch's" if ok else "MISMATCH")
        os.remove(rendezvous) if os.path.exists(rendezvous) else None
    dist.barrier()
    dist.destroy_process_group()
    sys.exit(0 if rank != 0 or ok else 1)


if __name__ == "__main__":
    main()
