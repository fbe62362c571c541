"""A simulation started from a plant's state: placement, resumed work and downtime, seeds,
remaining times, and the table of bad states."""

from __future__ import annotations

import random
from typing import Any

import numpy as np
import pytest

from dtwin.errors import ConfigError
from dtwin.sim import (
    MachineAt,
    OpenPart,
    PlantState,
    parse_factory,
    remaining_time,
    simulation_from,
)
from dtwin.sim.distributions import sampler
from dtwin.sim.residual import MIN_REMAINING

T = 500.0

#: two products, a single cutter, two mills that fail, an inspection
PLANT: dict[str, Any] = {
    "name": "warm plant",
    "products": [
        {"name": "bracket", "routing": ["cut", "mill", "inspect"],
         "arrival": {"dist": "exponential", "mean": 8.0}},
        {"name": "housing", "routing": ["cut", "weld", "mill", "inspect"],
         "arrival": {"dist": "exponential", "mean": 10.0}},
    ],
    "stations": [
        {"name": "cut", "process_time": {"dist": "lognormal", "mean": 2.0, "std": 0.6}},
        {"name": "weld", "process_time": {"dist": "triangular", "low": 1.5, "mode": 2.5,
                                          "high": 4.0}},
        {"name": "mill", "machines": 2,
         "process_time": {"dist": "weibull", "shape": 2.5, "scale": 5.6},
         "failure": {"ttf": {"dist": "weibull", "shape": 1.5, "scale": 266.0},
                     "repair": {"dist": "lognormal", "mean": 20.0, "std": 8.0}}},
        {"name": "inspect", "kind": "inspection",
         "process_time": {"dist": "uniform", "low": 0.8, "high": 1.2}},
    ],
}  # fmt: skip


def part(pid: str, route: tuple[str, ...], machine: str | None = None, **kw: Any) -> OpenPart:
    product = "housing" if "weld" in route else "bracket"
    fields = {"released": T - 10, "since": T - 5, "worked": 0.0, **kw}
    return OpenPart(pid, product, route, machine=machine, **fields)


def state(*parts: OpenPart, machines: tuple[MachineAt, ...] = ()) -> PlantState:
    return PlantState(T, machines, parts, {"bracket": T - 1.0, "housing": T - 3.0})


def run(st: PlantState, minutes: float = 120.0, seed: int = 1) -> tuple[Any, list[tuple]]:
    sim = simulation_from(PLANT, st, seed=seed)
    sim.run_until(T + minutes)
    named = [(t, sim.part_name(e) if e >= 0 else None, s, m, ev) for t, e, s, m, ev in sim.log]
    return sim, named


def first(log: list[tuple], pid: str | None, event: str, station: str | None = None) -> float:
    return next(r[0] for r in log if r[1] == pid and r[4] == event and station in (None, r[2]))


def test_the_clock_starts_at_the_state_time_with_the_parts_placed():
    st = state(
        part("a", ("mill", "inspect"), "mill-1", worked=2.0),
        part("b", ("mill", "inspect")),
        part("c", ("mill", "inspect"), since=T - 4),
        part("d", ("cut", "weld", "mill", "inspect"), "cut-1", worked=0.5),
    )
    sim = simulation_from(PLANT, st, seed=0)
    assert sim.now == T and sim.t0 == T and sim.wip == 4
    assert [p.id for p in sim.stations["mill"].buffer.items] == [1, 2]  # queued by since
    assert sim.part_name(0) == "a" and sim.part_name(4) == "twin-4"
    sim.run_until(T + 60)
    exits = {sim.part_name(e): t for t, e, _, _, ev in sim.log if ev == "exit"}
    assert set("abcd") <= set(exits) and all(t > T for t in exits.values())
    assert sim.lead_times[0] >= 10  # released before the state's time: the full lead time


def test_a_part_on_a_machine_finishes_before_the_one_in_its_queue():
    st = state(part("on", ("cut", "mill", "inspect"), "cut-1", worked=1.0),
               part("queued", ("cut", "mill", "inspect")))  # fmt: skip
    _, log = run(st)
    assert first(log, "on", "finish", "cut") <= first(log, "queued", "start", "cut")
    assert first(log, "on", "finish", "cut") < first(log, "queued", "finish", "cut")
    assert [r for r in log if r[1] == "on" and r[4] == "start" and r[2] == "cut"] == []


def test_a_down_machine_produces_nothing_until_repaired():
    down = (MachineAt("mill-1", "down", since=T - 2), MachineAt("mill-2", "down", since=T - 1))
    st = state(part("held", ("mill", "inspect"), "mill-1", since=T - 6, worked=3.0),
               part("queued", ("mill", "inspect")), machines=down)  # fmt: skip
    _, log = run(st)
    repaired = first(log, None, "repaired")
    assert [
        r for r in log if r[2] == "mill" and r[4] in ("start", "finish") and r[0] < repaired
    ] == []
    assert [r for r in log if r[4] == "failure" and r[0] <= repaired] == []  # no second failure
    assert first(log, "held", "finish", "mill") > first(log, None, "repaired", "mill")


