"""Rolling-origin backtests: MASE, MAE, conformal interval coverage and width per model.

At every origin ``o`` (the model has seen days ``0..o-1``) each model forecasts days
``o..o+H-1``. An interval at origin ``o`` and horizon ``h`` is calibrated on that model's
horizon-``h`` errors of earlier origins ``o'`` whose actual was known by then
(``o' + h <= o``), so no interval sees the day it is scored on. The ``auto`` row scores the
selection rule itself: at each origin it uses the model with the lowest MASE on the errors
known at that origin.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from dtwin.errors import ConfigError, DataError
from dtwin.warehouse.forecasting.conformal import Bounds, clip, conformal_offsets
from dtwin.warehouse.forecasting.models import BENCHMARK, SEASON, ForecastModel, models_named
from dtwin.warehouse.forecasting.series import CleanSeries, clean_series, metric_named

AUTO = "auto"
SUMMARY_COLUMNS = ("mase", "mae", "coverage", "mean_width", "forecasts", "intervals")


@dataclass(frozen=True)
class Settings:
    """Checked backtest settings."""

    horizon: int
    coverage: float
    season: int
    min_train: int
    step: int
    calibration_window: int | None
    refit_every: int
    bounds: Bounds


@dataclass(frozen=True)
class BacktestReport:
    """What a rolling-origin backtest found, per model and per horizon.

    ``summary`` (index: model, ``auto`` last) has mase, mae, coverage, mean_width, forecasts
    (scored point forecasts) and intervals (scored calibrated intervals); ``by_horizon``
    the same per model and horizon; ``forecasts`` one row per model, origin and horizon.
    ``chosen`` is the model with the lowest MASE over the whole backtest.
    """

    settings: Settings
    summary: pd.DataFrame
    by_horizon: pd.DataFrame
    forecasts: pd.DataFrame
    chosen: str
    residuals: dict[str, np.ndarray] = field(repr=False)
    origins: np.ndarray = field(repr=False)

    def to_dict(self) -> dict[str, object]:
        """A JSON-safe summary (NaN as None)."""
        s = self.settings
        return {
            "horizon_days": s.horizon,
            "coverage": s.coverage,
            "season": s.season,
            "min_train_days": s.min_train,
            "step_days": s.step,
            "origins": int(self.origins.size),
            "chosen": self.chosen,
            "models": {m: _json_row(r) for m, r in self.summary.iterrows()},
            "by_horizon": {
                m: [_json_row(r) | {"horizon": int(h)} for h, r in g.droplevel(0).iterrows()]
                for m, g in self.by_horizon.groupby(level=0, sort=False)
            },
        }


def _json_row(row: pd.Series) -> dict[str, object]:
    return {
        k: (None if pd.isna(v) else int(v) if k in ("forecasts", "intervals") else float(v))
        for k, v in row.items()
    }


def _whole(name: str, value: object, least: int) -> int:
    if not isinstance(value, int | np.integer) or isinstance(value, bool) or value < least:
        raise ConfigError(f"{name}: {value!r} is not a whole number >= {least}")
    return int(value)


def check_settings(
    clean: CleanSeries,
    horizon: int,
    coverage: float,
    *,
    season: int = SEASON,
    min_train: int | None = None,
    step: int = 1,
    calibration_window: int | None = None,
    refit_every: int = 7,
    bounds: Bounds = (None, None),
) -> Settings:
    """Check every setting against the series; a DataError/ConfigError names the value."""
    horizon, season = _whole("horizon_days", horizon, 1), _whole("season", season, 2)
    step, refit_every = _whole("step", step, 1), _whole("refit_every", refit_every, 1)
    if not isinstance(coverage, float | int) or not 0.0 < float(coverage) < 1.0:
        raise ConfigError(f"coverage: {coverage!r} is not a number strictly between 0 and 1")
    n, least = clean.values.size, 2 * season + horizon
    if n < least:
        raise DataError(
            f"series: {n} days from {clean.dates[0].date()} is too short for horizon_days "
            f"{horizon}; needs at least 2 x {season} + {horizon} = {least} days"
        )
    train = 2 * season if min_train is None else min_train
    if not isinstance(train, int) or not 2 * season <= train <= n - horizon:
        raise ConfigError(
            f"min_train: {min_train!r} is not a whole number in {2 * season}..{n - horizon}"
        )
    if calibration_window is not None:
        calibration_window = _whole("calibration_window", calibration_window, 1)
    return Settings(
        horizon, float(coverage), season, train, step, calibration_window, refit_every, bounds
    )


def series_bounds(series: pd.Series, bounds: Bounds | None) -> Bounds:
    """``bounds`` as given, else the valid range of the metric ``series`` is named after."""
    if bounds is not None:
        return bounds
    name = series.attrs.get("metric", series.name) if isinstance(series, pd.Series) else None
    try:
        spec = metric_named(name)
    except ConfigError:  # a series named otherwise is unbounded
        return (None, None)
    return (spec.lower, spec.upper)


def backtest(
    series: pd.Series,
    horizon_days: int,
    *,
    coverage: float = 0.9,
    models: list[str] | tuple[str, ...] | None = None,
    min_train: int | None = None,
    step: int = 1,
    season: int = SEASON,
    calibration_window: int | None = None,
    refit_every: int = 7,
    bounds: Bounds | None = None,
) -> BacktestReport:
    """Backtest every model (all registered when None) by rolling origin on ``series``.

    Parameters
    ----------
    min_train
        Days seen at the first origin (default two seasons).
    calibration_window
        Use only the latest this many errors per horizon for an interval (default all).
    refit_every
        Re-estimate the smoothing weights every this many origins (weekly by default);
        between refits the weights are kept and the state still runs through every new day.
    bounds
        (lower, upper) clip for forecasts and intervals; default from the series' metric.
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
    return run_backtest(clean, s, models_named(models))


