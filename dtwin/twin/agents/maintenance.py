"""The maintenance agent: sends a machine to maintenance when its health estimate is low.

A machine is handed to the agent when its station's maintenance policy (or the factory's
default) is ``health_threshold``: the agent asks the plant to maintain it once the twin's
*estimate* of its health falls below that ``threshold``, after at least ``min_observations``
verdicts since its last service (so that one unlucky part does not stop a machine). The plant
(:meth:`dtwin.sim.Simulation.request_maintenance`) waits for a technician of the factory's
pool and lets a running machine finish its part first; a request for a machine that already
has one pending, or is in maintenance, is refused there and counted here.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from dtwin.twin import events as ev
from dtwin.twin.agents.health import HealthAgent
from dtwin.twin.bus import EventBus
from dtwin.twin.ids import MachineIds
from dtwin.twin.state import FactoryState

NAME = "maintenance_agent"

#: ``command(station, slot, reason)`` -> True when the plant took the request
Command = Callable[[str, int, str], bool]


@dataclass(frozen=True)
class Decision:
    """One request the agent sent: when, which machine, on what estimate, and the answer."""

    time: float
    machine: str
    health_mean: float
    health_std: float
    threshold: float
    accepted: bool


def health_thresholds(config: Any, ids: MachineIds) -> dict[str, float]:
    """Machine id -> the health threshold of its ``health_threshold`` maintenance policy."""
    out: dict[str, float] = {}
    default = config.maintenance
    for st in config.stations:
        policy = st.maintenance if st.maintenance is not None else default
        if policy.policy == "health_threshold" and policy.threshold is not None:
            for m in ids.machines_of(st.name):
                out[m] = float(policy.threshold)
    return out


class MaintenanceAgent:
    """Requests maintenance through ``command`` when a health estimate crosses its threshold."""

    def __init__(
        self,
        bus: EventBus,
        state: FactoryState,
        ids: MachineIds,
        health: HealthAgent,
        thresholds: dict[str, float],
        command: Command,
        min_observations: int = 30,
    ) -> None:
        self.state, self.ids, self.health = state, ids, health
        self.thresholds = dict(thresholds)
        self.command = command
        self.min_observations = int(min_observations)
        self.decisions: list[Decision] = []
        bus.subscribe(self.on_estimate, ev.HealthEstimateChanged, name=NAME)

    def on_estimate(self, event: ev.HealthEstimateChanged) -> None:
        threshold = self.thresholds.get(event.machine)
        if threshold is None or event.mean >= threshold:
            return
        if self.health.observations(event.machine) < self.min_observations:
            return
        record = self.state.machine(event.machine)
        if record.maintenance_pending or record.status == "maintenance":
            return
        station, slot = self.ids.slot_of(event.machine)
        reason = f"health estimate {event.mean:.2f} ± {event.std:.2f} < threshold {threshold:g}"
        accepted = bool(self.command(station, slot, reason))
        self.decisions.append(
            Decision(event.time, event.machine, event.mean, event.std, threshold, accepted)
        )
