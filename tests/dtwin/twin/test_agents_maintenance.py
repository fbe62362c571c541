from __future__ import annotations

import pytest

from dtwin.twin import events as ev
from dtwin.twin.agents import Decision, HealthAgent, MaintenanceAgent, WearModel, health_thresholds
from dtwin.twin.bus import EventBus
from dtwin.twin.state import FactoryState


class Health:
    """Stands in for the health agent: only the observation counts are asked for."""

    def __init__(self) -> None:
        self.counts: dict[str, int] = {}

    def observations(self, machine: str) -> int:
        return self.counts.get(machine, 0)


class Plant:
    """A plant that takes a request as the simulator does: refused while one is pending or
    the machine is in maintenance; an accepted one is reported as MaintenanceRequested."""

    def __init__(self, bus: EventBus, state: FactoryState, ids) -> None:
        self.bus, self.state, self.ids = bus, state, ids
        self.calls: list[tuple[str, int, str]] = []

    def __call__(self, station: str, slot: int, reason: str) -> bool:
        self.calls.append((station, slot, reason))
        machine = self.ids.id_of(station, slot)
        record = self.state.machine(machine)
        if record.maintenance_pending or record.status == "maintenance":
            return False
        self.bus.publish(ev.MaintenanceRequested(time=self.state.time, source="sim",
                                                 machine=machine, reason=reason))  # fmt: skip
        return True


@pytest.fixture
def world(ids):
    bus, state, health = EventBus(retries=0), FactoryState(ids), Health()
    bus.subscribe(state.apply, name="factory_state")
    plant = Plant(bus, state, ids)
    agent = MaintenanceAgent(bus, state, ids, health, {"a-1": 0.6, "a-2": 0.6}, plant, 30)
    return bus, state, health, plant, agent


def _estimate(bus, machine, mean, t=10.0, std=0.05):
    bus.publish(ev.HealthEstimateChanged(time=t, source="health_agent", machine=machine,
                                         mean=mean, std=std))  # fmt: skip


def test_requests_when_mean_below_threshold_with_enough_observations(world):
    bus, state, health, plant, agent = world
    health.counts["a-1"] = 30
    _estimate(bus, "a-1", 0.55, t=12.5, std=0.04)
    assert plant.calls == [("a", 0, "health estimate 0.55 ± 0.04 < threshold 0.6")]
    assert agent.decisions == [Decision(12.5, "a-1", 0.55, 0.04, 0.6, True)]
    assert state.machines["a-1"].maintenance_pending


@pytest.mark.parametrize(
    ("mean", "observations"),
    [(0.6, 100), (0.61, 100), (0.3, 29), (0.3, 0)],
    ids=["at-threshold", "above-threshold", "one-observation-short", "no-observations"],
)
def test_no_request(world, mean, observations):
    bus, _, health, plant, agent = world
    health.counts["a-1"] = observations
    _estimate(bus, "a-1", mean)
    assert plant.calls == [] and agent.decisions == []


def test_machine_without_threshold_is_never_sent(world):
    bus, _, health, plant, agent = world
    health.counts["b-1"] = 500
    _estimate(bus, "b-1", 0.01)
    assert plant.calls == [] and agent.decisions == []


def test_not_while_pending_or_in_maintenance(world):
    bus, state, health, plant, agent = world
    health.counts["a-1"] = 40
    _estimate(bus, "a-1", 0.5)
    _estimate(bus, "a-1", 0.45, t=11)  # pending: the agent does not ask again
    assert len(plant.calls) == len(agent.decisions) == 1
    bus.publish(ev.MaintenanceStarted(time=20, source="sim", machine="a-1"))
    assert state.machines["a-1"].status == "maintenance"
    assert not state.machines["a-1"].maintenance_pending
    _estimate(bus, "a-1", 0.4, t=21)  # in maintenance
    assert len(plant.calls) == 1
    bus.publish(ev.MaintenanceDone(time=60, source="sim", machine="a-1"))
    bus.publish(ev.MachineStateChanged(time=60, source="sim", machine="a-1", status="idle"))
    _estimate(bus, "a-1", 0.5, t=61)  # back at work and still low: asked again
    assert len(plant.calls) == 2
    assert [d.time for d in agent.decisions] == [10.0, 61.0]


