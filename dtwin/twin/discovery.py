"""Discovery: what a plant's MES event log says about its stations, products and machines.

From the log alone (``dtwin.twin.meslog``; events with ``time_min <= until``):

- **stations** in routing order, **machines** per station (the distinct machine ids seen
  there), each product's **routing** (the most common sequence of started stations among its
  parts that left good; its share is reported);
- the **release process** per product: the mean time between its releases (with a 95% CI);
- **process times** per station: each operation's ``start`` to its
  ``finish``/``exit``/``scrap`` at the same machine, less the machine's downtime inside it
  (``failure`` -> ``repaired`` and ``maintenance_start`` -> ``maintenance_end``), fitted by
  :func:`dtwin.twin.fitting.fit_distribution`; pooled over products, except a product whose
  times there clearly differ (:func:`products_apart`), which gets its own fit
  (``process_time_by_product``; ``process_times`` of the product in the factory);
- **failures** per station (pooled over its machines): MTBF in operating time, i.e. the busy
  time (net process time, operations still running at the horizon included) over the number
  of failures, the renewal estimate of the mean time to failure whatever its distribution,
  with an exponential 95% interval; MTTR is the mean ``failure`` -> ``repaired`` time (a
  technician's wait included), with the repair's fitted distribution (an exponential below
  10 repairs);
- **services** per station (:func:`services`): how often its machines were maintained
  (the mean time from a service's end to the next one's start) and how long a service took;
- **scrap** per station: scrap events over operations ended there; a station with scrap is
  an inspection station.

:mod:`dtwin.twin.calibration` turns a :class:`Discovery` into a factory config.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from dtwin.errors import DataError
from dtwin.event_schema import MES_END_EVENTS
from dtwin.twin.fitting import fit_distribution, mean_ci

#: below this many repairs, the repair time is written as an exponential with their mean
MIN_REPAIRS_TO_FIT = 10

__all__ = [
    "Discovery",
    "discover",
    "routings",
    "arrivals",
    "machines",
    "station_order",
    "downtime",
    "operations",
    "failures",
    "scrap",
]


@dataclass(frozen=True)
class Discovery:
    """What the log says about the plant (plain JSON-ready parts of the report)."""

    stations: dict[str, dict[str, Any]]  # in order of appearance along the routings
    products: dict[str, dict[str, Any]]  # in order of first appearance
    horizon: float  # minutes: ``until``, or the last event's time
    events: int
    parts: int


# -- the log's structure -------------------------------------------------------------------


def _natural(text: str) -> list[Any]:
    return [int(t) if t.isdigit() else t for t in re.split(r"(\d+)", text)]


def _part_rows(log: pd.DataFrame) -> pd.DataFrame:
    """Part events with their file order, sorted by part and time (ties in file order)."""
    rows = log[log["part"].notna()].assign(order=np.flatnonzero(log["part"].notna()))
    return rows.sort_values(["part", "time_min", "order"], kind="stable")


def routings(log: pd.DataFrame) -> dict[str, dict[str, Any]]:
    """Per product: the most common station sequence of its parts that left good."""
    rows = _part_rows(log)
    product = rows.groupby("part", sort=False)["product"].first()
    started = rows[rows["event"] == "start"].groupby("part", sort=False)["station"]
    starts = {part: tuple(seq) for part, seq in started}
    exited = set(rows.loc[rows["event"] == "exit", "part"])
    out: dict[str, dict[str, Any]] = {}
    for name in log["product"].dropna().unique():
        parts = product.index[product == name]
        seqs = [starts[p] for p in parts if p in exited and p in starts]
        complete = bool(seqs)
        if not seqs:  # no part left good yet: the longest sequence seen stands in
            seqs = [starts[p] for p in parts if p in starts]
        if not seqs:
            continue
        if not complete:
            longest = max(map(len, seqs))
            seqs = [s for s in seqs if len(s) == longest]
        routing, count = Counter(seqs).most_common(1)[0]
        out[str(name)] = {
            "routing": list(routing),
            "routing_share": count / len(seqs),
            "routing_parts": len(seqs),
            "routing_complete": complete,
        }
    return out


def arrivals(log: pd.DataFrame) -> dict[str, dict[str, Any]]:
    """Per product: releases and the mean time between them (with its 95% CI)."""
    rel = log[log["event"] == "release"]
    out = {}
    for name, times in rel.groupby("product", sort=False)["time_min"]:
        gaps = np.diff(np.sort(times.to_numpy()))
        mean, ci = mean_ci(gaps) if len(gaps) else (None, None)
        out[str(name)] = {"releases": int(len(times)), "arrival_mean_min": mean, "arrival_ci95": ci}
    return out


def machines(log: pd.DataFrame) -> dict[str, list[str]]:
    """Per station (in order of first appearance): its distinct machine ids, sorted."""
    rows = log[log["machine"].notna()]
    out = {}
    for station, ids in rows.groupby("station", sort=False)["machine"]:
        out[str(station)] = sorted(map(str, ids.unique()), key=_natural)
    return out


def station_order(routes: dict[str, dict[str, Any]], log: pd.DataFrame) -> list[str]:
    """Stations in routing order, then the log's other stations by first appearance.

    A station comes before every station that follows it on some routing; ties (and the
    cycles of re-entrant routings) go by first appearance along the routings.
    """
    first = list(dict.fromkeys(s for info in routes.values() for s in info["routing"]))
    before: dict[str, set[str]] = {s: set() for s in first}
    for info in routes.values():
        steps = info["routing"]
        for a, b in zip(steps, steps[1:], strict=False):
            if a != b:
                before[b].add(a)
    order: list[str] = []
    while len(order) < len(first):
        left = [s for s in first if s not in order]
        ready = [s for s in left if before[s] <= set(order)]
        order.append((ready or left)[0])
    return order + [str(s) for s in log["station"].dropna().unique() if s not in order]


# -- operations, downtime and busy time ----------------------------------------------------


def _pairs(rows: pd.DataFrame, key: list[str], opens: str, closes: tuple[str, ...]) -> pd.DataFrame:
    """Each ``opens`` row with the next row of its ``key`` group when that one ``closes`` it.

    Columns ``key``, ``begin``, ``end`` (NaN: still open at the end of the log), ``closed``.
    """
    nxt = rows.groupby(key, sort=False)[["event", "time_min"]].shift(-1)
    first = rows["event"] == opens
    closed = first & nxt["event"].isin(closes).to_numpy()
    still_open = first & nxt["event"].isna().to_numpy()
    keep = closed | still_open
    out = rows.loc[keep, key].copy()
    out["begin"] = rows.loc[keep, "time_min"].to_numpy()
    out["end"] = nxt.loc[keep, "time_min"].to_numpy(dtype=float)
    out["closed"] = closed[keep].to_numpy()
    return out


def downtime(log: pd.DataFrame, horizon: float) -> pd.DataFrame:
    """Every machine's down intervals (failure -> repaired, maintenance), open ones to ``horizon``.

    Columns ``machine``, ``station``, ``kind`` (``failure``/``maintenance``), ``begin``,
    ``end``, ``closed``.
    """
    rows = log[log["part"].isna() & log["machine"].notna()]
    rows = rows.assign(order=np.arange(len(rows)))
    rows = rows.sort_values(["machine", "time_min", "order"], kind="stable")
    out = []
    for kind, opens, closes in (
        ("failure", "failure", "repaired"),
        ("maintenance", "maintenance_start", "maintenance_end"),
    ):
        sub = rows[rows["event"].isin((opens, closes))]
        pairs = _pairs(sub, ["machine", "station"], opens, (closes,))
        out.append(pairs.assign(kind=kind))
    frame = pd.concat(out, ignore_index=True)
    frame["end"] = frame["end"].fillna(horizon)
    return frame


def _covered(begin: np.ndarray, end: np.ndarray, t: np.ndarray) -> np.ndarray:
    """Time in ``[0, t]`` covered by the intervals ``[begin, end]`` (merged first)."""
    if len(begin) == 0:
        return np.zeros(len(t))
    order = np.argsort(begin, kind="stable")
    lo, hi = [], []
    for b, e in zip(begin[order], end[order], strict=True):
        if lo and b <= hi[-1]:
            hi[-1] = max(hi[-1], e)
        else:
            lo.append(b)
            hi.append(e)
    a, width = np.asarray(lo), np.asarray(hi) - np.asarray(lo)
    before = np.concatenate([[0.0], np.cumsum(width)])
    k = np.searchsorted(a, t, side="right") - 1
    inside = np.clip(t - a[np.maximum(k, 0)], 0.0, width[np.maximum(k, 0)])
    return np.where(k >= 0, before[np.maximum(k, 0)] + inside, 0.0)


def operations(log: pd.DataFrame, down: pd.DataFrame, horizon: float) -> pd.DataFrame:
    """Every operation (start -> its end at the same machine) with its net process time.

    Columns ``part``, ``machine``, ``station``, ``begin``, ``end`` (``horizon`` when still
    running), ``closed`` and ``net``: the duration less the machine's downtime inside it.
    """
    rows = _part_rows(log)
    rows = rows[rows["machine"].notna()].sort_values(
        ["part", "machine", "time_min", "order"], kind="stable"
    )
    ops = _pairs(rows, ["part", "machine", "station"], "start", MES_END_EVENTS)
    ops["end"] = ops["end"].fillna(horizon)
    ops["net"] = ops["end"] - ops["begin"]
    for machine, idx in ops.groupby("machine", sort=False).groups.items():
        mine = down[down["machine"] == machine]
        if mine.empty:
            continue
        b, e = mine["begin"].to_numpy(), mine["end"].to_numpy()
        lost = _covered(b, e, ops.loc[idx, "end"].to_numpy()) - _covered(
            b, e, ops.loc[idx, "begin"].to_numpy()
        )
        ops.loc[idx, "net"] = np.maximum(ops.loc[idx, "net"].to_numpy() - lost, 0.0)
    return ops


# -- what the stations do ------------------------------------------------------------------

#: a product gets its own process time at a station when its operations there differ from
#: the other products' by the two-sample KS test at this p-value and by this share of the mean
PRODUCT_SPLIT_P = 1e-3
PRODUCT_SPLIT_SHIFT = 0.05
PRODUCT_SPLIT_MIN_OPS = 30


def _products_of(log: pd.DataFrame) -> dict[Any, Any]:
    """part -> product, from the log's part rows (the first product named)."""
    rows = log[log["part"].notna() & log["product"].notna()]
    return rows.drop_duplicates("part").set_index("part")["product"].to_dict()


