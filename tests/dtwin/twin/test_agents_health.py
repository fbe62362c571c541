"""The health agent on a hand-built bus and state: no simulator anywhere in this file."""

from __future__ import annotations

import inspect
import math

import pytest

from dtwin.twin import events as ev
from dtwin.twin.agents import HealthAgent, WearModel, wear_models
from dtwin.twin.bus import EventBus
from dtwin.twin.state import FactoryState

# station ``a`` wears (two machines), ``b`` is the camera's station (no wear, no defects)
MODELS = {"a": WearModel(0.02, 0.4, 0.5), "b": WearModel(0.0, 0.0, None)}


class World:
    """A bus, the factory state, the health agent and every estimate it published."""

    def __init__(self, ids, models=MODELS, **kwargs):
        self.bus = EventBus(retries=0)
        self.state = FactoryState(ids)
        self.bus.subscribe(self.state.apply, name="factory_state")
        self.agent = HealthAgent(self.bus, self.state, ids, models, **kwargs)
        self.estimates: list[ev.HealthEstimateChanged] = []
        self.bus.subscribe(self.estimates.append, ev.HealthEstimateChanged)
        self.t = 0.0
        self.parts = 0

    def part(self, machine: str, flag: bool, looks: int = 1) -> None:
        """One part through ``machine`` and ``b-1``, photographed ``looks`` times at ``b-1``
        and shipped."""
        p, t, s = self.parts, self.t, "test"
        verdict = ev.PartInspected(time=t + 2, source="inspection_agent", part=p, machine="b-1",
                                   image="pool:0", model_class="crack" if flag else "good",
                                   probability=0.9)  # fmt: skip
        for event in (
            ev.PartReleased(time=t, source=s, part=p, station="a", product="x", route=("a", "b")),
            ev.PartStarted(time=t, source=s, part=p, machine=machine),
            ev.PartFinished(time=t + 1, source=s, part=p, machine=machine),
            ev.PartStarted(time=t + 1, source=s, part=p, machine="b-1"),
            *[verdict] * looks,
            ev.PartFinished(time=t + 2, source=s, part=p, machine="b-1"),
            ev.PartExited(time=t + 2, source=s, part=p, machine="b-1"),
        ):  # fmt: skip
            self.bus.publish(event)
        self.parts += 1
        self.t += 3

    def publish(self, kind, machine: str) -> None:
        self.bus.publish(kind(time=self.t, source="sim", machine=machine))

    def last(self, machine: str) -> ev.HealthEstimateChanged:
        return [e for e in self.estimates if e.machine == machine][-1]


def _feed(world: World, machine: str, n: int, every: int) -> None:
    """``n`` parts of ``machine``; every ``every``-th is flagged (0: none)."""
    for i in range(n):
        world.part(machine, every > 0 and i % every == 0)


def test_machine_flagged_more_often_gets_a_lower_estimate(ids):
    world = World(ids)
    for i in range(400):
        world.part("a-1", i % 4 == 0)  # a quarter of a-1's parts flagged
        world.part("a-2", i % 50 == 0)  # 2%: its base defect rate
    a1, a2 = world.agent.estimates["a-1"], world.agent.estimates["a-2"]
    # 25% flagged = 2% base + 0.4 x (1 - health): health 0.425
    assert a1.health == pytest.approx(1 - (0.25 - 0.02) / 0.4, abs=0.06)
    assert a2.health > 0.9
    assert a1.health < a2.health - 0.4
    assert world.state.machines["a-1"].health_mean == world.last("a-1").mean == a1.health
    assert world.state.machines["a-2"].health_mean == world.last("a-2").mean
    assert world.agent.observations("a-1") == world.agent.observations("a-2") == 400
    assert all(e.source == "health_agent" and e.method for e in world.estimates)


def test_machine_without_wear_is_not_tracked(ids):
    world = World(ids)
    _feed(world, "a-1", 50, every=2)
    assert "b-1" not in world.agent.estimates
    assert world.agent.observations("b-1") == 0
    assert not [e for e in world.estimates if e.machine == "b-1"]
    assert world.state.machines["b-1"].health_mean is None


def test_estimate_falls_while_flags_rise_and_recovers_after_maintenance(ids):
    world = World(ids)
    _feed(world, "a-1", 60, every=0)
    healthy = world.agent.estimates["a-1"].health
    _feed(world, "a-1", 150, every=3)
    worn = world.agent.estimates["a-1"].health
    assert healthy > 0.95 > 0.6 > worn
    world.publish(ev.MaintenanceDone, "a-1")
    done = world.last("a-1")
    assert done.mean == pytest.approx(1.0) and done.time == world.t
    assert world.state.machines["a-1"].health_mean == pytest.approx(1.0)
    assert world.agent.observations("a-1") == 0
    _feed(world, "a-1", 30, every=0)
    assert world.agent.estimates["a-1"].health > 0.95