def test_machines_are_decided_apart(world):
    bus, _, health, plant, agent = world
    health.counts.update({"a-1": 50, "a-2": 50})
    _estimate(bus, "a-1", 0.5)
    _estimate(bus, "a-2", 0.5)
    assert [c[:2] for c in plant.calls] == [("a", 0), ("a", 1)]
    assert [d.machine for d in agent.decisions] == ["a-1", "a-2"]


def test_refused_request_is_recorded_as_not_accepted(ids):
    bus, state, health = EventBus(retries=0), FactoryState(ids), Health()
    bus.subscribe(state.apply)
    health.counts["a-1"] = 30
    agent = MaintenanceAgent(bus, state, ids, health, {"a-1": 0.6}, lambda *a: False, 30)
    _estimate(bus, "a-1", 0.5)
    _estimate(bus, "a-1", 0.4, t=11)
    assert [d.accepted for d in agent.decisions] == [False, False]
    assert not state.machines["a-1"].maintenance_pending


def test_with_the_health_agent_it_waits_for_enough_verdicts(ids):
    bus, state = EventBus(retries=0), FactoryState(ids)
    bus.subscribe(state.apply)
    models = {"a": WearModel(0.02, 0.4, None), "b": WearModel(0.0, 0.0, None)}
    # min_change 0: every verdict publishes an estimate, so the 30th one can be acted on
    health = HealthAgent(bus, state, ids, models, prior_parts=2.0, min_change=0.0)
    plant = Plant(bus, state, ids)
    agent = MaintenanceAgent(bus, state, ids, health, {"a-1": 0.7}, plant, 30)
    seen: list[int] = []
    bus.subscribe(lambda e: seen.append(health.observations("a-1")), ev.MaintenanceRequested)
    for p in range(60):  # every part of a-1 flagged: the estimate drops at once
        t = 3.0 * p
        for event in (
            ev.PartReleased(time=t, source="s", part=p, station="a", product="x", route=("a", "b")),
            ev.PartStarted(time=t, source="s", part=p, machine="a-1"),
            ev.PartFinished(time=t + 1, source="s", part=p, machine="a-1"),
            ev.PartStarted(time=t + 1, source="s", part=p, machine="b-1"),
            ev.PartInspected(time=t + 2, source="i", part=p, machine="b-1", image="pool:5",
                             model_class="crack", probability=0.9),
            ev.PartFinished(time=t + 2, source="s", part=p, machine="b-1"),
            ev.PartExited(time=t + 2, source="s", part=p, machine="b-1"),
        ):  # fmt: skip
            bus.publish(event)
    assert len(agent.decisions) == 1 and agent.decisions[0].accepted
    assert seen == [30]  # the first estimate after the 30th verdict, not before
    assert agent.decisions[0].health_mean < 0.7
    assert agent.decisions[0].time == pytest.approx(3.0 * 29 + 2)


def test_health_thresholds_of_the_closed_loop_factory(closed_loop_path):
    from dtwin.sim import load_factory
    from dtwin.twin import machine_ids

    cfg = load_factory(closed_loop_path)
    assert health_thresholds(cfg, machine_ids(cfg)) == {"weld-1": 0.7}


def test_health_thresholds_follow_the_factory_default(closed_loop_path):
    from dtwin.sim import load_factory
    from dtwin.twin import machine_ids

    policy = {"policy": "health_threshold", "threshold": 0.5, "duration": 30, "technicians": 1}
    cfg = load_factory(closed_loop_path, {"maintenance": policy, "stations.cut.machines": 2})
    thresholds = health_thresholds(cfg, machine_ids(cfg))
    assert thresholds["weld-1"] == 0.7  # its own policy
    assert thresholds["cut-1"] == thresholds["cut-2"] == thresholds["pack-1"] == 0.5
