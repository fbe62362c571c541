"""Fixtures for the twin: a small id mapping, one event of every type, a demo run."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pytest

from dtwin.twin import events as ev
from dtwin.twin.ids import MachineIds


@pytest.fixture
def ids() -> MachineIds:
    """Two stations: ``a`` with two machines, ``b`` with one."""
    return MachineIds((("a", ("a-1", "a-2")), ("b", ("b-1",))))


def one_of_each(t: float = 1.0) -> list[ev.TwinEvent]:
    """One event of every registered type (fields filled with plausible values)."""
    s = "test"
    return [
        ev.PartReleased(time=t, source=s, part=7, station="a", product="p", route=("a", "b")),
        ev.PartStarted(time=t, source=s, part=7, machine="a-1"),
        ev.PartFinished(time=t, source=s, part=7, machine="a-1"),
        ev.PartInspected(time=t, source=s, part=7, machine="b-1", image="pool/3",
                         model_class="scratch", probability=0.875),
        ev.PartScrapped(time=t, source=s, part=7, machine="b-1"),
        ev.PartExited(time=t, source=s, part=8, machine="b-1"),
        ev.MachineStateChanged(time=t, source=s, machine="a-2", status="blocked"),
        ev.MachineDown(time=t, source=s, machine="a-2"),
        ev.MachineRepaired(time=t, source=s, machine="a-2"),
        ev.HealthEstimateChanged(time=t, source=s, machine="a-1", mean=0.8, std=0.05,
                                 method="ewma"),
        ev.MaintenanceRequested(time=t, source=s, machine="a-1", reason="health < 0.6"),
        ev.MaintenanceStarted(time=t, source=s, machine="a-1"),
        ev.MaintenanceDone(time=t, source=s, machine="a-1"),
        ev.ScheduleChanged(time=t, source=s, schedule_id="plan-2", reason="breakdown"),
        ev.AlertRaised(time=t, source=s, rule="low_health", severity="warning",
                       message="a-1 below 0.6", machine="a-1"),
    ]  # fmt: skip


@dataclass
class DemoRun:
    """A demo-factory run with the twin attached."""

    sim: Any
    bus: Any
    state: Any
    log: Any


def run_demo(seed: int, minutes: float) -> DemoRun:
    """The demo factory for ``minutes`` with adapter, state and an in-memory event log."""
    from dtwin.sim import DEMO_FACTORY, Simulation, load_factory
    from dtwin.twin import EventBus, EventLog, FactoryState, PlantAdapter, machine_ids

    sim = Simulation(load_factory(DEMO_FACTORY), seed=seed)
    bus = EventBus()
    mapping = machine_ids(sim.config)
    log = EventLog(":memory:", mapping, batch=500).attach(bus)
    state = FactoryState(mapping)
    bus.subscribe(state.apply)
    PlantAdapter(sim, bus, mapping)
    sim.run_until(minutes)
    log.flush()
    return DemoRun(sim, bus, state, log)


@pytest.fixture(scope="module")
def demo_run() -> DemoRun:
    """Six simulated hours of the demo factory, seed 3."""
    return run_demo(seed=3, minutes=360.0)
