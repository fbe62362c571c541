"""A read-only view of a running simulation: what snapshots and KPIs read, nothing more.

:meth:`dtwin.sim.Simulation.view` builds one at the current time. The view copies the few
figures it holds, so later steps of the simulation never change a view already taken.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from dtwin.sim.states import MachineState


@dataclass(frozen=True)
class MachineView:
    """One machine: its state, health, work done and time share per state so far."""

    station: str
    index: int
    state: MachineState
    health: float
    ops: int
    ideal_min: float  # ops x mean process time (the busy time at ideal speed)
    shares: tuple[float, ...]  # fraction of the measured window per MachineState


@dataclass(frozen=True)
class StationView:
    """One station: its config figures, its machines and its counters."""

    name: str
    kind: str
    energy: Any  # the station's Energy config (kW per powered state)
    machines: tuple[MachineView, ...]
    processed: int
    defects: int
    scrapped: int
    queue: int


@dataclass(frozen=True)
class PlantView:
    """The whole factory at time ``now`` (minutes); statistics start at ``t0`` (warm-up)."""

    now: float
    t0: float
    stations: tuple[StationView, ...]
    released: int
    wip: int
    wip_area: float  # integral of WIP over [t0, now] (part-minutes)
    lead_times: tuple[float, ...]  # shipped parts
    sojourns: tuple[float, ...]  # every part that left (shipped or scrapped)
    scrapped: int
    defective_shipped: int
    last_exit: float

    @property
    def window(self) -> float:
        """Minutes measured so far (after the warm-up)."""
        return self.now - self.t0

    def station(self, name: str) -> StationView:
        """The station called ``name`` (KeyError when there is none)."""
        for st in self.stations:
            if st.name == name:
                return st
        raise KeyError(name)
