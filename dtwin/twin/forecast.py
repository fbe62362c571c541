"""Forecasts from the synchronised state: the next hours' output and each open part's exit.

:func:`forecast_from_log` syncs the twin with the log at ``at`` (:func:`dtwin.twin.sync.state_at`),
then runs ``replications`` warm-started simulations (:func:`dtwin.sim.simulation_from`, one
random stream set per replication, so the same seed gives the same forecast):

- ``throughput``: good parts leaving in ``(at, at + hours]``, the mean over replications and
  the 90% prediction interval (the empirical 5% and 95% quantiles of the replications). Each
  replication draws its own random times and, by default, its own release rates from their
  uncertainty given the log (:func:`arrival_factors`): a rate estimated from a few weeks of
  releases is itself uncertain by a percent or two, as much as the randomness of a few days'
  output, so an interval without it is too narrow;
- ``throughput_by_day``: the same for each 24 h of the horizon (``day`` 1, 2, ...; the last
  period ends with the horizon);
- ``open_parts``: for every part in the plant at ``at``, the time it leaves good
  (``exit_time_min``: the mean over the replications in which it does; ``exit_time_lo`` /
  ``exit_time_hi``: their 5% / 95% quantiles). Each replication runs on past the horizon
  until every open part has left, for at most ``max(hours, 24)`` hours more, so that a late
  part still gets a time. The shares of replications in which a part left good, was
  scrapped, or was still in the plant at that bound are reported; a part that never left
  good in any replication has ``exit_time_min`` null;
- the naive estimate beside it: the mean lead time of the product's parts that left good
  before ``at`` (all products' mean when a product has none) less the time the part has
  already spent, floored at ``at``.

Times are minutes of the log.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pandas as pd

from dtwin.errors import ConfigError
from dtwin.sim import FactoryConfig, PlantState, simulation_from
from dtwin.twin.sync import lead_times, state_at

DAY_MIN = 1440.0
#: the prediction interval's quantiles (a 90% interval)
LOW_Q, HIGH_Q = 0.05, 0.95
MAX_HOURS = 24.0 * 366
MAX_REPLICATIONS = 1000
# minutes between checks whether every open part has left, past the horizon
_STEP = 60.0

__all__ = ["arrival_factors", "forecast_from_log", "forecast_state", "naive_exits", "quantiles"]


def quantiles(values: Any) -> dict[str, float | None]:
    """``mean``, ``lo`` (5%) and ``hi`` (95%) of ``values`` (None when empty)."""
    arr = np.asarray(values, dtype=float)
    if arr.size == 0:
        return {"mean": None, "lo": None, "hi": None}
    lo, hi = np.quantile(arr, [LOW_Q, HIGH_Q])
    return {"mean": float(arr.mean()), "lo": float(lo), "hi": float(hi)}


def check_forecast(at: float, hours: float, replications: int, frame: pd.DataFrame) -> None:
    """Refuse a forecast time, length or replication count outside the valid ranges."""
    problems = []
    end = float(frame["time_min"].max()) if len(frame) else 0.0
    if not (isinstance(at, int | float) and math.isfinite(at) and 0 <= at <= end):
        problems.append(f"--at: {at!r} must be a time in minutes within the log (0..{end:g})")
    if not (isinstance(hours, int | float) and 0 < hours <= MAX_HOURS):
        problems.append(f"--hours: {hours!r} must be > 0 and <= {MAX_HOURS:g}")
    if not (isinstance(replications, int) and 1 <= replications <= MAX_REPLICATIONS):
        problems.append(f"--replications: {replications!r} must be in 1..{MAX_REPLICATIONS}")
    if problems:
        raise ConfigError("; ".join(problems))


def _one_run(
    config: FactoryConfig, state: PlantState, hours: float, seed: int, replication: int
) -> tuple[list[int], dict[int, tuple[str, float]]]:
    """Good exits in each 24 h of the horizon, and how and when each open part left."""
    sim = simulation_from(config, state, seed, replication, log_events=False)
    end = state.time + hours * 60.0
    bound = end + max(hours, 24.0) * 60.0
    opened = len(state.parts)
    gone: dict[int, tuple[str, float]] = {}
    good = [0] * _days(hours)

    def watch(record: tuple[Any, ...]) -> None:
        time, entity, _, _, event = record
        if event not in ("exit", "scrap"):
            return
        if event == "exit" and time <= end:
            good[min(int((time - state.time) // DAY_MIN), len(good) - 1)] += 1
        if entity < opened:
            gone[entity] = (event, time)

    sim.subscribe(watch)
    sim.run_until(end)
    while len(gone) < opened and sim.now < bound:
        sim.run_until(min(sim.now + _STEP, bound))
    return good, gone


def _days(hours: float) -> int:
    """The 24 h periods of a horizon (the last one may be shorter)."""
    return max(1, math.ceil(hours * 60.0 / DAY_MIN - 1e-9))


def _by_day(at: float, hours: float, per_run: list[list[int]]) -> list[dict[str, Any]]:
    end = at + hours * 60.0
    rows = []
    for k in range(_days(hours)):
        lo, hi = at + k * DAY_MIN, min(at + (k + 1) * DAY_MIN, end)
        rows.append({"day": k + 1, "from_min": lo, "to_min": hi, **quantiles(
            [run[k] for run in per_run])})  # fmt: skip
    return rows


def naive_exits(frame: pd.DataFrame, state: PlantState) -> dict[str, Any]:
    """The naive exit time of each open part and the mean lead times it used."""
    done = lead_times(frame, state.time)
    overall = float(done["lead_time"].mean()) if len(done) else None
    per_product = {str(k): float(v) for k, v in done.groupby("product")["lead_time"].mean().items()}
    exits: dict[str, float | None] = {}
    for p in state.parts:
        mean = per_product.get(p.product, overall)
        exits[p.part] = None if mean is None else max(p.released + mean, state.time)
    return {"exits": exits, "mean_lead_time_min": {**per_product, "all": overall}}


def arrival_factors(
    frame: pd.DataFrame, at: float, replications: int, seed: int
) -> list[dict[str, float]]:
    """Per replication, a factor on each product's mean time between releases: the rate's
    uncertainty given the releases the log shows before ``at``.

    A product released ``n`` times over ``span`` minutes has a rate whose posterior (Poisson
    releases, Jeffreys prior) is Gamma(n + 1/2, 1/span); replication ``r`` draws a rate from it
    and scales the factory's mean by (n / span) / rate. Same seed, same factors.
    """
    rows = frame[(frame["event"] == "release") & (frame["time_min"] <= at)]
    rng = np.random.default_rng([seed, 0x5EED])
    out: list[dict[str, float]] = [{} for _ in range(replications)]
    for product, times in rows.groupby("product", sort=True)["time_min"]:
        n, span = len(times), at - float(times.min())
        if n < 2 or span <= 0:
            continue
        draws = rng.gamma(n + 0.5, 1.0 / span, size=replications)
        for r in range(replications):
            out[r][str(product)] = (n / span) / float(draws[r])
    return out


def _scaled(config: FactoryConfig, factors: dict[str, float]) -> FactoryConfig:
    """``config`` with each exponential release process's mean times its product's factor."""
    if not factors:
        return config
    products = []
    for prod in config.products:
        f = factors.get(prod.name)
        if f is None or prod.arrival is None or prod.arrival.dist != "exponential":
            products.append(prod)
            continue
        arrival = prod.arrival.model_copy(update={"mean": prod.arrival.mean * f})
        products.append(prod.model_copy(update={"arrival": arrival}))
    return config.model_copy(update={"products": products})


def forecast_state(
    config: FactoryConfig,
    state: PlantState,
    hours: float,
    replications: int = 20,
    seed: int = 0,
    factors: list[dict[str, float]] | None = None,
) -> dict[str, Any]:
    """Throughput and open parts' exits over ``replications`` runs from ``state``;
    ``factors`` (one mapping per replication) scale each product's release rate."""
    per_run: list[list[int]] = []
    outcomes: list[dict[int, tuple[str, float]]] = []
    for r in range(replications):
        cfg = config if factors is None else _scaled(config, factors[r])
        daily, gone = _one_run(cfg, state, hours, seed, r)
        per_run.append(daily)
        outcomes.append(gone)
    counts = [sum(daily) for daily in per_run]
    parts = []
    for k, p in enumerate(state.parts):
        seen = [o.get(k) for o in outcomes]
        exits = [t for o in seen if o is not None and o[0] == "exit" for t in [o[1]]]
        scrapped = sum(1 for o in seen if o is not None and o[0] == "scrap")
        q = quantiles(exits)
        parts.append(
            {
                "part": p.part,
                "product": p.product,
                "station": p.route[0],
                "machine": p.machine,
                "route_left": list(p.route),
                "released_min": p.released,
                "spent_min": p.spent(state.time),
                "exit_time_min": q["mean"],
                "exit_time_lo": q["lo"],
                "exit_time_hi": q["hi"],
                "left_good_share": len(exits) / replications,
                "scrapped_share": scrapped / replications,
                "unfinished_share": (replications - len(exits) - scrapped) / replications,
            }
        )
    return {
        "throughput": quantiles(counts),
        "throughput_runs": counts,
        "throughput_by_day": _by_day(state.time, hours, per_run),
        "open_parts": parts,
    }


