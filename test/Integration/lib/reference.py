"""Independent numpy references of the workloads (../shared/WORKLOADS.md).

Written from the formulas, not from coco's IR. Arithmetic is done in float32
like the compiled code, one operation at a time in the same order, so most
results agree to the last bit; tests state their tolerance where the order
of a sum differs (e.g. MPI's reduction order on 4 ranks).
"""
import numpy as np

f32 = np.float32


def all_reduce_sum(per_rank):
    total = per_rank[0].copy()
    for g in per_rank[1:]:
        total = total + g
    return total


def sgd(w, grads, b, lr, mu, wd):
    g = all_reduce_sum(grads)
    g = g + f32(wd) * w
    b = f32(mu) * b + g
    w = w - f32(lr) * b
    return w, b


def adam(w, grads, m, v, step, lr=1e-3, b1=0.9, b2=0.999, eps=1e-8):
    g = all_reduce_sum(grads)
    m = f32(b1) * m + f32(1 - f32(b1)) * g
    v = f32(b2) * v + f32(1 - f32(b2)) * (g * g)
    c1 = f32(1) - f32(b1) ** f32(step)
    c2 = f32(1) - f32(b2) ** f32(step)
    mhat = m / c1
    vhat = v / c2
    w = w - f32(lr) * (mhat / (np.sqrt(vhat) + f32(eps)))
    return w, m, v


def lamb(w, grads, m, v, step, lr=1e-3, b1=0.9, b2=0.999, eps=1e-6, wd=0.01):
    g = all_reduce_sum(grads)
    m = f32(b1) * m + f32(1 - f32(b1)) * g
    v = f32(b2) * v + f32(1 - f32(b2)) * (g * g)
    c1 = f32(1) - f32(b1) ** f32(step)
    c2 = f32(1) - f32(b2) ** f32(step)
    u = (m / c1) / (np.sqrt(v / c2) + f32(eps)) + f32(wd) * w
    w_norm = np.sqrt(np.sum(w.astype(np.float64) ** 2))
    u_norm = np.sqrt(np.sum(u.astype(np.float64) ** 2))
    trust = f32(w_norm / u_norm) if w_norm > 0 and u_norm > 0 else f32(1)
    w = w - f32(lr) * trust * u
    return w, m, v


def splitmix_mix(z):
    """splitmix64's finalizer on uint64 arrays (wrapping arithmetic)."""
    z = np.asarray(z, dtype=np.uint64)
    with np.errstate(over="ignore"):
        z = (z ^ (z >> np.uint64(30))) * np.uint64(0xBF58476D1CE4E5B9)
        z = (z ^ (z >> np.uint64(27))) * np.uint64(0x94D049BB133111EB)
    return z ^ (z >> np.uint64(31))


def dropout_keep(shape, p, seed):
    """coco.dropout's mask: keep element i iff u(seed, i) >= p, where u is the
    top 24 bits of mix(seed * golden + i) scaled to [0, 1)."""
    index = np.arange(int(np.prod(shape)), dtype=np.uint64)
    with np.errstate(over="ignore"):
        counter = np.uint64(seed) * np.uint64(0x9E3779B97F4A7C15) + index
    bits = splitmix_mix(counter)
    uniform = (bits >> np.uint64(40)).astype(np.float32) * f32(1.0 / 16777216.0)
    return (uniform >= f32(p)).reshape(shape)


def dropout(x, p, seed):
    scale = f32(1) / (f32(1) - f32(p))
    return np.where(dropout_keep(x.shape, p, seed), x * scale, f32(0))
