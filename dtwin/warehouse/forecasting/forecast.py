"""Forecast a daily series with the model its backtest picked, with conformal intervals."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from dtwin.warehouse.forecasting.conformal import clip
from dtwin.warehouse.forecasting.models import MODELS, SEASON, models_named
from dtwin.warehouse.forecasting.rolling import (
    BacktestReport,
    Bounds,
    Settings,
    check_settings,
    offsets_at,
    run_backtest,
    series_bounds,
)
from dtwin.warehouse.forecasting.series import CleanSeries, clean_series, daily_series

if TYPE_CHECKING:
    from duckdb import DuckDBPyConnection


@dataclass(frozen=True)
class ForecastResult:
    """Point forecasts and prediction intervals for the days after a series ends.

    ``frame`` has one row per day ahead: date, horizon, mean, lo, hi and calibrated (False
    where fewer errors than the coverage needs were available: the interval then spans the
    smallest to the largest error seen and promises nothing).
    """

    frame: pd.DataFrame
    model: str
    coverage: float
    metric: str | None
    machine: str | None
    unit: str | None
    history_first: pd.Timestamp
    history_last: pd.Timestamp
    imputed_days: int
    params: dict[str, float]
    backtest: BacktestReport = field(repr=False)

    def to_dict(self) -> dict[str, object]:
        """A JSON-safe summary: the forecast rows, the model and its backtest."""
        rows = [
            {
                "date": row.date.date().isoformat(),
                "horizon": int(row.horizon),
                "mean": _num(row.mean),
                "lo": _num(row.lo),
                "hi": _num(row.hi),
                "calibrated": bool(row.calibrated),
            }
            for row in self.frame.itertuples(index=False)
        ]
        return {
            "metric": self.metric,
            "machine": self.machine,
            "unit": self.unit,
            "model": self.model,
            "model_description": MODELS[self.model].description,
            "params": self.params,
            "coverage": self.coverage,
            "horizon_days": len(rows),
            "history": {
                "first": self.history_first.date().isoformat(),
                "last": self.history_last.date().isoformat(),
                "imputed_days": self.imputed_days,
            },
            "forecast": rows,
            "backtest": self.backtest.to_dict(),
        }


def _num(value: float) -> float | None:
    return None if not np.isfinite(value) else float(value)


def forecast_series(
    series: pd.Series,
    horizon_days: int,
    coverage: float = 0.9,
    *,
    models: list[str] | tuple[str, ...] | None = None,
    min_train: int | None = None,
    step: int = 1,
    season: int = SEASON,
    calibration_window: int | None = None,
    refit_every: int = 7,
    bounds: Bounds | None = None,
) -> ForecastResult:
    """Forecast ``horizon_days`` days after ``series`` ends, with ``coverage`` intervals.

    The model is the one with the lowest rolling-origin MASE on the series (see
    :func:`~dtwin.warehouse.forecasting.rolling.backtest`, which takes the same keywords);
    the interval at each horizon is split-conformal on that model's backtest errors at that
    horizon, so it widens as errors grow with the horizon. Forecasts and intervals are
    clipped to ``bounds`` (default: the series' metric's range, e.g. [0, 1] for a rate).
    The result is a pure function of the inputs (no randomness).
    """
    clean = clean_series(series)
    s = check_settings(
        clean,
        horizon_days,
        coverage,
        season=season,
        min_train=min_train,
        step=step,
        calibration_window=calibration_window,
        refit_every=refit_every,
        bounds=series_bounds(series, bounds),
    )
    report = run_backtest(clean, s, models_named(models))
    fit = MODELS[report.chosen].predict(clean.values, s.horizon, s.season)
    frame = _future(clip(fit.forecast, s.bounds), report, clean, s)
    attrs = series.attrs
    metric = attrs.get("metric", series.name if isinstance(series.name, str) else None)
    return ForecastResult(
        frame,
        report.chosen,
        s.coverage,
        metric,
        attrs.get("machine"),
        attrs.get("unit"),
        clean.dates[0],
        clean.dates[-1],
        clean.imputed_days,
        fit.params,
        report,
    )


def _future(
    point: np.ndarray, report: BacktestReport, clean: CleanSeries, s: Settings
) -> pd.DataFrame:
    """The forecast rows: each horizon's interval from all of the chosen model's errors."""
    n = clean.values.size
    offsets = [
        offsets_at(report.residuals[report.chosen], report.origins, n, h, s)
        for h in range(1, s.horizon + 1)
    ]
    lo = np.array([o[0] for o in offsets])
    hi = np.array([o[1] for o in offsets])
    first = clean.dates[-1] + pd.Timedelta(days=1)
    return pd.DataFrame(
        {
            "date": pd.date_range(first, periods=s.horizon, freq="D"),
            "horizon": np.arange(1, s.horizon + 1),
            "mean": point,
            "lo": clip(point + lo, s.bounds),
            "hi": clip(point + hi, s.bounds),
            "calibrated": [o[2] for o in offsets],
        }
    )


def forecast_metric(
    db: str | Path | DuckDBPyConnection,
    metric: str,
    machine: str | None = None,
    horizon_days: int = 7,
    coverage: float = 0.9,
    **options: object,
) -> ForecastResult:
    """:func:`forecast_series` of ``daily_series(db, metric, machine)`` (what the CLI runs)."""
    return forecast_series(daily_series(db, metric, machine), horizon_days, coverage, **options)