def run_backtest(clean: CleanSeries, s: Settings, models: list[ForecastModel]) -> BacktestReport:
    """The backtest of ``models`` on a checked series with checked settings."""
    y, n = clean.values, clean.values.size
    origins = np.arange(s.min_train, n, s.step)
    steps = np.arange(1, s.horizon + 1)
    target = origins[:, None] + steps[None, :] - 1
    actual = np.where(target < n, y[np.minimum(target, n - 1)], np.nan)
    scale = np.array([mase_scale(y[:o], s.season) for o in origins])
    parts, residuals, scaled = [], {}, {}
    for model in models:
        point = model_forecasts(model, y, origins, s)
        residuals[model.name] = actual - point
        scaled[model.name] = np.abs(residuals[model.name]) / scale[:, None]
        lo, hi, ok = _interval_offsets(residuals[model.name], origins, s)
        parts.append(_rows(model.name, model.name, point, lo, hi, ok, actual, scale, s))
    picks = [choose(residuals, scaled, origins, o, s.horizon) for o in origins]
    parts.append(_auto_rows(parts, [m.name for m in models], picks, origins.size))
    frame = _dated(pd.concat(parts, ignore_index=True), clean, origins)
    summary, by_horizon = _summaries(frame)
    chosen = choose(residuals, scaled, origins, n, s.horizon)
    return BacktestReport(s, summary, by_horizon, frame, chosen, residuals, origins)


def model_forecasts(
    model: ForecastModel, y: np.ndarray, origins: np.ndarray, s: Settings
) -> np.ndarray:
    """Point forecasts (origins x horizon) of ``model``, each from the days before its origin."""
    rows, params = [], None
    for i, origin in enumerate(origins):
        keep = None if i % s.refit_every == 0 else params
        fit = model.predict(y[:origin], s.horizon, s.season, keep)
        params = fit.params
        rows.append(clip(fit.forecast, s.bounds))
    return np.vstack(rows)


def mase_scale(train: np.ndarray, season: int) -> float:
    """In-sample MAE of the one-step seasonal naive forecast (Hyndman & Koehler's scale).

    Falls back to the lag-1 (naive) MAE where the seasonal one is zero or undefined, and
    is NaN for a constant series.
    """
    for lag in (season, 1):
        if train.size > lag:
            mae = float(np.mean(np.abs(train[lag:] - train[:-lag])))
            if mae > 0:
                return mae
    return float("nan")