def forecast_from_log(
    config: FactoryConfig,
    frame: pd.DataFrame,
    at: float,
    hours: float,
    replications: int = 20,
    seed: int = 0,
    release_uncertainty: bool = True,
) -> dict[str, Any]:
    """The twin's forecast from the log ``frame`` synced at ``at`` (JSON-ready; see the
    module's docstring); ``release_uncertainty``: draw each replication's release rates from
    their uncertainty given the log (:func:`arrival_factors`)."""
    check_forecast(at, hours, replications, frame)
    state = state_at(frame, at, config)
    factors = arrival_factors(frame, at, replications, seed) if release_uncertainty else None
    result = forecast_state(config, state, hours, replications, seed, factors)
    naive = naive_exits(frame, state)
    for row in result["open_parts"]:
        row["naive_exit_time_min"] = naive["exits"][row["part"]]
    down = [m.machine for m in state.machines if m.status == "down"]
    serviced = [m.machine for m in state.machines if m.status == "maintenance"]
    return {
        "at": float(at),
        "hours": float(hours),
        "until_min": float(at) + hours * 60.0,
        "replications": replications,
        "seed": seed,
        "units": {
            "time": "minutes of the log",
            "throughput": "good parts leaving in (at, at + hours * 60]",
            "interval": "90% prediction interval: 5% and 95% quantiles over replications",
        },
        "uncertainty": {
            "randomness": "each replication draws its own process, failure and release times",
            "release_rates": (
                "each replication's release rates drawn from their posterior given the log's "
                "releases before 'at' (Gamma(n + 1/2, 1/span))"
                if release_uncertainty
                else "fixed at the factory's"
            ),
            "not_included": "the uncertainty of the fitted process-time and failure parameters",
        },
        "state": {
            "open_parts": len(state.parts),
            "machines_down": down,
            "machines_in_maintenance": serviced,
        },
        **result,
        "naive": {
            "method": "mean lead time of the product's parts that left good before 'at' "
            "(all products' when none) less the time already spent, floored at 'at'",
            "mean_lead_time_min": naive["mean_lead_time_min"],
        },
    }
