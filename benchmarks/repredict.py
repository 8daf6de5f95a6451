"""Re-predicts every coco row of a run_benchmarks.py launch with that
launch's own profiles, twice: as they are, and with some of their figures
removed. Prints the model's error both ways next to the measured time:
what a model term is worth on the same measurements (no new launch, no
drift between the two), with the model as built now.

usage: python3 benchmarks/repredict.py OUT_DIR
           [--drop warm_collectives,warm_nonblocking_collectives]

OUT_DIR is a run_benchmarks.py --out folder (results.csv and profiles/).
Each launch's programs are predicted together, as run_benchmarks.py does
(each with the others' arrays as the caller's, coco-predict caller-bytes).
"""
import argparse
import csv
import json
import os
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import run_benchmarks as rb  # noqa: E402


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("out")
    parser.add_argument("--drop", default="warm_collectives,warm_nonblocking_collectives",
                        help="comma-separated profile keys to remove")
    args = parser.parse_args()
    drop = [k for k in args.drop.split(",") if k]
    rows = list(csv.DictReader(open(os.path.join(args.out, "results.csv"))))
    tmp = tempfile.mkdtemp(prefix="coco-repredict-")
    # The launches: the rows of one profile (one program of one or two
    # workloads at one size), each launch's scheduled sources.
    launches = {}
    for r in rows:
        kind, n, schedule = r["workload"], int(r["elements"]), r["schedule"]
        if not r.get("predicted_ms") or kind not in rb.STATE and rb.base_kind(kind) not in rb.STATE:
            continue  # PyTorch rows, the layers: not repriced here
        ranks = int(r["ranks"])
        # An f32 step and its mixed-precision one share a program (and its
        # profile) where a launch asked for both.
        group = [rb.base_kind(kind), rb.base_kind(kind) + rb.MIXED]
        # (Named with the rank count where the launch ran several; an
        # unnamed one is a launch of one count.)
        profile = next((path for g in (group, [kind]) for on in (ranks, None)
                        for path in [os.path.join(args.out, "profiles",
                                                  rb.program_name(g, n, on) + ".json")]
                        if os.path.exists(path)), None)
        if profile is None:
            sys.exit(f"repredict: no profile of {kind} {n} in {args.out}/profiles")
        variant = next(v for v in rb.variants(kind) if v[0] == schedule)
        source = os.path.join(tmp, f"{kind}-{n}-{ranks}.mlir")
        if not os.path.exists(source):
            with open(source, "w") as f:
                f.write(rb.workload_source(kind, n, ranks))
        launch = launches.setdefault(profile, {"ranks": ranks, "sources": {}, "rows": []})
        launch["sources"][kind, schedule] = (source, variant[1], variant[2])
        launch["rows"].append(r)
    within = {"without": 0, "with": 0}
    total = 0
    print(f"| workload | elements | ranks | schedule | measured ms | without {', '.join(drop)} "
          f"| with |")
    print("|---|---|---|---|---|---|---|")
    for profile, launch in launches.items():
        stripped = os.path.join(tmp, os.path.basename(profile))
        figures = json.load(open(profile))
        for key in drop:
            figures.pop(key, None)
        json.dump(figures, open(stripped, "w"))
        without = rb.predict_launch(launch["sources"], launch["ranks"], stripped)
        with_ = rb.predict_launch(launch["sources"], launch["ranks"], profile)
        for r in launch["rows"]:
            key = (r["workload"], r["schedule"])
            measured = float(r["median_ms"])
            total += 1
            e0, e1 = without[key] / measured - 1, with_[key] / measured - 1
            within["without"] += abs(e0) <= 0.2
            within["with"] += abs(e1) <= 0.2
            size = rb.size_label(int(r["elements"]))
            print(f"| {r['workload']} | {size} | {r['ranks']} | {r['schedule']} | {measured} "
                  f"| {without[key]:.3f} ({e0:+.0%}) | {with_[key]:.3f} ({e1:+.0%}) |")
    print(f"\nWithin 20% of the measured time: {within['without']} of {total} without, "
          f"{within['with']} of {total} with.")


if __name__ == "__main__":
    main()
