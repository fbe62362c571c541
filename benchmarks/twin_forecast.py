"""Benchmark of ``dtwin twin forecast``: the synchronised twin against the plant it twins.

Run: ``python benchmarks/twin_forecast.py [--days 15] [--calibrate-days 10]
[--at 10 10.5 11] [--hours 96] [--replications 30] [--seed 7] [--seeds 1] [--origins 36]``.

"The real plant" is the invented plant of ``benchmarks/invented_plant.py`` (lognormal,
triangular, Weibull and uniform process times, two failing mills, two routings, scrap),
simulated for ``--days`` days (seed ``--seed``). The twin is calibrated on its MES log's
first ``--calibrate-days`` days (``dtwin.twin.calibration.calibrate``) and forecasts, with
the calibrated factory, from every ``--at`` day for ``--hours`` hours. Printed per origin:
the predicted output (mean and 90% interval) against the real one and the error in %; the
mean absolute error of the open parts' exit times, the twin's against the naive estimate
(the product's mean lead time before the origin less the time spent, floored at the origin)
and its reduction in %. Bars of the done-when check: output within 5% with a non-degenerate
interval, exit-time MAE at least 30% below the naive one. Every origin is reported, none
picked. The real plant runs past 14 days so that the 96 h after day 10.5 and 11 are known.

``--origins N`` pools the exit-time errors over N origins 2 h apart from the first ``--at``
(a few parts per origin make one origin's MAE noisy). ``--seeds N`` repeats the day-10
check for plant seeds ``seed .. seed+N-1`` and prints the spread of the output error (how
much of it the plant's own randomness explains).
"""

from __future__ import annotations

import argparse
import json
import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np
from invented_plant import INVENTED_PLANT

from dtwin.sim import mes_log, parse_factory, write_mes_log
from dtwin.twin.calibration import calibrate
from dtwin.twin.forecast import forecast_from_log
from dtwin.twin.sync import lead_times

DAY = 1440.0
OUTPUT_BAR = 0.05
MAE_BAR = 0.30


def real_plant(days: float, calibrate_days: float, seed: int) -> tuple[Any, Any]:
    """The plant's MES log and the factory calibrated on its first days."""
    frame = mes_log(INVENTED_PLANT, days=days, seed=seed)
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "plant.csv"
        write_mes_log(frame, path)
        result = calibrate(path, until=calibrate_days * DAY)
    return frame, parse_factory(result.factory)


def exit_errors(report: dict[str, Any], actual: dict[str, float]) -> tuple[list, list, int]:
    """Absolute exit-time errors (twin, naive) of the open parts that left good in the log."""
    twin, naive, left_out = [], [], 0
    for p in report["open_parts"]:
        real = actual.get(p["part"])
        if real is None or p["exit_time_min"] is None:
            left_out += 1  # scrapped or still in the plant at the log's end
            continue
        twin.append(abs(p["exit_time_min"] - real))
        naive.append(abs(p["naive_exit_time_min"] - real))
    return twin, naive, left_out


def one_origin(frame: Any, cfg: Any, day: float, hours: float, reps: int) -> dict[str, Any]:
    """The forecast from ``day`` and its errors against the log."""
    at = day * DAY
    report = forecast_from_log(cfg, frame, at, hours, reps, seed=0)
    times = frame["time_min"].to_numpy(dtype=float)
    out = (frame["event"] == "exit").to_numpy() & (times > at) & (times <= at + hours * 60)
    real = int(out.sum())
    th = report["throughput"]
    actual = dict(zip(*(lead_times(frame)[c] for c in ("part", "exit")), strict=True))
    twin, naive, left_out = exit_errors(report, actual)
    mae = float(np.mean(twin)) if twin else None
    mae_naive = float(np.mean(naive)) if naive else None
    return {
        "day": day,
        "open_parts": len(report["open_parts"]),
        "machines_down": report["state"]["machines_down"],
        "output_real": real,
        "output_mean": th["mean"],
        "output_lo": th["lo"],
        "output_hi": th["hi"],
        "output_error": th["mean"] / real - 1.0,
        "in_interval": th["lo"] <= real <= th["hi"],
        "exit_mae_twin": mae,
        "exit_mae_naive": mae_naive,
        "mae_reduction": 1.0 - mae / mae_naive if mae is not None and mae_naive else None,
        "parts_compared": len(twin),
        "parts_left_out": left_out,
        "errors": (twin, naive),
    }


