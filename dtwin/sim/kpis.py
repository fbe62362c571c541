"""KPIs of a run: throughput, WIP, lead time, time shares per state, OEE and its losses, energy.

OEE follows the standard definitions (OEE Foundation / ISO 22400-2: availability = actual
production time / planned busy time):

- **planned time** = time on shift (``off_shift`` is not planned, hence no loss);
- **availability** = running time / planned time: every stop in planned time is an
  availability loss, whatever its cause;
- **performance** = ideal running time (operations x mean process time) / running time,
  capped at 1: only *speed* while running;
- **quality** = good / all parts (factory: shipped good parts over shipped + scrapped; station:
  1 - defects made / parts processed);
- **oee** = availability x performance x quality = ideal time of the good parts / planned time.

Until 2026-12 performance was ideal time / *uptime* (planned - down - maintenance), which booked
time starved or blocked as a speed loss: one more machine at a bottleneck then lowered
"performance" while lead time fell. Starving and blocking are now stops, and every loss is
reported on its own, as shares of planned time that add up with ``oee`` to exactly 1
(:data:`LOSS_COLUMNS`):

``loss_down`` (breakdowns), ``loss_setup_maintenance`` (preventive and requested services: the
model's planned stops), ``loss_blocked`` (finished part, next buffer full), ``loss_starved`` (no
part to work on; at a first station, none released yet — the model's ``idle``), ``loss_speed``
(running slower than the mean process time) and ``loss_scrap`` (time spent on parts that turned
out defective).

OEE is an *equipment* measure: with demand fixed, added capacity shows up as more starved time
and a lower OEE even though lead time falls; read it with the line's throughput and lead time.
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

#: the OEE loss categories, in the order of the production flow, as KPI and column names
LOSS_COLUMNS = (
    "loss_down",
    "loss_setup_maintenance",
    "loss_blocked",
    "loss_starved",
    "loss_speed",
    "loss_scrap",
)

#: what a chart or a table calls a KPI, with its unit
KPI_LABELS = {
    "throughput_per_hour": "throughput (parts/h)",
    "good_per_hour": "good parts (parts/h)",
    "departures_per_hour": "departures (parts/h)",
    "lead_time_mean_min": "mean lead time (min)",
    "lead_time_p95_min": "95th percentile lead time (min)",
    "time_in_system_mean_min": "mean time in system (min)",
    "wip_mean": "mean WIP (parts)",
    "wip_now": "WIP now (parts)",
    "utilization": "utilisation (share of time)",
    "availability": "availability (share of planned time)",
    "performance": "performance (ideal / running time)",
    "quality": "quality (good / all parts)",
    "oee": "OEE (share of planned time)",
    "scrap_rate": "scrap rate (share of parts)",
    "energy_kwh": "energy (kWh)",
    "energy_kwh_per_part": "energy per part (kWh)",
    "loss_down": "loss: down (share of planned time)",
    "loss_setup_maintenance": "loss: setup/maintenance (share of planned time)",
    "loss_blocked": "loss: blocked (share of planned time)",
    "loss_starved": "loss: starved (share of planned time)",
    "loss_speed": "loss: speed (share of planned time)",
    "loss_scrap": "loss: scrap (share of planned time)",
}


def kpi_label(name: str) -> str:
    """The label with unit of a KPI (``name`` itself when it has none)."""
    return KPI_LABELS.get(name, name)


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
            run = window * share["running"]
            energy = sum(share[s] * getattr(kw, s) for s in _POWERED) * window / 60.0
            rows.append(
                {
                    "station": st.name,
                    "machine": m.index,
                    **share,
                    "planned_min": planned,
                    "uptime_min": planned - window * (share["down"] + share["maintenance"]),
                    "run_min": run,
                    "ideal_min": m.ideal_min,
                    # ideal time of the work done, at most the time it took (performance <= 1)
                    "effective_min": min(m.ideal_min, run),
                    "ops": m.ops,
                    "health": m.health,
                    "energy_kwh": energy,
                }
            )
    return rows


def _oee_columns(df: pd.DataFrame, window: float, quality: pd.Series | float) -> None:
    """Add availability, performance, oee and the loss columns to a machine or station table.

    ``df`` holds planned_min, run_min, effective_min and the state shares of ``window`` (for
    a station: the sum over its machines, so shares x window x machines are its minutes).
    """
    planned = df["planned_min"]
    scale = window * df.get("machines", 1)  # minutes per unit of state share
    df["availability"] = _ratio(df["run_min"], planned)
    df["performance"] = _ratio(df["effective_min"], df["run_min"]).clip(upper=1.0)
    df["quality"] = quality
    productive = _ratio(df["effective_min"], planned)
    df["oee"] = productive * df["quality"]
    df["loss_down"] = _ratio(df["down"] * scale, planned)
    df["loss_setup_maintenance"] = _ratio(df["maintenance"] * scale, planned)
    df["loss_blocked"] = _ratio(df["blocked"] * scale, planned)
    df["loss_starved"] = _ratio((df["starved"] + df["idle"]) * scale, planned)
    df["loss_speed"] = _ratio(df["run_min"] - df["effective_min"], planned)
    df["loss_scrap"] = productive * (1.0 - df["quality"])


def machine_frame(sim: Simulation | PlantView) -> pd.DataFrame:
    """One row per machine: time shares per state, availability, performance, OEE losses.

    A machine has no quality of its own (defects are counted per station): its ``quality`` is
    1 and ``oee`` is availability x performance; the station table has the real figure.
    """
    view = _view(sim)
    df = pd.DataFrame(_machine_rows(view))
    df["utilization"] = df["running"]
    if len(df):
        _oee_columns(df, view.window, 1.0)
    return df


def station_frame(
    sim: Simulation | PlantView, machines: pd.DataFrame | None = None
) -> pd.DataFrame:
    """One row per station: shares (mean over its machines), OEE and its losses, counts."""
    view = _view(sim)
    mf = machine_frame(view) if machines is None else machines
    grouped = mf.groupby("station", sort=False)
    df = grouped[list(STATE_LABELS)].mean()
    minutes = ["planned_min", "uptime_min", "run_min", "ideal_min", "effective_min"]
    sums = grouped[[*minutes, "ops", "energy_kwh"]].sum()
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
    quality = 1.0 - _ratio(df["defects"], df["processed"])
    _oee_columns(df, view.window, quality)
    return df.drop(columns=[*minutes, "ops"])


def compute_kpis(
    sim: Simulation | PlantView, machines: pd.DataFrame | None = None
) -> dict[str, float]:
    """Factory KPIs over the measured window (after warm-up) up to the current time."""
    view = _view(sim)
    window = view.window
    hours = window / 60.0
    mf = pd.DataFrame(_machine_rows(view)) if machines is None else machines
    lead = np.asarray(view.lead_times, dtype=float)
    sojourn = np.asarray(view.sojourns, dtype=float)
    shipped = len(lead)
    good = shipped - view.defective_shipped
    out = shipped + view.scrapped
    energy = float(mf["energy_kwh"].sum())
    nan = float("nan")
    return {
        "time_min": float(view.now),
        "window_min": float(window),
        "released": float(view.released),
        "finished": float(shipped),
        "throughput_per_hour": shipped / hours if hours > 0 else 0.0,
        "good_per_hour": good / hours if hours > 0 else 0.0,
        "wip_mean": view.wip_area / window if window > 0 else float(view.wip),
        "wip_now": float(view.wip),
        "lead_time_mean_min": float(lead.mean()) if shipped else nan,
        "lead_time_p95_min": float(np.percentile(lead, 95)) if shipped else nan,
        "departures_per_hour": out / hours if hours > 0 else 0.0,
        "time_in_system_mean_min": float(sojourn.mean()) if len(sojourn) else nan,
        "scrap": float(view.scrapped),
        "scrap_rate": view.scrapped / out if out else 0.0,
        "defects_shipped": float(view.defective_shipped),
        "utilization": float(mf["running"].mean()) if len(mf) else 0.0,
        **_factory_oee(mf, window, good / out if out else 1.0),
        "energy_kwh": energy,
        "energy_kwh_per_part": energy / shipped if shipped else nan,
        "last_exit_min": float(view.last_exit),
    }


def _factory_oee(mf: pd.DataFrame, window: float, quality: float) -> dict[str, float]:
    """Availability, performance, quality, OEE and the losses over every machine's time."""
    planned = float(mf["planned_min"].sum()) if len(mf) else 0.0
    if planned <= 0:
        return {"availability": 0.0, "performance": 0.0, "quality": quality, "oee": 0.0} | {
            name: 0.0 for name in LOSS_COLUMNS
        }
    run = float(mf["run_min"].sum())
    effective = float(mf["effective_min"].sum())

    def share(*states: str) -> float:
        return float(sum(mf[s].sum() for s in states)) * window / planned

    productive = effective / planned
    return {
        "availability": run / planned,
        "performance": effective / run if run > 0 else 0.0,
        "quality": quality,
        "oee": productive * quality,
        "loss_down": share("down"),
        "loss_setup_maintenance": share("maintenance"),
        "loss_blocked": share("blocked"),
        "loss_starved": share("starved", "idle"),
        "loss_speed": (run - effective) / planned,
        "loss_scrap": productive * (1.0 - quality),
    }


def _ratio(num: pd.Series, den: pd.Series) -> pd.Series:
    return (num / den.where(den > 0)).fillna(0.0)