def products_apart(closed: pd.DataFrame) -> list[str]:
    """The products whose net process times at a station differ from the station's own.

    The product with the most operations there is the reference (the station's time). Another
    product with at least ``PRODUCT_SPLIT_MIN_OPS`` operations gets its own time when its times
    differ from the reference's by the two-sample KS test (p below ``PRODUCT_SPLIT_P``) *and*
    its mean by more than ``PRODUCT_SPLIT_SHIFT`` of the reference's: a product-specific time
    (``process_times`` of the product in the factory), not noise a pooled fit absorbs.
    """
    from scipy.stats import ks_2samp

    counts = closed["product"].value_counts()
    if len(counts) < 2 or counts.iloc[0] < PRODUCT_SPLIT_MIN_OPS:
        return []
    ref = closed.loc[closed["product"] == counts.index[0], "net"].to_numpy()
    apart = []
    for product, n in counts.iloc[1:].items():
        if n < PRODUCT_SPLIT_MIN_OPS:
            continue
        mine = closed.loc[closed["product"] == product, "net"].to_numpy()
        shift = abs(mine.mean() - ref.mean()) / max(ref.mean(), 1e-9)
        if shift > PRODUCT_SPLIT_SHIFT and ks_2samp(mine, ref).pvalue < PRODUCT_SPLIT_P:
            apart.append(str(product))
    return sorted(apart)


