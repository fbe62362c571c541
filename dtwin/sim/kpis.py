"""KPIs of a run: throughput, WIP, lead time, time shares per state, OEE, scrap, energy.

OEE per machine is availability x performance x quality with
availability = (planned - down - maintenance) / planned (planned = outside shifts excluded),
performance = ideal busy time (ops x mean process time) / operating time, capped at 1, and
quality = 1 - defects made / parts processed. The factory figures aggregate over machines
(time-weighted) and use the shipped good parts for quality, so that ``oee`` is exactly
``availability * performance * quality``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from dtwin.sim.states import POWERED_STATES, STATE_LABELS
from dtwin.sim.view import PlantView

if TYPE_CHECKING:
    from dtwin.sim.engine import Simulation

_POWERED = tuple(s.label for s in POWERED_STATES)


def _view(source: Simulation | PlantView) -> PlantView:
    """The read-only view of ``source`` (a Simulation, or a view already taken)."""
    return source if isinstance(source, PlantView) else source.view()


def _machine_rows(view: PlantView) -> list[dict[str, Any]]:
    window = view.window
    rows = []
    for st in view.stations:
        kw = st.energy
        for m in st.machines:
            share = dict(zip(STATE_LABELS, m.shares, strict=True))
            planned = window * (1.0 - share["off_shift"])
            uptime = planned - window * (share["down"] + share["maintenance"])
            energy = sum(share[s] * getattr(kw, s) for s in _POWERED) * window / 60.0
            rows.append(
                {
                    "station": st.name,
                    "machine": m.index,
                    **share,
                    "planned_min": planned,
                    "uptime_min": uptime,
                    "ideal_min": m.ideal_min,
                    "ops": m.ops,
                    "health": m.health,
                    "energy_kwh": energy,
                }
            )
    return rows


def machine_frame(sim: Simulation | PlantView) -> pd.DataFrame:
    """One row per machine: time shares per state, availability, performance, health."""
    df = pd.DataFrame(_machine_rows(_view(sim)))
    df["utilization"] = df["running"]
    df["availability"] = _ratio(df["uptime_min"], df["planned_min"])
    df["performance"] = _ratio(df["ideal_min"], df["uptime_min"]).clip(upper=1.0)
    return df


def station_frame(
    sim: Simulation | PlantView, machines: pd.DataFrame | None = None
) -> pd.DataFrame:
    """One row per station: shares (mean over its machines), OEE parts, counts, energy."""
    view = _view(sim)
    mf = machine_frame(view) if machines is None else machines
    grouped = mf.groupby("station", sort=False)
    df = grouped[list(STATE_LABELS)].mean()
    sums = grouped[["planned_min", "uptime_min", "ideal_min", "ops", "energy_kwh"]].sum()
    df = df.join(sums).reset_index()
    stations = {st.name: st for st in view.stations}
    order = {name: i for i, name in enumerate(stations)}
    df = df.sort_values("station", key=lambda s: s.map(order)).reset_index(drop=True)
    rows = [stations[s] for s in df["station"]]
    df.insert(1, "kind", [st.kind for st in rows])
    df.insert(2, "machines", [len(st.machines) for st in rows])
    df["utilization"] = df["running"]
    df["processed"] = [st.processed for st in rows]
    df["defects"] = [st.defects for st in rows]
    df["scrapped"] = [st.scrapped for st in rows]
    df["queue"] = [st.queue for st in rows]
    df["availability"] = _ratio(df["uptime_min"], df["planned_min"])
    df["performance"] = _ratio(df["ideal_min"], df["uptime_min"]).clip(upper=1.0)
    df["quality"] = 1.0 - _ratio(df["defects"], df["processed"])
    df["oee"] = df["availability"] * df["performance"] * df["quality"]
    return df.drop(columns=["planned_min", "uptime_min", "ideal_min", "ops"])


def compute_kpis(
    sim: Simulation | PlantView, machines: pd.DataFrame | None = None
) -> dict[str, float]:
    """Factory KPIs over the measured window (after warm-up) up to the current time."""
    view = _view(sim)
    now = view.now
    window = view.window
    hours = window / 60.0
    mf = pd.DataFrame(_machine_rows(view)) if machines is None else machines
    lead = np.asarray(view.lead_times, dtype=float)
    sojourn = np.asarray(view.sojourns, dtype=float)
    shipped = len(lead)
    good = shipped - view.defective_shipped
    out = shipped + view.scrapped
    wip_area = view.wip_area
    planned = float(mf["planned_min"].sum())
    uptime = float(mf["uptime_min"].sum())
    availability = uptime / planned if planned > 0 else 0.0
    performance = min(1.0, float(mf["ideal_min"].sum()) / uptime) if uptime > 0 else 0.0
    quality = good / out if out else 1.0
    energy = float(mf["energy_kwh"].sum())
    nan = float("nan")
    return {
        "time_min": float(now),
        "window_min": float(window),
        "released": float(view.released),
        "finished": float(shipped),
        "throughput_per_hour": shipped / hours if hours > 0 else 0.0,
        "good_per_hour": good / hours if hours > 0 else 0.0,
        "wip_mean": wip_area / window if window > 0 else float(view.wip),
        "wip_now": float(view.wip),
        "lead_time_mean_min": float(lead.mean()) if shipped else nan,
        "lead_time_p95_min": float(np.percentile(lead, 95)) if shipped else nan,
        "departures_per_hour": out / hours if hours > 0 else 0.0,
        "time_in_system_mean_min": float(sojourn.mean()) if len(sojourn) else nan,
        "scrap": float(view.scrapped),
        "scrap_rate": view.scrapped / out if out else 0.0,
        "defects_shipped": float(view.defective_shipped),
        "utilization": float(mf["running"].mean()) if len(mf) else 0.0,
        "availability": availability,
        "performance": performance,
        "quality": quality,
        "oee": availability * performance * quality,
        "energy_kwh": energy,
        "energy_kwh_per_part": energy / shipped if shipped else nan,
        "last_exit_min": float(view.last_exit),
    }


def _ratio(num: pd.Series, den: pd.Series) -> pd.Series:
    return (num / den.where(den > 0)).fillna(0.0)
