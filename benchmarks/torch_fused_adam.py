"""PyTorch's fused Adam step on one GPU, the reference of the GPU benchmark
(benchmarks/run_benchmarks.py --target gpu adds it to the Adam rows when
torch can be imported).

One parameter tensor of N f32 elements with a gradient (as coco's Adam step
takes one flat tensor); torch.optim.Adam(fused=True) steps it; warm-ups, then
the median of ITERS steps timed with CUDA events. Prints
  torch_fused_adam,N,median_ms

usage: python3 torch_fused_adam.py N [ITERS]
"""
import sys

import torch


def main():
    n = int(sys.argv[1])
    iters = int(sys.argv[2]) if len(sys.argv) > 2 else 7
    param = torch.nn.Parameter(torch.randn(n, device="cuda", dtype=torch.float32))
    param.grad = torch.randn(n, device="cuda", dtype=torch.float32)
    opt = torch.optim.Adam([param], lr=1e-3, fused=True)
    for _ in range(3):
        opt.step()
    torch.cuda.synchronize()
    times = []
    for _ in range(iters):
        start, end = torch.cuda.Event(enable_timing=True), torch.cuda.Event(enable_timing=True)
        start.record()
        opt.step()
        end.record()
        torch.cuda.synchronize()
        times.append(start.elapsed_time(end))
    times.sort()
    print(f"torch_fused_adam,{n},{times[len(times) // 2]:.6f}")


if __name__ == "__main__":
    main()
