"""Benchmark: rolling-origin backtests of the statistical forecasts on a generated warehouse.

Generates ``--days`` days of plant data (default 120), ingests it, and backtests every
metric (output, good_output, defect_rate, energy_kwh) for every machine and the plant with
horizon ``--horizon-days`` (default 7). Prints, per series, the MASE of each model (scaled by
the in-sample seasonal-naive MAE, so seasonal_naive is the yardstick 1), the model chosen on
the whole backtest, and for ``auto`` (the selection rule scored out of sample) its MASE, the
share of actuals inside its conformal interval and the mean interval width (also as % of the
series' mean).

Run: ``python benchmarks/forecasting.py [--days 120] [--seed 0] [--horizon-days 7]``
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

import pandas as pd

from dtwin.warehouse import generate_raw, ingest
from dtwin.warehouse.forecasting import METRICS, MODELS, backtest, daily_series, machine_ids

SHORT = {
    "naive": "naive",
    "seasonal_naive": "snaive",
    "window_mean": "mean7",
    "ses": "ses",
    "holt_damped": "holt",
    "seasonal_ses": "sses",
    "holt_winters": "hw",
    "auto": "auto",
}


def backtest_all(db: Path, horizon: int, coverage: float, window: int | None) -> pd.DataFrame:
    """One row per metric and series: MASE per model, the choice, auto's coverage and width."""
    rows = []
    for metric in METRICS:
        for machine in [*machine_ids(db), None]:
            series = daily_series(db, metric, machine)
            t0 = time.perf_counter()
            report = backtest(series, horizon, coverage=coverage, calibration_window=window)
            seconds = time.perf_counter() - t0
            summary = report.summary
            auto = summary.loc["auto"]
            row = {"metric": metric, "series": machine or "plant"}
            row |= {SHORT[m]: summary.loc[m, "mase"] for m in summary.index}
            row |= {
                "chosen": SHORT[report.chosen],
                "coverage": auto["coverage"],
                "width": auto["mean_width"],
                "width_%": 100 * auto["mean_width"] / series.mean(),
                "s": seconds,
            }
            rows.append(row)
    return pd.DataFrame(rows)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--days", type=int, default=120)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--horizon-days", type=int, default=7)
    parser.add_argument("--coverage", type=float, default=0.9)
    parser.add_argument(
        "--calibration-window", type=int, default=None, help="Latest errors per horizon."
    )
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="dtwin-forecast-") as tmp:
        out, db = Path(tmp) / "plant", Path(tmp) / "warehouse.duckdb"
        t0 = time.perf_counter()
        generate_raw(out, days=args.days, seed=args.seed)
        ingest(out, db)
        print(f"generated + ingested {args.days} days in {time.perf_counter() - t0:.1f} s")
        table = backtest_all(db, args.horizon_days, args.coverage, args.calibration_window)
    print(
        f"rolling origin from day 14, step 1, H = {args.horizon_days}, "
        f"{args.coverage:.0%} conformal intervals; MASE per model (snaive = seasonal naive)"
    )
    print(f"models: {', '.join(f'{SHORT[m]} = {m}' for m in MODELS)}")
    with pd.option_context("display.width", 200, "display.max_columns", 30):
        print(table.to_string(index=False, float_format=lambda v: f"{v:.3f}"))
    beat = (table["auto"] < table["snaive"]).mean()
    print(
        f"auto beats seasonal naive on {beat:.0%} of {len(table)} series; mean auto MASE "
        f"{table['auto'].mean():.3f}; auto coverage {table['coverage'].min():.3f}.."
        f"{table['coverage'].max():.3f} (mean {table['coverage'].mean():.3f}); "
        f"backtests took {table['s'].sum():.1f} s in all"
    )


if __name__ == "__main__":
    main()