def test_repair_restores_part_of_the_lost_health(ids):
    world = World(ids)
    _feed(world, "a-1", 200, every=3)
    before = world.agent.estimates["a-1"].health
    assert before < 0.7
    world.publish(ev.MachineRepaired, "a-1")
    after = world.last("a-1")
    assert after.mean == pytest.approx(before + 0.5 * (1 - before), abs=1e-6)
    assert world.agent.observations("a-1") == 0


def test_repair_without_restore_changes_nothing(ids):
    models = {"a": WearModel(0.02, 0.4, None), "b": MODELS["b"]}
    world = World(ids, models)
    _feed(world, "a-1", 200, every=3)
    published = len(world.estimates)
    estimate = world.agent.estimates["a-1"]
    world.publish(ev.MachineRepaired, "a-1")
    assert len(world.estimates) == published
    assert world.agent.estimates["a-1"] is estimate
    assert world.agent.observations("a-1") == 200


def test_std_shrinks_with_observations(ids):
    # a weak prior, so that the flagged share is about 20% from the first parts on
    world = World(ids, min_change=0.0, prior_parts=2.0)
    stds = []
    for n in (10, 30, 110):  # 10, 40 and 150 observations
        _feed(world, "a-1", n, every=5)
        stds.append(world.last("a-1").std)
    assert stds[0] > 1.3 * stds[1] > 1.3 * 1.3 * stds[2] > 0


def test_reset_goes_back_to_the_prior_spread(ids):
    world = World(ids, min_change=0.0)
    _feed(world, "a-1", 150, every=5)
    world.publish(ev.MaintenanceDone, "a-1")
    q, n = 0.02, 20.0  # the base defect rate, for prior_parts parts
    assert world.last("a-1").std == pytest.approx(math.sqrt(q * (1 - q) / (n + 1)) / 0.4)


def test_std_is_the_beta_spread_carried_to_health(ids):
    world = World(ids, min_change=0.0, window=1e9, prior_parts=2.0)
    _feed(world, "a-1", 100, every=4)
    est = world.agent.estimates["a-1"]
    n = est.a + est.b
    rate_std = math.sqrt(est.a * est.b / (n * n * (n + 1)))
    assert est.std == pytest.approx(rate_std / 0.4)  # survival 1: one wear factor to divide


def test_error_rates_correct_false_alarms(ids):
    # a camera model with 10% false alarms and 90% detection: 10% flagged is a healthy machine
    plain, corrected = World(ids), World(ids, error_rates=(0.10, 0.90))
    for world in (plain, corrected):
        _feed(world, "a-1", 300, every=10)
    assert corrected.agent.estimates["a-1"].health > 0.95
    assert plain.agent.estimates["a-1"].health < 0.85


def test_defects_of_other_machines_on_the_path_are_not_blamed(ids):
    # the camera's own station makes 10% defects: 10% flagged says nothing about a-1
    models = {"a": MODELS["a"], "b": WearModel(0.10, 0.0, None)}
    blamed, fair = World(ids), World(ids, models)
    for world in (blamed, fair):
        _feed(world, "a-1", 300, every=10)
    assert fair.agent.estimates["a-1"].health > 0.95
    assert blamed.agent.estimates["a-1"].health < 0.85


def test_a_part_counts_once_per_machine_it_passed(ids):
    world = World(ids)
    world.part("a-1", True, looks=3)  # two more looks at a part that passed no machine since
    assert world.agent.observations("a-1") == 1
    assert world.state.machines["b-1"].inspected == 3
    world.part("a-1", False)
    assert world.agent.observations("a-1") == 2


def test_first_estimate_is_the_prior_of_a_new_machine(ids):
    world = World(ids)
    est = world.agent.estimates["a-1"]
    assert est.health == 1.0 and est.observations == 0
    assert est.rate == pytest.approx(0.02)  # the base defect rate, for prior_parts parts
    assert est.a + est.b == pytest.approx(20.0)


def test_agent_never_gets_the_simulator():
    params = set(inspect.signature(HealthAgent).parameters)
    assert params == {"bus", "state", "ids", "models", "window", "prior_parts", "min_change",
                      "error_rates"}  # fmt: skip


def test_wear_models_of_the_closed_loop_factory(closed_loop_path):
    from dtwin.sim import load_factory

    models = wear_models(load_factory(closed_loop_path))
    assert models["weld"] == WearModel(0.02, 0.35, 0.1)
    assert models["inspect"].defect_factor == 0.0
    assert set(models) == {"cut", "weld", "paint", "inspect", "pack"}
