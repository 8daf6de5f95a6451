"""Checks a machine profile written by coco-calibrate (test/tools/coco-calibrate.test).

usage: check_profile.py PROFILE.json RANKS [ELEMENT_TYPE,...]
"""
import json
import os
import sys

COLLECTIVES = ("all_reduce", "reduce_scatter", "all_gather", "broadcast", "reduce",
               "all_to_all", "exchange", "send_recv")


def cgroup_quotas():
    """The CPU quotas (quota / period, in cores) on this process: cgroup v2's
    cpu.max of its own cgroup and every parent, cgroup v1's
    cpu.cfs_quota_us / cpu.cfs_period_us of its cpu cgroup and the
    controller's root."""
    quotas = []
    try:
        with open("/proc/self/cgroup") as f:
            entries = [line.rstrip("\n").split(":", 2) for line in f]
    except OSError:
        return quotas
    for _, controllers, path in (e for e in entries if len(e) == 3):
        v2 = controllers == ""
        if not v2 and "cpu" not in controllers.split(","):
            continue
        root = "/sys/fs/cgroup" if v2 else "/sys/fs/cgroup/" + controllers
        if not v2 and not os.path.isdir(root):
            root = "/sys/fs/cgroup/cpu"
        parts = [p for p in path.split("/") if p]
        for depth in range(len(parts), -1, -1):
            directory = os.path.join(root, *parts[:depth])
            try:
                if v2:
                    with open(os.path.join(directory, "cpu.max")) as f:
                        quota, period = f.read().split()
                else:
                    with open(os.path.join(directory, "cpu.cfs_quota_us")) as f:
                        quota = f.read().strip()
                    with open(os.path.join(directory, "cpu.cfs_period_us")) as f:
                        period = f.read().strip()
                if quota not in ("max", "-1"):
                    quotas.append(int(quota) / int(period))
            except (OSError, ValueError):
                pass
    return quotas


def usable_cores():
    """The cores this process may run on: os.cpu_count() is the host's, so
    a container limited by a CPU quota (or an affinity mask) would pass for
    a large machine. A fractional quota rounds down: 1.5 cores cannot hold
    2 busy ranks."""
    cores = len(os.sched_getaffinity(0))
    for quota in cgroup_quotas():
        cores = min(cores, max(1, int(quota)))
    return cores


def check_line(problems, what, line, positive_slope=True, seconds_limit=1.0):
    """A line's fields are sane: 16 MiB through any collective on one
    machine takes more than a microsecond and under `seconds_limit`, and
    every measured point took some time. `positive_slope`: the fitted
    cost per byte must be above 0 (for the f32 lines; the 16-bit and
    non-blocking lines of a short sweep on loaded cores may fit a flat line,
    which the fit clamps to 0)."""
    if any(not us > 0 for _, us in line.get("points", [])):
        problems.append(f"{what}: points {line['points']}")
    slope_ok = line["ns_per_byte"] > 0 if positive_slope else line["ns_per_byte"] >= 0
    if not line["latency_us"] >= 0 or not slope_ok:
        problems.append(f"{what}: latency {line['latency_us']} us, "
                        f"{line['ns_per_byte']} ns/byte")
    seconds = line["latency_us"] * 1e-6 + line["ns_per_byte"] * 1e-9 * (1 << 24)
    if not 1e-6 < seconds < seconds_limit:
        problems.append(f"{what}: 16 MiB predicted in {seconds} s")


def check_collectives(problems, profile, prefix, ranks, element_types, oversubscribed, limit):
    """The lines of one sweep: `prefix` "" (the cold one: "collectives",
    "nonblocking_collectives") or "warm_" (buffers left in the caches)."""
    what = "warm " if prefix else ""
    for name in COLLECTIVES:
        lines = profile.get(prefix + "collectives", {}).get(name, [])
        expected = 2 if name == "send_recv" else ranks
        untyped = [l for l in lines if "element_type" not in l]
        line = next((l for l in untyped if l.get("ranks") == expected), None)
        if line is None:
            problems.append(f"no {what}{name} line for {expected} ranks")
        else:
            check_line(problems, what + name, line, positive_slope=not oversubscribed,
                       seconds_limit=limit)
        # The lines of each other element type: every collective but
        # send_recv, on all the ranks; and no type the caller did not ask for.
        typed = {l["element_type"] for l in lines if "element_type" in l}
        if typed - set(element_types):
            problems.append(f"{what}{name}: lines of {sorted(typed - set(element_types))}")
        for element_type in element_types if name != "send_recv" else []:
            line = next((l for l in lines if l.get("element_type") == element_type
                         and l.get("ranks") == ranks), None)
            if line is None:
                problems.append(f"no {what}{element_type} {name} line for {ranks} ranks")
            else:
                check_line(problems, f"{what}{element_type} {name}", line, positive_slope=False,
                           seconds_limit=limit)
    # The non-blocking all_reduce and reduce_scatter that overlapped chunks
    # call (started, then waited for).
    for name in ("all_reduce", "reduce_scatter"):
        lines = profile.get(prefix + "nonblocking_collectives", {}).get(name, [])
        line = next((l for l in lines if l.get("ranks") == ranks), None)
        if line is None:
            problems.append(f"no {what}non-blocking {name} line for {ranks} ranks")
            continue
        check_line(problems, f"{what}non-blocking {name}", line, positive_slope=False,
                   seconds_limit=limit)


