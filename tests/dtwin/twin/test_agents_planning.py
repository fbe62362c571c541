from __future__ import annotations

import pytest

from dtwin.sim.config import parse_factory
from dtwin.twin import events as ev
from dtwin.twin.agents import PlanningAgent
from dtwin.twin.agents.planning import outage_minutes, station_minutes
from dtwin.twin.bus import EventBus
from dtwin.twin.ids import machine_ids
from dtwin.twin.state import FactoryState

# saw (two machines) -> weld (one, breaks down, is serviced); products in both orders
FACTORY = {
    "name": "plan",
    "maintenance": {"technicians": 1, "policy": "none"},
    "products": [
        {"name": "p", "routing": ["saw", "weld"], "arrival": 5},
        {"name": "q", "routing": ["weld", "saw"], "arrival": 7,
         "process_times": {"weld": {"dist": "fixed", "value": 2.2}}},
    ],
    "stations": [
        {"name": "saw", "machines": 2, "process_time": {"dist": "fixed", "value": 4}},
        {"name": "weld", "machines": 1, "process_time": {"dist": "fixed", "value": 3},
         "failure": {"ttf": 500, "repair": {"dist": "fixed", "value": 25}},
         "maintenance": {"policy": "health_threshold", "threshold": 0.5,
                         "duration": {"dist": "fixed", "value": 40}}},
    ],
}  # fmt: skip


@pytest.fixture
def config():
    return parse_factory(FACTORY)


class World:
    def __init__(self, config, names=None, **kwargs):
        self.ids = machine_ids(config, names)
        self.bus = EventBus(retries=0)
        self.state = FactoryState(self.ids)
        self.bus.subscribe(self.state.apply, name="factory_state")
        self.agent = PlanningAgent(self.bus, self.state, self.ids, config, **kwargs)
        self.changes: list[ev.ScheduleChanged] = []
        self.bus.subscribe(self.changes.append, ev.ScheduleChanged)
        self.bus.subscribe(self._no_dead_letter, ev.TwinEvent)

    def _no_dead_letter(self, event):
        assert not self.bus.dead_letters, self.bus.dead_letters

    def release(self, t, part, product="p"):
        route = ("saw", "weld") if product == "p" else ("weld", "saw")
        self.bus.publish(ev.PartReleased(time=t, source="sim", part=part, station=route[0],
                                         product=product, route=route))  # fmt: skip


def test_station_and_outage_minutes(config):
    assert station_minutes(config) == {("p", "saw"): 4, ("p", "weld"): 3, ("q", "weld"): 3,
                                       ("q", "saw"): 4}  # fmt: skip
    assert outage_minutes(config) == {"saw": {}, "weld": {"failure": 25, "maintenance": 40}}


def test_first_release_publishes_a_plan(config):
    w = World(config)
    w.release(0.0, 1)
    assert [c.schedule_id for c in w.changes] == ["plan-1"]
    assert w.changes[0].reason == "replan" and w.changes[0].source == "scheduling_agent"
    assert w.state.schedule_id == "plan-1" and w.state.schedules == 1
    plan = w.agent.current
    assert plan.parts == (1,) and plan.origin == plan.time == 0.0
    assert len(plan.schedule.operations) == 2 and plan.schedule.makespan == 7


def test_replans_only_every_replan_min(config):
    w = World(config, replan_min=60.0)
    for k, t in enumerate([0.0, 10.0, 59.0, 60.0, 61.0, 125.0]):
        w.release(t, k)
    assert [c.time for c in w.changes] == [0.0, 60.0, 125.0]
    assert [p.parts for p in w.agent.plans] == [(0,), (0, 1, 2, 3), tuple(range(6))]


def test_plan_keeps_the_oldest_max_jobs(config):
    w = World(config, replan_min=1e9, max_jobs=3)
    for k in range(6):
        w.release(float(k), k)
    w.agent.replan(10.0)
    assert w.agent.current.parts == (0, 1, 2)


def test_parts_that_left_or_moved_on_are_planned_for_what_is_ahead(config):
    w = World(config, replan_min=1e9)
    w.release(0.0, 1)
    w.release(0.0, 2)
    for e in (ev.PartStarted(time=1, source="sim", part=1, machine="saw-1"),
              ev.PartFinished(time=5, source="sim", part=1, machine="saw-1"),
              ev.PartStarted(time=5, source="sim", part=2, machine="saw-2"),
              ev.PartFinished(time=9, source="sim", part=2, machine="saw-2"),
              ev.PartStarted(time=9, source="sim", part=2, machine="weld-1"),
              ev.PartFinished(time=12, source="sim", part=2, machine="weld-1"),
              ev.PartExited(time=12, source="sim", part=2, machine="weld-1")):  # fmt: skip
        w.bus.publish(e)
    plan = w.agent.replan(12.0)
    assert plan.parts == (1,)
    assert [len(j.operations) for j in plan.instance.jobs] == [1]  # its weld only


