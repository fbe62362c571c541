from __future__ import annotations

import pytest

from dtwin.errors import SimulationError
from dtwin.twin import EventBus, PlantAdapter, replay
from tests.dtwin.twin.conftest import run_demo


def test_counts_match_the_simulator(demo_run):
    view, state = demo_run.sim.view(), demo_run.state
    assert state.released == view.released > 0
    assert state.exited == len(view.lead_times) > 0
    assert state.scrapped == view.scrapped
    assert state.wip == view.wip
    assert demo_run.bus.dead_letters == []


def test_machines_match_the_simulator(demo_run):
    ids, state = demo_run.state.ids, demo_run.state
    for st in demo_run.sim.view().stations:
        for m in st.machines:
            record = state.machines[ids.id_of(st.name, m.index)]
            assert record.ops == m.ops
            assert record.status == m.state.label
            assert record.health_mean is None  # the twin never reads the sim's health


def test_every_part_has_its_route(demo_run):
    routes = {p.name: tuple(p.routing) for p in demo_run.sim.config.products}
    assert {p.product for p in demo_run.state.parts.values()} == set(routes)
    assert all(p.route == routes[p.product] for p in demo_run.state.parts.values())


def test_replay_equals_live_state(demo_run):
    assert replay(demo_run.log.con).to_json() == demo_run.state.to_json()


def _log_rows(run):
    return run.log.con.execute("SELECT seq, time, type, payload FROM twin_events ORDER BY seq")


def test_same_seed_same_log():
    a, b, c = run_demo(seed=5, minutes=120), run_demo(seed=5, minutes=120), run_demo(6, 120)
    rows = _log_rows(a).fetchall()
    assert len(rows) > 500
    assert rows == _log_rows(b).fetchall()
    assert rows != _log_rows(c).fetchall()


def test_unknown_sim_event_is_a_clear_error():
    from dtwin.sim import DEMO_FACTORY, Simulation

    adapter = PlantAdapter(Simulation(DEMO_FACTORY, log_events=False), EventBus())
    with pytest.raises(SimulationError, match="does not know the simulator event 'teleport'"):
        adapter.on_record((1.0, -1, "cut_a", 0, "teleport"))
    adapter.detach()
    adapter.detach()


TWO_AT_ONE_STATION = {
    "name": "two",
    "products": [
        {"name": "p", "routing": ["s", "t"], "arrival": {"dist": "fixed", "value": 5}},
        {"name": "q", "routing": ["s"], "arrival": {"dist": "fixed", "value": 7}},
    ],
    "stations": [
        {"name": "s", "process_time": {"dist": "fixed", "value": 1}},
        {"name": "t", "process_time": {"dist": "fixed", "value": 1}},
    ],
}


def test_products_sharing_a_first_station_are_told_apart_by_the_release_facts():
    from dtwin.sim import Simulation

    bus, seen = EventBus(), []
    bus.subscribe(seen.append)
    sim = Simulation(TWO_AT_ONE_STATION)
    PlantAdapter(sim, bus)
    sim.run_until(36)
    released = {e.part: (e.product, e.route) for e in seen if e.kind == "part_released"}
    # p at 5, 10, 15, ...; q at 7, 14, 21, ...
    assert sorted(set(released.values())) == [("p", ("s", "t")), ("q", ("s",))]
    times = {e.part: e.time for e in seen if e.kind == "part_released"}
    for part, (product, _) in released.items():
        assert times[part] % (5 if product == "p" else 7) == 0


def test_without_release_facts_a_shared_first_station_leaves_product_unknown():
    from dtwin.sim import Simulation

    class OldPlant:  # a plant with the observer hook only
        def __init__(self) -> None:
            self.sim = Simulation(TWO_AT_ONE_STATION)
            self.config = self.sim.config

        def subscribe(self, callback, states=False):
            return self.sim.subscribe(callback, states=states)

    bus, seen = EventBus(), []
    bus.subscribe(seen.append)
    plant = OldPlant()
    PlantAdapter(plant, bus)
    plant.sim.run_until(30)
    released = [e for e in seen if e.kind == "part_released"]
    assert released and all(e.product is None and e.route == () for e in released)


def test_a_maintenance_command_reaches_the_twin_as_requested_started_done():
    from dtwin.sim import DEMO_FACTORY, Simulation, load_factory
    from dtwin.twin import EventBus, PlantAdapter

    sim = Simulation(load_factory(DEMO_FACTORY), seed=1)
    bus = EventBus()
    seen = []
    bus.subscribe(lambda event: seen.append(event.kind))
    PlantAdapter(sim, bus)
    sim.run_until(60)
    station = sim.config.stations[0].name
    assert sim.request_maintenance(station, 0, duration=5, reason="test")
    sim.run_until(240)
    picked = [k for k in seen if k.startswith("maintenance")]
    assert picked[:3] == ["maintenance_requested", "maintenance_started", "maintenance_done"]
