"""Benchmark of ``dtwin twin calibrate``: recover a plant from its own MES event log.

Run: ``python benchmarks/calibration.py [--days 14] [--until-days 10] [--seed 7] [--seeds 1]``.

"The real plant" is a factory invented here (not a shipped file): two products with different
routings, lognormal, triangular, Weibull and uniform process times, a station of two machines
that fail (Weibull time to failure in operating minutes, lognormal repairs), defects at
the welder found by an inspection. It is simulated for ``--days`` days; its MES event log is
written to a CSV file and read back, and the plant is calibrated on the first ``--until-days``
days. Printed: per station the true and fitted mean process time (error in %) and the chosen
distribution, true and fitted MTBF/MTTR, the routings and machine counts found, the scrap
rates, the bars of the done-when check (routings and machine counts exact, mean process times
within 10%, MTBF within 35%) and the wall time; then a JSON summary. ``--seeds N`` repeats the
check for seeds ``seed .. seed+N-1`` and prints the worst errors.
"""

from __future__ import annotations

import argparse
import json
import math
import tempfile
import time
from pathlib import Path
from typing import Any

from invented_plant import INVENTED_PLANT

from dtwin.sim import load_factory, mes_log, parse_factory, simulate, write_mes_log
from dtwin.twin.calibration import calibrate, write_factory

MINUTES_PER_DAY = 1440.0
PROCESS_BAR = 0.10
MTBF_BAR = 0.35

# the done-when plant (benchmarks/invented_plant.py), under this benchmark's name
PLANT: dict[str, Any] = {**INVENTED_PLANT, "name": "invented plant (benchmark)"}


def true_means(plant: dict[str, Any]) -> dict[str, dict[str, float | None]]:
    """Per station: the true mean process time, MTBF and MTTR (None without failures)."""
    cfg = parse_factory(plant)
    out = {}
    for st in cfg.stations:
        fail = st.failure
        out[st.name] = {
            "process": st.process_time.mean_value,
            "mtbf": fail.ttf.mean_value if fail else None,
            "mttr": fail.repair.mean_value if fail else None,
            "machines": st.machines,
        }
    return out


def check(plant: dict[str, Any], days: float, until_days: float, seed: int) -> dict[str, Any]:
    """Simulate, write and calibrate; the figures and whether each bar is met."""
    truth = true_means(plant)
    with tempfile.TemporaryDirectory() as tmp:
        t0 = time.perf_counter()
        log = mes_log(plant, days=days, seed=seed)
        path = Path(tmp) / "plant.csv"
        write_mes_log(log, path)
        t1 = time.perf_counter()
        result = calibrate(path, until=until_days * MINUTES_PER_DAY)
        t2 = time.perf_counter()
        out = Path(tmp) / "calibrated.yaml"
        write_factory(result.factory, out)
        day = simulate(load_factory(out), days=1, seed=seed)
    found = result.report
    stations = {}
    for name, t in truth.items():
        st = found["stations"][name]
        fail = st.get("failure") or {}
        stations[name] = {
            "machines": [t["machines"], st["machines"]],
            "process_mean": [t["process"], st["process_time"]["mean"]],
            "process_error": st["process_time"]["mean"] / t["process"] - 1,
            "chosen": st["process_time"]["chosen"],
            "ks_p": st["process_time"]["ks_p"],
            "mtbf": [t["mtbf"], fail.get("mtbf_min")],
            "mtbf_error": fail["mtbf_min"] / t["mtbf"] - 1 if t["mtbf"] and fail else None,
            "mttr": [t["mttr"], fail.get("mttr_min")],
            "failures": fail.get("failures", 0),
            "scrap_rate": st["scrap"]["rate"],
        }
    routings = {
        p["name"]: [p["routing"], found["products"][p["name"]]["routing"]]
        for p in plant["products"]
    }
    bars = {
        "routings_exact": all(a == b for a, b in routings.values()),
        "machines_exact": all(s["machines"][0] == s["machines"][1] for s in stations.values()),
        "process_within_10pct": all(
            abs(s["process_error"]) <= PROCESS_BAR for s in stations.values()
        ),
        "mtbf_within_35pct": all(
            abs(s["mtbf_error"]) <= MTBF_BAR
            for s in stations.values()
            if s["mtbf_error"] is not None
        ),
        "calibrated_runs": day.kpis["throughput_per_hour"] > 0,
    }
    arrivals = {p: found["products"][p]["arrival_mean_min"] for p in routings}
    return {
        "seed": seed,
        "events": len(log),
        "simulate_s": t1 - t0,
        "calibrate_s": t2 - t1,
        "stations": stations,
        "routings": routings,
        "arrival_mean_min": arrivals,
        "bars": bars,
        "passed": all(bars.values()),
    }