def main():
    """usage: check_profile.py PROFILE.json RANKS [ELEMENT_TYPE,...]: the
    element types whose own lines (all but send_recv) the profile must have."""
    path, ranks = sys.argv[1], int(sys.argv[2])
    element_types = [t for t in sys.argv[3].split(",") if t] if len(sys.argv) > 3 else []
    with open(path) as f:
        profile = json.load(f)
    problems = []
    # A rank on every core (or more ranks than cores): a rank that
    # busy-polls can be descheduled for milliseconds inside a 4 KiB
    # collective, longer than a 1 MiB one takes (3 ranks on 2 cores in CI,
    # 2026-12-04: latencies of 3.5-9.2 ms and flat fits), and for tens of
    # milliseconds inside a 1 MiB one, which a two-size fit turns into tens
    # of ns per byte. With as many ranks as cores, lit's other worker and
    # its tests share them too. There only a flat f32 line and 16 MiB in up
    # to 10 s can be asked; every point must still take time.
    oversubscribed = ranks >= usable_cores()
    limit = 10.0 if oversubscribed else 1.0
    for key in ("name", "source", "copy_bandwidth_GBps", "matmul_GFLOPs", "collectives",
                "levels", "chunk_overhead_us"):
        if key not in profile:
            problems.append(f"no '{key}'")
    if profile.get("copy_bandwidth_GBps", 0) <= 0.1:
        problems.append(f"copy bandwidth {profile.get('copy_bandwidth_GBps')} GB/s")
    if profile.get("matmul_GFLOPs", 0) <= 0.1:
        problems.append(f"matmul {profile.get('matmul_GFLOPs')} GFLOP/s")
    # Every line twice: on buffers out of the caches and on buffers left
    # there, with the cache each rank has (between 64 KiB and 4 GiB).
    for prefix in ("", "warm_"):
        check_collectives(problems, profile, prefix, ranks, element_types, oversubscribed,
                          limit)
    cache = profile.get("cache_bytes_per_rank", 0)
    if not (1 << 16) <= cache <= (1 << 32):
        problems.append(f"cache_bytes_per_rank {cache}")
    # The loop curve reaches beyond that cache (where the model reads how
    # much of a working set stays warm).
    reach = max((p.get("working_set_bytes", 0) for p in profile.get("loop_bandwidth", [])),
                default=0)
    if not reach > cache:
        problems.append(f"loop_bandwidth ends at {reach} bytes, inside the cache ({cache})")
    # The loop's bandwidth by working set: ascending sizes, every point
    # positive and slower than nothing (under a TB/s per rank).
    loop = profile.get("loop_bandwidth", [])
    sizes = [p.get("working_set_bytes", 0) for p in loop]
    if len(loop) < 2 or sizes != sorted(sizes) or not all(
            s > 0 and 0 < p.get("GBps", 0) < 1000 for s, p in zip(sizes, loop)):
        problems.append(f"loop_bandwidth {loop}")
    # What a store into memory the loop did not read costs, in bytes per
    # byte: at least the byte, and a read of the line (2) or a bit more,
    # never 8.
    factors = [p.get("fresh_store_factor", 0) for p in loop]
    if not all(1 <= f <= 8 for f in factors):
        problems.append(f"fresh_store_factor {factors}")
    # f64 partial sums in vector lanes (the adds carry reassoc): up to 16
    # elements a cycle from the caches (0.02 ns at 3 GHz), so more than
    # 0.001 ns (it took time) and less than 100 ns per element.
    if not 0.001 < profile.get("reduction_ns_per_element", 0) < 100:
        problems.append(f"reduction {profile.get('reduction_ns_per_element')} ns/element")
    # The divide and square-root unit: slower per element than an add, far
    # faster than a nanosecond (a scalar divide is a few ns).
    for key in ("divide_ns_per_element", "sqrt_ns_per_element",
                "divide_f64_ns_per_element", "sqrt_f64_ns_per_element"):
        if not 0.001 < profile.get(key, 0) < 20:
            problems.append(f"{key} {profile.get(key)}")
    levels = profile.get("levels", [])
    if not levels or levels[0].get("bandwidth_GBps", 0) <= 0:
        problems.append("no level with a positive bandwidth")
    if problems:
        print("profile INVALID: " + "; ".join(problems))
        sys.exit(1)
    typed = f", {len(COLLECTIVES) - 1} of {' and '.join(element_types)}" if element_types else ""
    print(f"profile valid: {len(COLLECTIVES)} collectives (and 2 non-blocking{typed}), cold and "
          f"warm, on {ranks} ranks, cache {cache / (1 << 20):.1f} MiB per rank, copy "
          f"{profile['copy_bandwidth_GBps']:.1f} GB/s ({len(loop)} working sets, fresh stores "
          f"x{min(factors):.1f}-{max(factors):.1f}), matmul "
          f"{profile['matmul_GFLOPs']:.1f} GFLOP/s, reduction "
          f"{profile['reduction_ns_per_element']:.2f} ns/element, divide "
          f"{profile['divide_ns_per_element']:.2f} and square root "
          f"{profile['sqrt_ns_per_element']:.2f} ns/element (f64 "
          f"{profile['divide_f64_ns_per_element']:.2f} and "
          f"{profile['sqrt_f64_ns_per_element']:.2f})")


if __name__ == "__main__":
    main()