def test_a_machine_in_maintenance_ends_it_first():
    st = state(machines=(MachineAt("cut-1", "maintenance", since=T - 1),))
    cfg = parse_factory({**PLANT, "maintenance": {"policy": "periodic", "interval": 1e6,
                                                   "duration": 5.0}})  # fmt: skip
    sim = simulation_from(cfg, st, seed=0)
    sim.run_until(T + 30)
    ends = [r for r in sim.log if r[4] == "maintenance_end"]
    assert ends and ends[0][0] == pytest.approx(T + 4.0)
    assert min(r[0] for r in sim.log if r[2] == "cut" and r[4] == "start") >= ends[0][0]


def test_the_same_seed_gives_the_same_run_and_another_seed_another():
    st = state(part("a", ("mill", "inspect"), "mill-2", worked=1.0), part("b", ("cut", "mill",
               "inspect")))  # fmt: skip
    assert run(st, seed=3)[1] == run(st, seed=3)[1]
    assert run(st, seed=3)[1] != run(st, seed=4)[1]


def test_new_parts_arrive_after_the_state_time():
    _, log = run(state(), minutes=600)
    releases = [r for r in log if r[4] == "release"]
    assert releases and all(r[0] > T and r[1].startswith("twin-") for r in releases)
    assert 0.6 < len(releases) / (600 * (1 / 8 + 1 / 10)) < 1.4


BAD_STATES = [
    # (id, state builder, words the message must hold)
    ("unknown machine", lambda: state(machines=(MachineAt("mill-9"),)), ["mill-9", "machines[0]"]),
    ("unknown product", lambda: state(OpenPart("x", "gear", ("cut",), T, T)), ["gear", "product"]),
    ("route not the end of the routing",
     lambda: state(part("x", ("mill", "cut"))), ["route", "['mill', 'cut']"]),
    ("machine of another station",
     lambda: state(part("x", ("mill", "inspect"), "cut-1")), ["cut-1", "'mill'"]),
]  # fmt: skip
BAD_OWN = [
    ("part twice", lambda: state(part("x", ("inspect",)), part("x", ("inspect",))), ["twice"]),
    ("time after the state", lambda: state(part("x", ("inspect",), since=T + 1)), ["since"]),
    ("worked more than elapsed",
     lambda: state(part("x", ("inspect",), "inspect-1", worked=9.0)), ["worked", "9"]),
    ("unknown status", lambda: state(machines=(MachineAt("cut-1", "broken"),)), ["broken"]),
    ("infinite time", lambda: PlantState(float("inf")), ["time", "inf"]),
    ("one machine, two parts",
     lambda: state(part("x", ("inspect",), "inspect-1"), part("y", ("inspect",), "inspect-1")),
     ["inspect-1", "already holds"]),
]  # fmt: skip


@pytest.mark.parametrize("build,words", [r[1:] for r in BAD_STATES], ids=[r[0] for r in BAD_STATES])
def test_a_state_that_does_not_fit_the_factory_is_refused(build, words):
    with pytest.raises(ConfigError) as err:
        simulation_from(PLANT, build())
    for word in words:
        assert word in str(err.value)


@pytest.mark.parametrize("build,words", [r[1:] for r in BAD_OWN], ids=[r[0] for r in BAD_OWN])
def test_a_state_that_contradicts_itself_is_refused(build, words):
    with pytest.raises(ConfigError) as err:
        build()
    for word in words:
        assert word in str(err.value)


def test_a_down_machine_needs_a_failure_model():
    with pytest.raises(ConfigError, match="cut-1.*no failure model"):
        simulation_from(PLANT, state(machines=(MachineAt("cut-1", "down", since=T),)))


DISTS = [
    {"dist": "weibull", "shape": 2.5, "scale": 5.6},
    {"dist": "lognormal", "mean": 4.0, "std": 2.0},
    {"dist": "triangular", "low": 1.0, "mode": 2.0, "high": 6.0},
    {"dist": "uniform", "low": 1.0, "high": 5.0},
    {"dist": "normal", "mean": 4.0, "std": 1.5},
    {"dist": "empirical", "values": [1.0, 3.0, 5.0, 7.0], "weights": [0.1, 0.2, 0.3, 0.4]},
    {"dist": "exponential", "mean": 3.0},
]


@pytest.mark.parametrize("spec", DISTS, ids=[d["dist"] for d in DISTS])
def test_remaining_time_is_the_draw_given_the_elapsed_time(spec):
    from pydantic import TypeAdapter

    from dtwin.sim.distributions import Distribution

    dist = TypeAdapter(Distribution).validate_python(spec)
    elapsed = 3.5
    rng = random.Random(0)
    left = np.array([remaining_time(dist, elapsed, rng) for _ in range(4000)])
    draw = sampler(dist, random.Random(1))
    kept = np.array([x for x in (draw() for _ in range(40000)) if x > elapsed]) - elapsed
    assert left.min() >= MIN_REMAINING
    assert left.mean() == pytest.approx(kept.mean(), rel=0.06)


def test_remaining_time_past_the_end_of_a_distribution_is_tiny():
    from dtwin.sim.distributions import Fixed, Uniform

    rng = random.Random(0)
    assert remaining_time(Fixed(value=2.0), 5.0, rng) == MIN_REMAINING
    assert remaining_time(Uniform(dist="uniform", low=1, high=2), 3.0, rng) == MIN_REMAINING
    assert remaining_time(Fixed(value=2.0), 0.5, rng) == pytest.approx(1.5)