def _interval_offsets(
    residuals: np.ndarray, origins: np.ndarray, s: Settings
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    shape = residuals.shape
    lo, hi, ok = np.full(shape, np.nan), np.full(shape, np.nan), np.zeros(shape, dtype=bool)
    for i, origin in enumerate(origins):
        for h in range(1, s.horizon + 1):
            lo[i, h - 1], hi[i, h - 1], ok[i, h - 1] = offsets_at(
                residuals, origins, int(origin), h, s
            )
    return lo, hi, ok


def offsets_at(
    residuals: np.ndarray, origins: np.ndarray, at: int, h: int, s: Settings
) -> tuple[float, float, bool]:
    """Conformal offsets at horizon ``h`` for a forecast made at ``at`` (days seen).

    Only errors of origins ``o' <= at - h`` enter: their day ``o' + h - 1`` is before ``at``.
    """
    known = int(np.searchsorted(origins, at - h, side="right"))
    pool = residuals[:known, h - 1]
    pool = pool[np.isfinite(pool)]
    if s.calibration_window is not None:
        pool = pool[-s.calibration_window :]
    return conformal_offsets(pool, s.coverage)


def choose(
    residuals: dict[str, np.ndarray],
    scaled: dict[str, np.ndarray],
    origins: np.ndarray,
    at: int,
    horizon: int,
) -> str:
    """The model with the lowest mean scaled error among errors known at ``at`` (days seen).

    MAE ranks where no error can be scaled (a constant history); the benchmark is chosen
    before any error is known, and ties go to the earlier registered model.
    """
    known = origins[:, None] + np.arange(1, horizon + 1)[None, :] <= at
    scores = {}
    for name, errors in scaled.items():
        pick = errors[known]
        pick = pick[np.isfinite(pick)]
        if pick.size == 0:
            pick = np.abs(residuals[name][known])
            pick = pick[np.isfinite(pick)]
        if pick.size:
            scores[name] = float(np.mean(pick))
    if not scores:
        return BENCHMARK if BENCHMARK in residuals else next(iter(residuals))
    return min(scores, key=scores.__getitem__)


def _rows(
    name: str,
    member: str,
    point: np.ndarray,
    lo: np.ndarray,
    hi: np.ndarray,
    ok: np.ndarray,
    actual: np.ndarray,
    scale: np.ndarray,
    s: Settings,
) -> pd.DataFrame:
    n_orig, horizon = point.shape
    return pd.DataFrame(
        {
            "model": name,
            "member": member,
            "origin_index": np.repeat(np.arange(n_orig), horizon),
            "horizon": np.tile(np.arange(1, horizon + 1), n_orig),
            "forecast": point.ravel(),
            "lo": clip((point + lo).ravel(), s.bounds),
            "hi": clip((point + hi).ravel(), s.bounds),
            "calibrated": ok.ravel(),
            "actual": actual.ravel(),
            "scale": np.repeat(scale, horizon),
        }
    )


def _auto_rows(
    parts: list[pd.DataFrame], names: list[str], picks: list[str], n_orig: int
) -> pd.DataFrame:
    """The rows of the model ``auto`` picked at each origin, relabelled ``auto``."""
    by_name = dict(zip(names, parts, strict=True))
    horizon = len(parts[0]) // n_orig
    rows = [by_name[p].iloc[i * horizon : (i + 1) * horizon] for i, p in enumerate(picks)]
    auto = pd.concat(rows, ignore_index=True)
    auto["model"] = AUTO
    return auto


def _dated(frame: pd.DataFrame, clean: CleanSeries, origins: np.ndarray) -> pd.DataFrame:
    """Add the origin date (last day seen) and the forecast date; drop the index helper."""
    origin = origins[frame["origin_index"].to_numpy()]
    start = clean.dates[0]
    frame.insert(2, "origin", start + pd.to_timedelta(origin - 1, unit="D"))
    frame.insert(4, "date", start + pd.to_timedelta(origin + frame["horizon"] - 1, unit="D"))
    return frame.drop(columns="origin_index")


def _summaries(frame: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    scored = frame[frame["actual"].notna()].copy()
    error = (scored["actual"] - scored["forecast"]).abs()
    scored["ae"] = error
    scored["se"] = error / scored["scale"]
    inside = (scored["actual"] >= scored["lo"]) & (scored["actual"] <= scored["hi"])
    scored["inside"] = inside.astype(float).where(scored["calibrated"])
    scored["width"] = (scored["hi"] - scored["lo"]).where(scored["calibrated"])
    order = list(dict.fromkeys(frame["model"]))

    def table(keys: list[str]) -> pd.DataFrame:
        g = scored.groupby(keys, sort=False)
        out = pd.DataFrame(
            {
                "mase": g["se"].mean(),
                "mae": g["ae"].mean(),
                "coverage": g["inside"].mean(),
                "mean_width": g["width"].mean(),
                "forecasts": g["ae"].count(),
                "intervals": g["inside"].count(),
            }
        )
        return out.reindex(order, level=0) if len(keys) > 1 else out.reindex(order)

    return table(["model"]), table(["model", "horizon"])
