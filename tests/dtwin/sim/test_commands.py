"""The twin's interface to the plant: maintenance commands, camera facts, external mode."""

from __future__ import annotations

from typing import Any

import pytest

from dtwin.errors import SimulationError
from dtwin.paths import DEMO_FACTORY
from dtwin.sim import InspectionFact, MaintenanceRequest, Simulation, simulate
from dtwin.sim.config import load_factory


def _line(**weld: Any) -> dict[str, Any]:
    """A small line: weld (wears, threshold policy) -> inspect -> ship."""
    station = {
        "name": "weld",
        "process_time": {"dist": "fixed", "value": 2.0},
        "defect_rate": 0.05,
        "health": {"wear_per_op": 0.01, "defect_factor": 0.5},
        "maintenance": {
            "policy": "health_threshold",
            "threshold": 0.5,
            "duration": {"dist": "fixed", "value": 30.0},
        },
    }
    station.update(weld)
    return {
        "maintenance": {"technicians": 1},
        "products": [
            {"name": "box", "routing": ["weld", "inspect"],
             "arrival": {"dist": "fixed", "value": 3.0}}
        ],
        "stations": [
            station,
            {"name": "inspect", "kind": "inspection", "detection_rate": 0.9,
             "process_time": {"dist": "fixed", "value": 1.0}},
        ],
    }  # fmt: skip


def _events(sim: Simulation, name: str) -> list[tuple[Any, ...]]:
    assert sim.log is not None
    return [r for r in sim.log if r[4] == name]


# -- no command: nothing changes ----------------------------------------------------------


@pytest.mark.parametrize("seed", [0, 1])
def test_no_command_same_run_with_every_new_hook(seed: int) -> None:
    """Inspection subscribers and an unused command API leave the run bit for bit as before."""
    plain = Simulation(DEMO_FACTORY, seed=seed).run_until(1440)
    hooked = Simulation(DEMO_FACTORY, seed=seed, maintenance="config")
    facts: list[InspectionFact] = []
    hooked.subscribe_inspections(facts.append)
    hooked.run_until(1440)
    assert hooked.log == plain.log
    assert hooked.snapshot().kpis == plain.snapshot().kpis
    assert facts and hooked.requests == []


def test_external_mode_only_changes_threshold_stations() -> None:
    """The demo has no health_threshold policy: external mode gives the same run."""
    a = simulate(DEMO_FACTORY, days=1, seed=3)
    sim = Simulation(DEMO_FACTORY, seed=3, maintenance="external").run_until(1440)
    assert sim.snapshot().kpis == pytest.approx(a.kpis, nan_ok=True)


# -- request_maintenance -------------------------------------------------------------------


def test_request_on_busy_machine_waits_for_its_part() -> None:
    sim = Simulation(_line(maintenance=None), seed=0)
    sim.run_until(4.0)  # part 1 on weld from t=3 to t=5
    assert sim.request_maintenance("weld", 0, duration=20, reason="test") is True
    sim.run_until(100)
    (req,) = _events(sim, "maintenance_requested")
    (start,) = _events(sim, "maintenance_start")
    (end,) = _events(sim, "maintenance_end")
    assert (req[0], start[0], end[0]) == (4.0, 5.0, 25.0)
    finish_5 = [r for r in sim.log or [] if r[4] == "finish" and r[0] == 5.0]
    assert finish_5, "the part in work is finished before the service"
    assert sim.requests == [MaintenanceRequest(4.0, "weld", 0, 20, "test")]


def test_request_on_idle_machine_starts_at_once_and_restores_health() -> None:
    sim = Simulation(_line(maintenance=None), seed=0).run_until(200.5)
    m = sim.stations["weld"].machines[0]
    worn = m.health
    assert worn < 1.0 and m.state.name == "IDLE"
    sim.request_maintenance("weld", 0, duration=10)
    sim.run_until(200.5)  # same time: the wake-up is scheduled, not yet processed
    sim.run_until(201)
    assert _events(sim, "maintenance_start")[0][0] == 200.5
    sim.run_until(211)
    assert m.health == 1.0
    assert _events(sim, "maintenance_end")[0][0] == 210.5


def test_request_uses_station_duration_and_is_idempotent() -> None:
    sim = Simulation(_line(), seed=0, maintenance="external").run_until(10)
    assert sim.request_maintenance("weld", 0) is True
    assert sim.request_maintenance("weld", 0) is False  # already requested
    sim.run_until(12)
    assert sim.stations["weld"].machines[0].state.name == "MAINTENANCE"
    assert sim.request_maintenance("weld", 0) is False  # in maintenance
    sim.run_until(100)
    (start,) = _events(sim, "maintenance_start")
    (end,) = _events(sim, "maintenance_end")
    assert end[0] - start[0] == 30.0  # the station's duration
    assert len(sim.requests) == 1