def _pct(x: float | None) -> str:
    return "—" if x is None else f"{100 * x:+.1f}%"


def _num(x: float | None) -> str:
    return "—" if x is None or (isinstance(x, float) and math.isnan(x)) else f"{x:.4g}"


def show(res: dict[str, Any]) -> None:
    """Print one check's figures, one per line."""
    print(
        f"seed {res['seed']}: {res['events']} events; simulate {res['simulate_s']:.2f} s, "
        f"read + calibrate {res['calibrate_s']:.2f} s"
    )
    print(
        f"  {'station':<9} {'machines':>9} {'true mean':>10} {'fitted':>8} {'error':>7}  "
        f"{'chosen':<11} {'KS p':>6}  {'MTBF true/fit':>15} {'error':>7}  {'MTTR true/fit':>14}"
    )
    for name, s in res["stations"].items():
        mtbf = f"{_num(s['mtbf'][0])}/{_num(s['mtbf'][1])}"
        mttr = f"{_num(s['mttr'][0])}/{_num(s['mttr'][1])}"
        print(
            f"  {name:<9} {s['machines'][0]:>4}/{s['machines'][1]:<4} "
            f"{s['process_mean'][0]:>10.4g} {s['process_mean'][1]:>8.4g} "
            f"{_pct(s['process_error']):>7}  {s['chosen']:<11} {_num(s['ks_p']):>6}  "
            f"{mtbf:>15} {_pct(s['mtbf_error']):>7}  {mttr:>14}"
            f"{'  failures ' + str(s['failures']) if s['failures'] else ''}"
            f"{'  scrap rate ' + format(s['scrap_rate'], '.4f') if s['scrap_rate'] else ''}"
        )
    for name, (true, found) in res["routings"].items():
        print(
            f"  routing {name}: true {' -> '.join(true)}; found {' -> '.join(found)}; "
            f"arrival mean {res['arrival_mean_min'][name]:.4g} min"
        )
    for bar, ok in res["bars"].items():
        print(f"  {bar:<22} {'yes' if ok else 'NO'}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--days", type=float, default=14.0)
    parser.add_argument("--until-days", type=float, default=10.0)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--seeds", type=int, default=1, help="repeat for this many seeds")
    args = parser.parse_args()
    results = []
    for seed in range(args.seed, args.seed + args.seeds):
        res = check(PLANT, args.days, args.until_days, seed)
        show(res)
        results.append(res)
    worst = {
        "process_error": max(
            abs(s["process_error"]) for r in results for s in r["stations"].values()
        ),
        "mtbf_error": max(
            abs(s["mtbf_error"])
            for r in results
            for s in r["stations"].values()
            if s["mtbf_error"] is not None
        ),
        "passed": sum(r["passed"] for r in results),
        "checks": len(results),
    }
    print(
        f"worst |error| over {len(results)} seed(s): process time "
        f"{100 * worst['process_error']:.1f}%, MTBF {100 * worst['mtbf_error']:.1f}%; "
        f"passed {worst['passed']}/{worst['checks']}"
    )
    print(json.dumps({"first": results[0], "worst": worst}, default=float))


if __name__ == "__main__":
    main()