def pooled(frame: Any, cfg: Any, first: float, origins: int, reps: int) -> dict[str, Any]:
    """Exit-time MAE pooled over ``origins`` origins 2 h apart (short horizon: the runs go
    on until every open part has left)."""
    twin, naive = [], []
    for k in range(origins):
        row = one_origin(frame, cfg, first + k * 2 / 24, 1.0, reps)
        twin += row["errors"][0]
        naive += row["errors"][1]
    mae, mae_naive = float(np.mean(twin)), float(np.mean(naive))
    return {
        "origins": origins,
        "parts": len(twin),
        "exit_mae_twin": mae,
        "exit_mae_naive": mae_naive,
        "mae_reduction": 1.0 - mae / mae_naive,
    }


def show(row: dict[str, Any]) -> None:
    ok_out = abs(row["output_error"]) <= OUTPUT_BAR and row["output_hi"] > row["output_lo"]
    ok_mae = row["mae_reduction"] is not None and row["mae_reduction"] >= MAE_BAR
    if row["mae_reduction"] is None:
        mae = "exit MAE: no open part left good within the log"
    else:
        mae = (
            f"exit MAE twin {row['exit_mae_twin']:.2f} min vs naive "
            f"{row['exit_mae_naive']:.2f} min, {row['mae_reduction']:+.0%}"
        )
    print(
        f"day {row['day']:>5g}: output {row['output_mean']:7.1f} (90% {row['output_lo']:.0f}-"
        f"{row['output_hi']:.0f}) vs real {row['output_real']}, error "
        f"{row['output_error']:+6.2%} [{'ok' if ok_out else 'MISSED'}]; {mae} "
        f"[{'ok' if ok_mae else 'MISSED'}] "
        f"({row['parts_compared']} parts, {row['open_parts']} open, down: "
        f"{', '.join(row['machines_down']) or 'none'})"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--days", type=float, default=15.0)
    parser.add_argument("--calibrate-days", type=float, default=10.0)
    parser.add_argument("--at", type=float, nargs="+", default=[10.0, 10.5, 11.0])
    parser.add_argument("--hours", type=float, default=96.0)
    parser.add_argument("--replications", type=int, default=30)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--seeds", type=int, default=1)
    parser.add_argument("--origins", type=int, default=36)
    args = parser.parse_args()
    start = time.perf_counter()
    frame, cfg = real_plant(args.days, args.calibrate_days, args.seed)
    rows = [one_origin(frame, cfg, day, args.hours, args.replications) for day in args.at]
    for row in rows:
        show(row)
    pool = pooled(frame, cfg, args.at[0], args.origins, args.replications) if args.origins else None
    if pool:
        print(
            f"pooled over {pool['origins']} origins 2 h apart from day {args.at[0]:g}: exit MAE "
            f"twin {pool['exit_mae_twin']:.2f} min vs naive {pool['exit_mae_naive']:.2f} min "
            f"({pool['mae_reduction']:+.0%}, {pool['parts']} parts)"
        )
    spread = []
    for seed in range(args.seed + 1, args.seed + args.seeds):
        f, c = real_plant(args.days, args.calibrate_days, seed)
        row = one_origin(f, c, args.at[0], args.hours, args.replications)
        spread.append(row["output_error"])
        cut = row["mae_reduction"]
        shown = "—" if cut is None else f"{cut:+.0%}"
        print(f"  seed {seed}: day {args.at[0]:g} output error {row['output_error']:+.2%}, "
              f"exit MAE reduction {shown} ({row['parts_compared']} parts)")  # fmt: skip
    print(f"wall time {time.perf_counter() - start:.1f} s")
    summary = {
        "origins": [{k: v for k, v in r.items() if k != "errors"} for r in rows],
        "pooled": pool,
        "other_seeds_output_error": spread,
    }
    print(json.dumps(summary, default=float))


if __name__ == "__main__":
    main()
