"""Validation: the twin over a held-out window of the log against what the log says happened.

:func:`validate_twin` syncs the twin at ``t0`` (:func:`dtwin.twin.sync.state_at`), runs
``replications`` warm-started simulations to ``t1`` and writes each as an MES log of its own
(the open parts' ``release`` and running ``start`` rows before ``t0`` included, so that one
function, :func:`window_metrics`, measures the plant's log and every twin run alike). Metrics
over ``(t0, t1]``:

- ``throughput``: parts that left good; ``lead_time``: the mean release -> exit time of those
  parts; ``utilisation`` per station: the share of its machines' time between a ``start`` and
  the end of that operation (``finish``/``exit``/``scrap``), downtime inside it included, as
  the log shows it. The report gives the twin's mean and 90% interval (5% / 95% quantiles
  over replications). A metric passes when the log's value lies inside the twin's 99%
  prediction interval for one more run (normal theory, ``mean +- t * s * sqrt(1 + 1/R)``,
  which accounts for the number of replications R: the quantiles of a dozen runs are too
  narrow) or its relative error to the twin's mean is within the threshold. A short
  window's interval is wider than the threshold, a long window's threshold is what counts.
  99% per metric (and 1% over all sequences) keeps the chance that a right twin fails
  one of its ten-odd metrics near 10% (Bonferroni), where 90% per metric would fail most
  right twins; a window of a few hours can then only catch gross errors. A metric that
  passes by its interval alone, beyond its threshold, is marked ``inconclusive`` (the window
  is too short to tell) and listed in the report.
- ``sequence`` per station: the station's event sequence as the times between successive
  ``start`` events at it (its service pattern: the arrivals it sees, its speed, its
  stoppages). The log's gaps are compared with the twin's (pooled over replications) by the
  Kolmogorov-Smirnov *distance* (the largest gap between the two distribution functions).
  One window is one realisation of the plant's days, and the gaps are not independent (a
  congested bottleneck keeps a line busy for hours), so the classical KS p-value fails a
  right model on a few days of a busy line. The yardstick is the twin itself: each twin
  run's distance to the other runs pooled says how far one realisation falls from the model;
  the log fails when its distance exceeds their mean by more than z standard deviations,
  z the normal quantile of ``1 - THRESHOLDS["sequence_p"] / stations`` (Bonferroni over
  the stations). It needs at least ``MIN_SEQUENCE_RUNS`` replications. The counts of every
  event type per station are reported beside it, with the twin's interval.

The verdict passes when every metric passes; the thresholds used are in the report.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pandas as pd

from dtwin.errors import ConfigError
from dtwin.event_schema import MES_END_EVENTS, station_machine_ids
from dtwin.sim import FactoryConfig, PlantState, mes_frame, simulation_from
from dtwin.twin.forecast import MAX_REPLICATIONS, quantiles
from dtwin.twin.sync import state_at

#: relative-error thresholds per metric, and the smallest p-value of the sequence test
THRESHOLDS = {
    "throughput": 0.05,
    "lead_time": 0.10,
    "utilisation": 0.10,
    "sequence_p": 0.01,
}
#: twin runs needed for the sequence test (each run's distance to the others is its yardstick)
MIN_SEQUENCE_RUNS = 3
#: the level of the prediction interval a metric passes in
PASS_LEVEL = 0.99

__all__ = [
    "PASS_LEVEL",
    "THRESHOLDS",
    "prediction_interval",
    "twin_log",
    "validate_twin",
    "window_metrics",
]


def _busy(frame: pd.DataFrame, t0: float, t1: float) -> pd.Series:
    """Per station, minutes of its operations inside ``(t0, t1]``."""
    rows = frame[frame["part"].notna() & frame["machine"].notna()]
    rows = rows[rows["event"].isin(("start", *MES_END_EVENTS))]
    rows = rows.assign(order=np.arange(len(rows)))
    rows = rows.sort_values(["part", "time_min", "order"], kind="stable")
    nxt = rows.groupby("part", sort=False)[["event", "time_min", "machine"]].shift(-1)
    start = (rows["event"] == "start").to_numpy()
    ends = (
        nxt["event"].isin(MES_END_EVENTS).to_numpy()
        & (nxt["machine"].astype(object) == rows["machine"].astype(object)).to_numpy()
    )
    end = np.where(ends, nxt["time_min"].to_numpy(dtype=float), np.inf)
    begin = rows["time_min"].to_numpy(dtype=float)
    inside = np.clip(end, t0, t1) - np.clip(begin, t0, t1)
    busy = pd.Series(np.where(start, inside, 0.0), index=rows.index)
    return busy.groupby(rows["station"].astype(object)).sum()


def window_metrics(
    frame: pd.DataFrame, t0: float, t1: float, machines: dict[str, int]
) -> dict[str, Any]:
    """What an MES log says about ``(t0, t1]``: throughput, mean lead time, utilisation and
    start gaps per station (``machines``: machines per station), event counts per station."""
    times = frame["time_min"].to_numpy(dtype=float)
    window = frame[(times > t0) & (times <= t1)]
    exits = window[window["event"] == "exit"]
    released = frame[frame["event"] == "release"].groupby("part")["time_min"].min()
    leads = exits["time_min"].to_numpy(dtype=float) - exits["part"].map(released).to_numpy(
        dtype=float
    )
    leads = leads[np.isfinite(leads)]
    busy = _busy(frame, t0, t1)
    span = t1 - t0
    utilisation = {s: float(busy.get(s, 0.0)) / (n * span) for s, n in machines.items()}
    starts = window[window["event"] == "start"]
    gaps = {
        s: np.diff(np.sort(starts.loc[starts["station"] == s, "time_min"].to_numpy(dtype=float)))
        for s in machines
    }
    counts = window.groupby([window["station"].astype(object), window["event"].astype(object)])
    return {
        "throughput": int(len(exits)),
        "lead_time": float(leads.mean()) if len(leads) else math.nan,
        "utilisation": utilisation,
        "gaps": gaps,
        "counts": {f"{s}/{e}": int(n) for (s, e), n in counts.size().items()},
    }


def twin_log(
    config: FactoryConfig, state: PlantState, until: float, seed: int, replication: int
) -> pd.DataFrame:
    """One warm-started run from ``state`` to ``until`` as an MES log, with the open parts'
    ``release`` rows and their running operations' ``start`` rows before the state's time."""
    sim = simulation_from(config, state, seed, replication)
    products = {k: p.product for k, p in enumerate(state.parts)}
    sim.subscribe_releases(lambda fact: products.__setitem__(fact.part, fact.product))
    sim.run_until(until)
    ids = {
        st.name: station_machine_ids(st.name, st.machines, st.machine_ids) for st in config.stations
    }
    owner = {mid: name for name, mids in ids.items() for mid in mids}
    prefix: list[tuple[float, str, str, str, str | None]] = []
    for p in state.parts:
        prefix.append((p.released, "release", p.part, p.product, None))
        if p.machine is not None:
            prefix.append((p.since, "start", p.part, p.product, p.machine))
    frame = mes_frame(sim.log or [], products, ids)
    frame["part"] = frame["part"].map(
        lambda v: v if pd.isna(v) else sim.part_name(int(v)), na_action="ignore"
    )
    route0 = {p.part: p.route[0] for p in state.parts}
    head = pd.DataFrame(
        {
            "time_min": [r[0] for r in prefix],
            "event": [r[1] for r in prefix],
            "part": [r[2] for r in prefix],
            "product": [r[3] for r in prefix],
            "station": [owner.get(r[4], route0[r[2]]) if r[4] else route0[r[2]] for r in prefix],
            "machine": [r[4] for r in prefix],
        }
    ).astype(frame.dtypes.to_dict())
    return pd.concat([head, frame], ignore_index=True)


def prediction_interval(values: list[float], level: float = PASS_LEVEL) -> list[float] | None:
    """The normal-theory ``level`` prediction interval of one more run (None below 2 runs)."""
    from scipy import stats

    arr = np.asarray(values, dtype=float)
    if arr.size < 2:
        return None
    t = float(stats.t.ppf(0.5 + level / 2, arr.size - 1))
    half = t * float(arr.std(ddof=1)) * math.sqrt(1.0 + 1.0 / arr.size)
    return [float(arr.mean()) - half, float(arr.mean()) + half]


def _compare(name: str, station: str | None, log: float, twin: list[float]) -> dict[str, Any]:
    finite = [v for v in twin if math.isfinite(v)]
    q = quantiles(finite)
    mean = q["mean"]
    known = math.isfinite(log)
    rel = None if mean is None or not log or not known else (mean - log) / log
    band = prediction_interval(finite)
    inside = band is not None and known and band[0] <= log <= band[1]
    threshold = THRESHOLDS[name]
    return {
        "metric": name,
        "station": station,
        "log": log if known else None,
        "twin": q,
        "rel_error": rel,
        "threshold": threshold,
        "pass_interval": band,
        "in_interval": bool(inside),
        "status": _status(inside, rel, threshold),
        "pass": bool(inside or (rel is not None and abs(rel) <= threshold)),
    }


def _status(inside: bool, rel: float | None, threshold: float) -> str:
    """``pass`` (within the threshold), ``fail`` (beyond it and outside the interval) or
    ``inconclusive`` (beyond it, but inside the interval: the window is too short to tell)."""
    if rel is not None and abs(rel) <= threshold:
        return "pass"
    return "inconclusive" if inside else "fail"


def _sequence(
    station: str, log_gaps: np.ndarray, twin_gaps: list[np.ndarray], tests: int
) -> dict[str, Any]:
    """The log's start gaps at ``station`` against the twin's, by a Monte-Carlo KS test."""
    from scipy import stats

    pooled = np.concatenate(twin_gaps) if twin_gaps else np.array([])
    z = float(stats.norm.ppf(1.0 - THRESHOLDS["sequence_p"] / max(tests, 1)))
    row: dict[str, Any] = {
        "metric": "sequence",
        "station": station,
        "measure": "KS distance of the times between successive starts (log vs the twin's "
        "runs pooled) against the twin runs' own distances to the others",
        "log": {"gaps": int(len(log_gaps)), "mean_gap": _mean(log_gaps)},
        "twin": {"gaps": int(len(pooled)), "mean_gap": _mean(pooled)},
    }
    usable = [g for g in twin_gaps if len(g) >= 2]
    if len(log_gaps) < 2 or len(usable) < MIN_SEQUENCE_RUNS:
        return {**row, "statistic": None, "threshold": None, "status": "no data", "pass": None}
    distance = float(stats.ks_2samp(log_gaps, pooled).statistic)
    own = [
        float(stats.ks_2samp(g, np.concatenate(usable[:k] + usable[k + 1 :])).statistic)
        for k, g in enumerate(usable)
    ]
    limit = float(np.mean(own) + z * np.std(own, ddof=1))
    ok = distance <= limit
    return {
        **row,
        "statistic": distance,
        "twin_distances": {"mean": float(np.mean(own)), "std": float(np.std(own, ddof=1))},
        "threshold": limit,
        "z": z,
        "status": "pass" if ok else "fail",
        "pass": ok,
    }


def _mean(values: np.ndarray) -> float | None:
    return float(np.mean(values)) if len(values) else None


def _check_window(t0: float, t1: float, replications: int, frame: pd.DataFrame) -> None:
    end = float(frame["time_min"].max()) if len(frame) else 0.0
    problems = []
    if not (math.isfinite(t0) and 0 <= t0 < end):
        problems.append(f"--from: {t0!r} must be a time in minutes within the log (0..{end:g})")
    if not (math.isfinite(t1) and t0 < t1 <= end):
        problems.append(f"--to: {t1!r} must be after --from ({t0:g}) and within the log ({end:g})")
    if not (isinstance(replications, int) and 1 <= replications <= MAX_REPLICATIONS):
        problems.append(f"--replications: {replications!r} must be in 1..{MAX_REPLICATIONS}")
    if problems:
        raise ConfigError("; ".join(problems))


def validate_twin(
    config: FactoryConfig,
    frame: pd.DataFrame,
    t0: float,
    t1: float,
    replications: int = 10,
    seed: int = 0,
) -> dict[str, Any]:
    """The twin against the log over ``(t0, t1]`` (JSON-ready; see the module's docstring)."""
    _check_window(t0, t1, replications, frame)
    machines = {st.name: st.machines for st in config.stations}
    state = state_at(frame, t0, config)
    real = window_metrics(frame, t0, t1, machines)
    runs = [
        window_metrics(twin_log(config, state, t1, seed, r), t0, t1, machines)
        for r in range(replications)
    ]
    metrics = [
        _compare("throughput", None, real["throughput"], [r["throughput"] for r in runs]),
        _compare("lead_time", None, real["lead_time"], [r["lead_time"] for r in runs]),
    ]
    for s in machines:
        metrics.append(
            _compare("utilisation", s, real["utilisation"][s], [r["utilisation"][s] for r in runs])
        )
    for s in machines:
        metrics.append(_sequence(s, real["gaps"][s], [r["gaps"][s] for r in runs], len(machines)))
    keys = sorted(set(real["counts"]).union(*(r["counts"] for r in runs)))
    counts = {
        k: {
            "log": real["counts"].get(k, 0),
            "twin": quantiles([r["counts"].get(k, 0) for r in runs]),
        }
        for k in keys
    }
    verdict = all(m["pass"] is not False for m in metrics)
    return {
        "from": float(t0),
        "to": float(t1),
        "replications": replications,
        "seed": seed,
        "units": {"time": "minutes of the log", "lead_time": "minutes", "utilisation": "share"},
        "thresholds": dict(THRESHOLDS),
        "pass_level": PASS_LEVEL,
        "rule": "a metric passes inside the twin's 99% prediction interval for one more run "
        "(pass_interval) or within its relative-error threshold; a station's sequence fails "
        "when its KS distance to the twin exceeds the twin runs' own distances by more than "
        "z std (z for sequence_p / stations); the verdict needs every metric",
        "state": {"open_parts": len(state.parts)},
        "metrics": metrics,
        "event_counts": counts,
        "inconclusive": [
            m["metric"] + (f" {m['station']}" if m["station"] else "")
            for m in metrics
            if m["status"] == "inconclusive"
        ],
        "passed": verdict,
        "verdict": "pass" if verdict else "fail",
    }