def test_plan_machine_indices_map_to_machine_ids_order(config):
    # ids named out of alphabetical order: the plan must follow the mapping, not the names
    w = World(config, names={"saw": ["saw-B", "saw-A"]}, replan_min=1e9)
    assert w.ids.ids == ("saw-B", "saw-A", "weld-1")
    assert w.agent.index == {"saw-B": 0, "saw-A": 1, "weld-1": 2}
    for k in range(8):
        w.release(float(k), k, "p" if k % 2 else "q")
    plan = w.agent.replan(8.0)
    assert plan.instance.num_machines == 3
    routes = {k: w.state.parts[k].route for k in plan.parts}
    for op in plan.schedule.operations:
        station = routes[plan.parts[op.job]][op.op]
        assert w.ids.station_of(w.ids.ids[op.machine]) == station
        eligible = {o.machine for o in plan.instance.jobs[op.job].operations[op.op].options}
        assert eligible == {w.agent.index[m] for m in w.ids.machines_of(station)}
    assert {w.ids.ids[o.machine] for o in plan.schedule.operations} == set(w.ids.ids)


def _world_with_plan(config, parts=6):
    """Six parts of ``p`` released at 0: plan-1 holds the first, plan-2 (made at 0) all."""
    w = World(config, replan_min=1e9, time_limit=2.0)
    for k in range(parts):
        w.release(0.0, k)
    w.agent.replan(0.0)
    assert w.agent.current.parts == tuple(range(parts))
    assert len(w.agent.plans) == len(w.changes) == 2
    return w


def test_breakdown_reschedule_keeps_started_operations_and_records_moved(config):
    w = _world_with_plan(config)
    old = w.agent.current
    t = 8.0
    w.bus.publish(ev.MachineDown(time=t, source="sim", machine="weld-1"))
    new = w.agent.current
    assert new is not old and len(w.agent.plans) == 3
    assert [c.schedule_id for c in w.changes] == ["plan-1", "plan-2", "plan-3"]
    assert w.changes[-1].reason == "failure of weld-1" and new.reason == "failure of weld-1"
    assert new.origin == old.origin and new.time == t and new.parts == old.parts
    weld = w.agent.index["weld-1"]
    after = new.schedule.by_key()
    frozen = 0
    for o in old.schedule.operations:
        broken = o.machine == weld and o.end > t and o.start < t + 25
        if o.start < t and not broken:
            assert after[o.job, o.op] == o  # started before the breakdown: frozen
            frozen += 1
    assert frozen >= 4  # the first saw cuts and the first weld
    for o in new.schedule.operations:  # nothing on the welder while it is down
        if o.machine == weld:
            assert o.end <= t or o.start >= t + 25
    before = old.schedule.by_key()
    changed = {
        k for k, o in after.items() if (o.start, o.machine) != (before[k].start, before[k].machine)
    }
    assert new.moved == len(changed) == len(new.schedule.moved) > 0
    assert new.summary()["moved"] == new.moved


def test_maintenance_start_reschedules_for_the_service_time(config):
    w = _world_with_plan(config)
    w.bus.publish(ev.MaintenanceStarted(time=5.0, source="sim", machine="weld-1"))
    new = w.agent.current
    assert new.reason == "maintenance of weld-1"
    downtimes = [(d.machine, d.start, d.end) for d in new.instance.unavailability]
    assert downtimes == [(w.agent.index["weld-1"], 5, 45)]


@pytest.mark.parametrize(
    "event",
    [
        ev.MachineDown(time=5.0, source="sim", machine="saw-1"),  # saw has no failure model
        ev.MaintenanceStarted(time=5.0, source="sim", machine="saw-2"),  # nor a service time
        ev.MachineDown(time=1e4, source="sim", machine="weld-1"),  # after the plan's end
    ],
    ids=["no-repair-time", "no-service-time", "after-the-plan"],
)
def test_outage_without_anything_to_repair_keeps_the_plan(config, event):
    w = _world_with_plan(config)
    w.bus.publish(event)
    assert len(w.agent.plans) == len(w.changes) == 2


def test_outage_before_any_plan_is_ignored(config):
    w = World(config)
    w.bus.publish(ev.MachineDown(time=1.0, source="sim", machine="weld-1"))
    assert w.agent.plans == [] and w.changes == []


def test_empty_factory_gets_no_plan(config):
    w = World(config)
    assert w.agent.replan(0.0) is None
    assert w.changes == [] and w.bus.dead_letters == []


def test_summary_is_plain_json(config):
    import json

    w = _world_with_plan(config)
    summary = w.agent.current.summary()
    assert json.loads(json.dumps(summary)) == summary
    assert summary["jobs"] == 6 and summary["operations"] == 12
    bound = summary["lower_bound_min"]
    assert bound is None or summary["makespan_min"] >= bound