def failures(down: pd.DataFrame, ops: pd.DataFrame, station: str) -> dict[str, Any] | None:
    """MTBF in operating time and MTTR of ``station``'s machines (None without failures)."""
    from scipy import stats

    fails = down[(down["station"] == station) & (down["kind"] == "failure")]
    if fails.empty:
        return None
    count = len(fails)
    operating = float(ops.loc[ops["station"] == station, "net"].sum())
    repairs = (fails.loc[fails["closed"], "end"] - fails.loc[fails["closed"], "begin"]).to_numpy()
    out: dict[str, Any] = {
        "failures": count,
        "per_machine": {str(k): int(v) for k, v in fails["machine"].value_counts().items()},
        "operating_min": operating,
        "mtbf_min": operating / count,
        # exponential (time-truncated) 95% interval of the MTBF
        "mtbf_ci95": [
            float(2 * operating / stats.chi2.ppf(0.975, 2 * count + 2)),
            float(2 * operating / stats.chi2.ppf(0.025, 2 * count)),
        ],
    }
    if len(repairs):
        if len(repairs) >= MIN_REPAIRS_TO_FIT:
            repair = fit_distribution(repairs)
        else:
            mean, ci = mean_ci(repairs)
            exp = {"dist": "exponential", "mean": mean}
            repair = {
                "n": len(repairs),
                "mean": mean,
                "ci95": ci,
                "distribution": exp,
                "chosen": "exponential (too few repairs to fit)",
            }
        out.update(mttr_min=repair["mean"], repair=repair)
    return out


