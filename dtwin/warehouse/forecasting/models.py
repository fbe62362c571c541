"""The candidate models: benchmarks and exponential smoothing with additive weekly seasonality.

Every model maps a gap-free history ``y`` (oldest first) to point forecasts for 1..H days
ahead; the smoothing models fit their weights by minimising the one-step squared error over
``y`` (L-BFGS-B within bounds), so a fit sees nothing after the forecast origin.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np

from dtwin.errors import ConfigError

SEASON = 7  # days in the weekly cycle
WINDOW = 7  # days averaged by ``window_mean``: one full week, so it is seasonally neutral

Params = dict[str, float] | None
Predict = Callable[..., "Fit"]


@dataclass(frozen=True)
class Fit:
    """Point forecasts for 1..H days ahead and the parameters behind them."""

    forecast: np.ndarray
    params: dict[str, float] = field(default_factory=dict)


@dataclass(frozen=True)
class ForecastModel:
    """A named way to forecast: ``predict(y, horizon, season, params=None) -> Fit``.

    ``params`` (from an earlier :class:`Fit`) skips the fitting: the weights are kept and
    only the state is run through ``y``, which is how a backtest re-estimates weekly.
    """

    name: str
    description: str
    predict: Predict


def naive(y: np.ndarray, horizon: int, season: int = SEASON, params: Params = None) -> Fit:
    """Tomorrow and every later day equal the last day seen."""
    return Fit(np.full(horizon, float(y[-1])))


def seasonal_naive(y: np.ndarray, horizon: int, season: int = SEASON, params: Params = None) -> Fit:
    """Each day equals the same weekday of the last week; naive below two full seasons."""
    if len(y) < 2 * season:
        return Fit(naive(y, horizon).forecast, {"fallback_naive": 1.0})
    last = np.asarray(y[-season:], dtype=float)
    return Fit(last[np.arange(horizon) % season])


def window_mean(y: np.ndarray, horizon: int, season: int = SEASON, params: Params = None) -> Fit:
    """Every day equals the mean of the last ``WINDOW`` days."""
    return Fit(np.full(horizon, float(np.mean(y[-WINDOW:]))))


@dataclass(frozen=True)
class _Components:
    trend: bool
    seasonal: bool


def _initial_state(y: list[float], m: int, parts: _Components) -> tuple[float, float, list[float]]:
    """Level, trend and seasonal indices from the first two seasons (Hyndman's simple start)."""
    if len(y) >= 2 * m:
        first, second = sum(y[:m]) / m, sum(y[m : 2 * m]) / m
        trend = (second - first) / m if parts.trend else 0.0
        if parts.seasonal:
            return first, trend, [v - first for v in y[:m]]
        return y[0], trend, [0.0] * m
    return y[0], 0.0, [0.0] * m


def _smooth(
    y: list[float], weights: tuple[float, float, float, float], m: int, parts: _Components
) -> tuple[float, float, float, list[float]]:
    """Run the additive (damped-trend, seasonal) recursions; returns SSE and the final state."""
    alpha, beta, gamma, phi = weights
    level, trend, season = _initial_state(y, m, parts)
    season = list(season)
    sse = 0.0
    for t, value in enumerate(y):
        j = t % m
        damped = phi * trend
        error = value - (level + damped + season[j])
        sse += error * error
        new_level = level + damped + alpha * error
        if parts.trend:
            trend = damped + beta * (new_level - level - damped)
        if parts.seasonal:
            season[j] += gamma * (value - new_level - season[j])
        level = new_level
    return sse, level, trend, season


def _fit_smoothing(y: np.ndarray, horizon: int, m: int, parts: _Components, params: Params) -> Fit:
    """Fit the weights by bounded least squares on one-step errors (unless ``params`` gives
    them), then extrapolate."""
    from scipy.optimize import minimize

    history = [float(v) for v in y]
    names = ("alpha", "beta", "gamma", "phi")
    start = {"alpha": 0.3, "beta": 0.05, "gamma": 0.1, "phi": 0.9}
    bounds = {"alpha": (0.01, 1.0), "beta": (0.0, 1.0), "gamma": (0.0, 1.0), "phi": (0.8, 0.98)}
    free = [n for n in names if _uses(n, parts)]
    fixed = {"alpha": 0.3, "beta": 0.0, "gamma": 0.0, "phi": 1.0}

    def weights(x: np.ndarray) -> tuple[float, float, float, float]:
        chosen = dict(fixed, **dict(zip(free, (float(v) for v in x), strict=True)))
        return chosen["alpha"], chosen["beta"], chosen["gamma"], chosen["phi"]

    def objective(x: np.ndarray) -> float:
        return _smooth(history, weights(x), m, parts)[0]

    if params is not None and all(n in params for n in free):
        w = weights(np.array([params[n] for n in free]))
    else:
        best = minimize(
            objective,
            x0=np.array([start[n] for n in free]),
            method="L-BFGS-B",
            bounds=[bounds[n] for n in free],
            options={"maxiter": 200},
        )
        w = weights(best.x)
    _, level, trend, season = _smooth(history, w, m, parts)
    steps = np.arange(1, horizon + 1)
    phi = w[3]
    damped_sum = np.cumsum(phi**steps) if parts.trend else np.zeros(horizon)
    seasonal = np.array([season[(len(history) + h - 1) % m] for h in steps])
    forecast = level + damped_sum * trend + seasonal
    return Fit(forecast, {n: float(v) for n, v in zip(names, w, strict=True) if n in free})


def _uses(name: str, parts: _Components) -> bool:
    return (
        name == "alpha"
        or (name in ("beta", "phi") and parts.trend)
        or (name == "gamma" and parts.seasonal)
    )


def _smoothing(trend: bool, seasonal: bool) -> Predict:
    def predict(y: np.ndarray, horizon: int, season: int = SEASON, params: Params = None) -> Fit:
        # Below two seasons the seasonal indices cannot be started: drop the season.
        keep = seasonal and len(y) >= 2 * season
        fit = _fit_smoothing(y, horizon, season, _Components(trend, keep), params)
        if seasonal and not keep:
            return Fit(fit.forecast, {**fit.params, "fallback_no_season": 1.0})
        return fit

    return predict


MODELS: dict[str, ForecastModel] = {
    m.name: m
    for m in (
        ForecastModel("naive", "last value carried forward", naive),
        ForecastModel("seasonal_naive", "same weekday last week (m=7)", seasonal_naive),
        ForecastModel("window_mean", f"mean of the last {WINDOW} days", window_mean),
        ForecastModel("ses", "simple exponential smoothing, ETS(A,N,N)", _smoothing(False, False)),
        ForecastModel("holt_damped", "damped-trend Holt, ETS(A,Ad,N)", _smoothing(True, False)),
        ForecastModel(
            "seasonal_ses", "level + additive weekly season, ETS(A,N,A)", _smoothing(False, True)
        ),
        ForecastModel(
            "holt_winters",
            "damped trend + additive weekly season, ETS(A,Ad,A)",
            _smoothing(True, True),
        ),
    )
}
BENCHMARK = "seasonal_naive"  # the scale of MASE and the model used before any evidence


def models_named(names: tuple[str, ...] | list[str] | None) -> list[ForecastModel]:
    """The registered models called ``names`` (all when None); unknown names raise ConfigError."""
    if names is None:
        return list(MODELS.values())
    unknown = [n for n in names if n not in MODELS]
    if unknown or not names:
        raise ConfigError(
            f"models: {unknown or list(names)!r} not valid; choose from {', '.join(MODELS)}"
        )
    return [MODELS[n] for n in dict.fromkeys(names)]
