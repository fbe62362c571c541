"""Plain result types of the simulation (what widgets, notebooks and the CLI consume)."""

from __future__ import annotations

from dataclasses import dataclass, field

import pandas as pd

from dtwin.event_schema import SIM_EVENT_COLUMNS, sim_event_frame

EVENT_COLUMNS = SIM_EVENT_COLUMNS  # the schema lives in dtwin.event_schema


@dataclass(frozen=True)
class MachineSnapshot:
    """State of one machine at a point in time.

    ``state`` is one of running, idle, blocked, starved, down, maintenance.
    """

    station: str
    machine: int
    state: str
    health: float


@dataclass(frozen=True)
class Snapshot:
    """Everything the 3D view needs at time ``time`` (minutes)."""

    time: float
    machines: list[MachineSnapshot]
    queues: dict[str, int]
    kpis: dict[str, float]


@dataclass
class SimResult:
    """Outcome of one run: factory KPIs, per-station and per-machine tables, the event log.

    KPIs and tables cover the measured window (after warm-up); the event log covers the
    whole run, warm-up included (filter on ``time`` to drop it). Machine ``-1`` in the log
    marks events that belong to no machine (releases).
    """

    kpis: dict[str, float]
    stations: pd.DataFrame
    machines: pd.DataFrame
    events: pd.DataFrame
    lead_times: list[float] = field(repr=False)
    seed: int = 0
    replication: int = 0
    days: float = 0.0
    warmup_days: float = 0.0

    def __repr__(self) -> str:
        shown = ", ".join(
            f"{k}={self.kpis[k]:.4g}" for k in ("throughput_per_hour", "wip_mean", "oee")
        )
        return f"SimResult(days={self.days}, seed={self.seed}, {shown})"


@dataclass(frozen=True)
class StationLayout:
    """Where a station stands on the floor (metres) and what it is."""

    name: str
    x: float
    y: float
    machines: int
    kind: str
    z: float = 0.0
    line: str | None = None


@dataclass(frozen=True)
class Layout:
    """Floor plan: stations and the conveyors between them (pairs of station names)."""

    stations: list[StationLayout]
    conveyors: list[tuple[str, str]]


def events_frame(log: list[tuple[float, int, str, int, str]] | None) -> pd.DataFrame:
    """The event log as a DataFrame with columns time, entity, station, machine, event."""
    return sim_event_frame(log)