#: services needed before a station gets a fitted (periodic) maintenance policy
MIN_SERVICES_TO_FIT = 3


def services(down: pd.DataFrame, station: str) -> dict[str, Any] | None:
    """The preventive services of ``station``'s machines: how often and how long (None when
    fewer than ``MIN_SERVICES_TO_FIT`` ended, or no machine was serviced twice).

    ``interval_min`` is the mean calendar time from the end of a machine's service to the
    start of its next one (what a ``periodic`` policy's ``interval`` means); ``duration`` the
    fitted length of a service.
    """
    mine = down[(down["station"] == station) & (down["kind"] == "maintenance") & down["closed"]]
    if len(mine) < MIN_SERVICES_TO_FIT:
        return None
    gaps = []
    for _, one in mine.sort_values("begin").groupby("machine", sort=False):
        gaps += (one["begin"].to_numpy()[1:] - one["end"].to_numpy()[:-1]).tolist()
    if not gaps:
        return None
    interval, interval_ci = mean_ci(np.asarray(gaps, dtype=float))
    durations = (mine["end"] - mine["begin"]).to_numpy(dtype=float)
    return {
        "services": int(len(mine)),
        "interval_min": interval,
        "interval_ci95": interval_ci,
        "duration": fit_distribution(durations),
    }


def scrap(log: pd.DataFrame) -> dict[str, dict[str, Any]]:
    """Per station: scrap events, operations ended there, and their ratio."""
    ended = log[log["event"].isin(MES_END_EVENTS)]
    out = {}
    for station, events in ended.groupby("station", sort=False)["event"]:
        count = int((events == "scrap").sum())
        out[str(station)] = {
            "scrapped": count,
            "ended": int(len(events)),
            "rate": count / len(events),
        }
    return out


def discover(log: pd.DataFrame, until: float | None = None) -> Discovery:
    """Everything the log (up to ``until``) says about the plant; see the module's docstring."""
    if until is not None:
        log = log[log["time_min"] <= until]
    if log.empty:
        raise DataError(f"no events{f' with time_min <= {until:g}' if until is not None else ''}")
    horizon = float(until if until is not None else log["time_min"].max())
    routes = routings(log)
    arrive = arrivals(log)
    products = {
        p: {**routes.get(p, {"routing": None}), **arrive.get(p, {})}
        for p in dict.fromkeys([*routes, *arrive])
    }
    ids = machines(log)
    down = downtime(log, horizon)
    ops = operations(log, down, horizon)
    scraps = scrap(log)
    ops["product"] = ops["part"].map(_products_of(log))
    stations = {}
    for name in station_order(routes, log):
        closed = ops[(ops["station"] == name) & ops["closed"]]
        info: dict[str, Any] = {
            "machines": len(ids.get(name, [])),
            "machine_ids": ids.get(name, []),
        }
        own = products_apart(closed)
        rest = closed.loc[~closed["product"].isin(own), "net"].to_numpy()
        net = rest if len(rest) else closed["net"].to_numpy()
        info["process_time"] = fit_distribution(net) if len(net) else None
        if own and len(rest):
            info["process_time_by_product"] = {
                p: fit_distribution(closed.loc[closed["product"] == p, "net"].to_numpy())
                for p in own
            }
        fail = failures(down, ops, name)
        if fail is not None:
            info["failure"] = fail
        service = services(down, name)
        if service is not None:
            info["maintenance"] = service
        info["scrap"] = scraps.get(name, {"scrapped": 0, "ended": 0, "rate": 0.0})
        info["kind"] = "inspection" if info["scrap"]["scrapped"] else "process"
        stations[name] = info
    parts = int(log["part"].nunique())
    return Discovery(stations, products, horizon, len(log), parts)
