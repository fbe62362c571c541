"""Benchmark of the learned dispatcher: gap % of the policy, the rules and CP-SAT on 15x15 shops.

Run: ``python benchmarks/dispatching.py [--generated 10] [--limits 1 10] [--policy DIR]
[--samples 15] [--backend dask --workers 1 | --scheduler ADDRESS] [--json OUT] [--card DIR]``.

Two sets, neither seen in training (the policy trains on Taillard seeds 10,000,000-18,999,999):
Taillard's published ta01-ta10 (regenerated from his seeds; gaps to their proven optima) and
``--generated`` instances from the evaluation seed range 20,000,000-28,999,999 (gaps to the best
makespan any method found, in practice CP-SAT's longest run; CP-SAT's lower bound is printed
too). Methods: the greedy policy, best of ``--samples`` + 1 policy rollouts (when > 0), SPT,
LPT, MWKR, MOR and FIFO alone (active schedules), the best rule per instance, and dtwin's
CP-SAT at each ``--limits`` (wall-clock seconds, ``--cpsat-workers`` threads). Every schedule
passes the checker. The sweep runs on a dtwin back-end (default: a Dask LocalCluster of one
worker process, so CP-SAT runs one at a time; more workers share the cores and its wall-clock
limits then mean less search). The bar: the policy's mean gap below the best single rule's.
``--card DIR`` writes the measured means into the policy's ``card.json``.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
from pathlib import Path

from dtwin.schedule.rl.evaluate import EVAL_RULES, EvalTask, compare_dispatchers
from dtwin.schedule.rl.generators import TA_OPTIMA, evaluation_instances, published_instance


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--generated", type=int, default=10, help="held-out generated 15x15 instances")
    p.add_argument("--no-published", action="store_true", help="skip ta01-ta10")
    p.add_argument("--limits", type=float, nargs="*", default=[1.0, 10.0], help="CP-SAT seconds")
    p.add_argument("--cpsat-workers", type=int, default=2)
    p.add_argument("--policy", default=None, help="policy folder (default: models/dispatch)")
    p.add_argument("--samples", type=int, default=15, help="extra sampled policy rollouts")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--backend", default="dask", help="serial, processes or dask")
    p.add_argument("--workers", type=int, default=1)
    p.add_argument("--scheduler", default=None, help="address of a running Dask scheduler")
    p.add_argument("--json", default=None, help="write the rows here")
    p.add_argument("--card", default=None, help="policy folder whose card.json gets the means")
    return p


def _tasks(args: argparse.Namespace) -> list[EvalTask]:
    common = dict(
        policy_dir=args.policy,
        cpsat_limits=tuple(args.limits),
        workers=args.cpsat_workers,
        samples=args.samples,
        seed=args.seed,
    )
    tasks = (
        []
        if args.no_published
        else [
            EvalTask(published_instance(name), best, **common) for name, best in TA_OPTIMA.items()
        ]
    )
    tasks += [EvalTask(inst, None, **common) for inst in evaluation_instances(args.generated)]
    return tasks


def _methods(rows: list[dict]) -> list[str]:
    return [k[4:] for k in rows[0] if k.startswith("gap_")]


def _print(rows: list[dict], title: str) -> dict[str, float]:
    methods = _methods(rows)
    print(f"\n{title}: gap % to {rows[0]['reference_kind']}")
    print(f"{'instance':<16}{'ref':>6} " + "".join(f"{m[:14]:>15}" for m in methods))
    for r in rows:
        cells = "".join(f"{r['gap_' + m]:>15.2f}" for m in methods)
        print(f"{r['instance']:<16}{r['reference']:>6} {cells}")
    means = {m: statistics.mean(r["gap_" + m] for r in rows) for m in methods}
    print(f"{'mean':<23}" + "".join(f"{means[m]:>15.2f}" for m in methods))
    single = min(means[r.lower()] for r in EVAL_RULES)
    best_single = min(EVAL_RULES, key=lambda r: means[r.lower()])
    verdict = "beats" if means["policy"] < single else "does NOT beat"
    print(
        f"policy {means['policy']:.2f}% {verdict} the best single rule ({best_single} "
        f"{single:.2f}%); policy seconds max "
        f"{max(r['seconds_policy'] for r in rows):.3f}"
    )
    return means


def main(argv: list[str] | None = None) -> int:
    """Run the sweep, print both tables and the bar, optionally save rows and card."""
    args = _parser().parse_args(argv)
    tasks = _tasks(args)
    rows = compare_dispatchers(tasks, args.backend, args.workers, args.scheduler)
    summary = {}
    published = [r for r in rows if r["reference_kind"] == "best known"]
    generated = [r for r in rows if r["reference_kind"] != "best known"]
    if published:
        summary["ta01-ta10"] = _print(published, "Taillard ta01-ta10 (15x15)")
    if generated:
        summary[f"generated 15x15 (evaluation seeds, n={len(generated)})"] = _print(
            generated, "generated 15x15, evaluation seeds"
        )
    if args.json:
        Path(args.json).write_text(json.dumps(rows, indent=1), encoding="utf-8")
    if args.card:
        path = Path(args.card) / "card.json"
        card = json.loads(path.read_text(encoding="utf-8"))
        card["evaluation"] = {
            "command": "python benchmarks/dispatching.py "
            + " ".join(sys.argv[1:] if argv is None else argv),
            "mean_gap_pct": {k: {m: round(v, 2) for m, v in s.items()} for k, s in summary.items()},
        }
        path.write_text(json.dumps(card, indent=1) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