def test_request_never_while_down_and_shares_technicians() -> None:
    cfg = _line(failure={"ttf": {"dist": "fixed", "value": 5.0},
                         "repair": {"dist": "fixed", "value": 7.0}})  # fmt: skip
    sim = Simulation(cfg, seed=0, maintenance="external")
    sim.run_until(10.0)  # weld fails at t~9.92 in its third part, down until ~16.92
    assert sim.stations["weld"].machines[0].state.name == "DOWN"
    sim.request_maintenance("weld", 0, duration=5)
    sim.run_until(200)
    log = sim.log or []
    start = _events(sim, "maintenance_start")[0][0]
    repaired = [r[0] for r in log if r[4] == "repaired"]
    finished = [r[0] for r in log if r[2] == "weld" and r[4] == "finish"]
    assert (
        repaired[0] < min(f for f in finished if f > 10.0) == start
    )  # then its part, then service
    downs = [(r[0], r[4]) for r in log if r[4] in ("failure", "repaired")]
    for (t_fail, _), (t_rep, _) in zip(downs[::2], downs[1::2], strict=False):
        assert not t_fail < start < t_rep


def test_requests_are_deterministic() -> None:
    def run() -> list[Any]:
        sim = Simulation(load_factory(DEMO_FACTORY), seed=5)
        for t in (300.0, 700.0, 1100.0):
            sim.run_until(t)
            sim.request_maintenance("weld_a", 0)
            sim.request_maintenance("press_a", 1, duration=15, reason="estimate low")
        sim.run_until(1440)
        return [sim.log, sim.snapshot().kpis]

    first, second = run(), run()
    assert first == second
    starts = [r for r in first[0] if r[4] == "maintenance_start" and r[2] == "press_a"]
    assert len(starts) == 3


@pytest.mark.parametrize(
    ("station", "slot", "duration", "match"),
    [
        ("nope", 0, None, r"unknown station 'nope'; valid: weld, inspect"),
        ("weld", 1, None, r"no machine 1; valid: an integer from 0 to 0"),
        ("weld", -1, None, r"no machine -1"),
        ("weld", True, None, r"no machine True"),
        ("weld", 0, 0, r"duration must be minutes"),
        ("weld", 0, float("nan"), r"duration must be minutes"),
        ("weld", 0, "10", r"duration must be minutes"),
    ],
    ids=["station", "slot-range", "slot-negative", "slot-bool", "zero", "nan", "string"],
)
def test_bad_requests_are_refused(station: Any, slot: Any, duration: Any, match: str) -> None:
    sim = Simulation(_line(), seed=0)
    with pytest.raises(SimulationError, match=match):
        sim.request_maintenance(station, slot, duration)
    assert sim.requests == []


def test_request_without_any_duration_is_refused() -> None:
    sim = Simulation(_line(maintenance=None), seed=0)
    with pytest.raises(SimulationError, match=r"'weld' has no maintenance duration"):
        sim.request_maintenance("weld", 0)


def test_unknown_maintenance_mode_is_refused() -> None:
    with pytest.raises(SimulationError, match=r"unknown mode 'twin'; valid: config, external"):
        Simulation(_line(), maintenance="twin")


# -- external mode ------------------------------------------------------------------------


def test_external_mode_silences_threshold_policy_but_not_periodic() -> None:
    own = Simulation(_line(), seed=0).run_until(600)
    ext = Simulation(_line(), seed=0, maintenance="external").run_until(600)
    assert _events(own, "maintenance_start")
    assert _events(ext, "maintenance_start") == []
    periodic = {
        "policy": "periodic",
        "interval": 100.0,
        "duration": {"dist": "fixed", "value": 5.0},
    }
    sim = Simulation(_line(maintenance=periodic), seed=0, maintenance="external").run_until(600)
    assert len(_events(sim, "maintenance_start")) >= 4


# -- the camera's facts -------------------------------------------------------------------


def test_inspection_facts_carry_the_true_defect_flag() -> None:
    sim = Simulation(_line(), seed=2, maintenance="external")
    facts: list[InspectionFact] = []
    stop = sim.subscribe_inspections(facts.append)
    sim.run_until(3000)
    assert facts and {f.station for f in facts} == {"inspect"}
    assert {f.product for f in facts} == {"box"}
    assert any(f.defective for f in facts) and not all(f.defective for f in facts)
    scrapped = {r[1] for r in sim.log or [] if r[4] == "scrap"}
    assert {f.part for f in facts if f.scrapped} == scrapped
    assert all(f.defective for f in facts if f.scrapped)
    inspected = [r[1] for r in sim.log or [] if r[2] == "inspect" and r[4] in ("exit", "scrap")]
    assert [f.part for f in facts] == inspected
    stop()
    count = len(facts)
    sim.run_until(3100)
    assert len(facts) == count
