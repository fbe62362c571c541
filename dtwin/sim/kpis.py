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

if TYPE_CHECKING:
    from dtwin.sim.engine import Simulation

SHARE_NAMES = ("running", "idle", "blocked", "starved", "down", "maintenance", "off_shift")
_ENERGY_STATES = ("running", "idle", "blocked", "starved", "down", "maintenance")


def _machine_rows(sim: Simulation) -> list[dict[str, Any]]:
    now = sim.env.now
    window = now - sim.t0
    rows = []
    for rt in sim.stations.values():
        kw = rt.cfg.energy
        for m in rt.machines:
            shares = m.shares(now, window)
            share = dict(zip(SHARE_NAMES, shares, strict=True))
            planned = window * (1.0 - share["off_shift"])
            uptime = planned - window * (share["down"] + share["maintenance"])
            energy = sum(share[s] * getattr(kw, s) for s in _ENERGY_STATES) * window / 60.0
            rows.append(
                {
                    "station": rt.name,
                    "machine": m.index,
                    **share,
                    "planned_min": planned,
                    "uptime_min": uptime,
                    "ideal_min": m.ideal,
                    "ops": m.ops,
                    "health": m.health,
                    "energy_kwh": energy,
                }
            )
    return rows


def machine_frame(sim: Simulation) -> pd.DataFrame:
    """One row per machine: time shares per state, availability, performance, health."""
    df = pd.DataFrame(_machine_rows(sim))
    df["utilization"] = df["running"]
    df["availability"] = _ratio(df["uptime_min"], df["planned_min"])
    df["performance"] = _ratio(df["ideal_min"], df["uptime_min"]).clip(upper=1.0)
    return df


def station_frame(sim: Simulation, machines: pd.DataFrame | None = None) -> pd.DataFrame:
    """One row per station: shares (mean over its machines), OEE parts, counts, energy."""
    mf = machine_frame(sim) if machines is None else machines
    grouped = mf.groupby("station", sort=False)
    df = grouped[list(SHARE_NAMES)].mean()
    sums = grouped[["planned_min", "uptime_min", "ideal_min", "ops", "energy_kwh"]].sum()
    df = df.join(sums).reset_index()
    order = {name: i for i, name in enumerate(sim.stations)}
    df = df.sort_values("station", key=lambda s: s.map(order)).reset_index(drop=True)
    df.insert(1, "kind", [sim.stations[s].cfg.kind for s in df["station"]])
    df.insert(2, "machines", [len(sim.stations[s].machines) for s in df["station"]])
    df["utilization"] = df["running"]
    df["processed"] = [sim.stations[s].processed for s in df["station"]]
    df["defects"] = [sim.stations[s].defects for s in df["station"]]
    df["scrapped"] = [sim.stations[s].scrapped for s in df["station"]]
    df["queue"] = [len(sim.stations[s].buffer) for s in df["station"]]
    df["availability"] = _ratio(df["uptime_min"], df["planned_min"])
    df["performance"] = _ratio(df["ideal_min"], df["uptime_min"]).clip(upper=1.0)
    df["quality"] = 1.0 - _ratio(df["defects"], df["processed"])
    df["oee"] = df["availability"] * df["performance"] * df["quality"]
    return df.drop(columns=["planned_min", "uptime_min", "ideal_min", "ops"])


def compute_kpis(sim: Simulation, machines: pd.DataFrame | None = None) -> dict[str, float]:
    """Factory KPIs over the measured window (after warm-up) up to the current time."""
    now = sim.env.now
    window = now - sim.t0
    hours = window / 60.0
    mf = pd.DataFrame(_machine_rows(sim)) if machines is None else machines
    lead = np.asarray(sim.lead_times, dtype=float)
    sojourn = np.asarray(sim.sojourns, dtype=float)
    shipped = len(lead)
    good = shipped - sim.defective_shipped
    out = shipped + sim.scrapped
    wip_area = sim.wip_area + sim.wip * (now - sim.wip_last)
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
        "released": float(sim.released),
        "finished": float(shipped),
        "throughput_per_hour": shipped / hours if hours > 0 else 0.0,
        "good_per_hour": good / hours if hours > 0 else 0.0,
        "wip_mean": wip_area / window if window > 0 else float(sim.wip),
        "wip_now": float(sim.wip),
        "lead_time_mean_min": float(lead.mean()) if shipped else nan,
        "lead_time_p95_min": float(np.percentile(lead, 95)) if shipped else nan,
        "departures_per_hour": out / hours if hours > 0 else 0.0,
        "time_in_system_mean_min": float(sojourn.mean()) if len(sojourn) else nan,
        "scrap": float(sim.scrapped),
        "scrap_rate": sim.scrapped / out if out else 0.0,
        "defects_shipped": float(sim.defective_shipped),
        "utilization": float(mf["running"].mean()) if len(mf) else 0.0,
        "availability": availability,
        "performance": performance,
        "quality": quality,
        "oee": availability * performance * quality,
        "energy_kwh": energy,
        "energy_kwh_per_part": energy / shipped if shipped else nan,
        "last_exit_min": float(sim.last_exit),
    }


def _ratio(num: pd.Series, den: pd.Series) -> pd.Series:
    return (num / den.where(den > 0)).fillna(0.0)
