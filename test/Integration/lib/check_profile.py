"""Checks a machine profile written by coco-calibrate (test/tools/coco-calibrate.test).

usage: check_profile.py PROFILE.json RANKS
"""
import json
import sys

COLLECTIVES = ("all_reduce", "reduce_scatter", "all_gather", "broadcast", "reduce",
               "all_to_all", "exchange", "send_recv")


def main():
    path, ranks = sys.argv[1], int(sys.argv[2])
    with open(path) as f:
        profile = json.load(f)
    problems = []
    for key in ("name", "source", "copy_bandwidth_GBps", "matmul_GFLOPs", "collectives",
                "levels", "chunk_overhead_us"):
        if key not in profile:
            problems.append(f"no '{key}'")
    if profile.get("copy_bandwidth_GBps", 0) <= 0.1:
        problems.append(f"copy bandwidth {profile.get('copy_bandwidth_GBps')} GB/s")
    if profile.get("matmul_GFLOPs", 0) <= 0.1:
        problems.append(f"matmul {profile.get('matmul_GFLOPs')} GFLOP/s")
    for name in COLLECTIVES:
        lines = profile.get("collectives", {}).get(name, [])
        expected = 2 if name == "send_recv" else ranks
        line = next((l for l in lines if l.get("ranks") == expected), None)
        if line is None:
            problems.append(f"no {name} line for {expected} ranks")
            continue
        if not line["latency_us"] >= 0 or not line["ns_per_byte"] > 0:
            problems.append(f"{name}: latency {line['latency_us']} us, "
                            f"{line['ns_per_byte']} ns/byte")
        # 16 MiB through any collective on one machine takes well under a
        # second and more than a microsecond.
        seconds = line["latency_us"] * 1e-6 + line["ns_per_byte"] * 1e-9 * (1 << 24)
        if not 1e-6 < seconds < 1.0:
            problems.append(f"{name}: 16 MiB predicted in {seconds} s")
    levels = profile.get("levels", [])
    if not levels or levels[0].get("bandwidth_GBps", 0) <= 0:
        problems.append("no level with a positive bandwidth")
    if problems:
        print("profile INVALID: " + "; ".join(problems))
        sys.exit(1)
    print(f"profile valid: {len(COLLECTIVES)} collectives on {ranks} ranks, copy "
          f"{profile['copy_bandwidth_GBps']:.1f} GB/s, matmul {profile['matmul_GFLOPs']:.1f} GFLOP/s")


if __name__ == "__main__":
    main()
