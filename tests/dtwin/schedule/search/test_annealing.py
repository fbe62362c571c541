"""Simulated annealing: temperatures calibrated from the instance, the cycle schedule, seeds."""

from __future__ import annotations

import math
import random

import pytest

from dtwin.errors import ScheduleError
from dtwin.schedule import Instance, Job, Operation, Option, check, dispatch
from dtwin.schedule.search.annealing import _temperature, anneal, uphill_rise
from dtwin.schedule.search.budget import Budget
from dtwin.schedule.search.graph import Graph, Shop


def _start(instance: Instance) -> Graph:
    shop = Shop.of(instance)
    return Graph(shop, shop.orders_of(dispatch(instance, "MWKR")))


def _scaled(instance: Instance, factor: int) -> Instance:
    """``instance`` with every duration times ``factor``."""
    jobs = tuple(
        Job(
            tuple(
                Operation(tuple(Option(o.machine, o.duration * factor) for o in op.options))
                for op in job.operations
            )
        )
        for job in instance.jobs
    )
    return Instance(f"{instance.name}x{factor}", instance.num_machines, jobs)


def test_the_uphill_rise_is_positive_and_scales_with_the_durations(la01):
    start, big = _start(la01), _start(_scaled(la01, 10))
    rise = uphill_rise(start, random.Random(0))
    assert rise > 1.0
    assert uphill_rise(big, random.Random(0)) == pytest.approx(10 * rise)


def test_annealing_does_not_depend_on_the_time_unit(la01):
    """The temperatures follow the instance's own move deltas: the same walk at any scale."""
    runs = []
    for factor in (1, 7):
        inst = _scaled(la01, factor)
        best, steps = anneal(_start(inst), Budget.of(None, 4000), random.Random(5))
        check(inst, best.schedule("sa"))
        runs.append((best.orders, best.makespan // factor, steps))
    assert runs[0] == runs[1]


def test_an_iteration_cap_repeats_and_improves_the_start(la01):
    start = _start(la01)
    runs = [anneal(start, Budget.of(None, 5000), random.Random(3)) for _ in range(2)]
    assert runs[0][0].orders == runs[1][0].orders and runs[0][1] == runs[1][1] == 5000
    assert runs[0][0].makespan < start.makespan  # MWKR leaves room on la01
    assert start.makespan == _start(la01).makespan  # the start is left unchanged


def test_each_cycle_cools_to_the_coldest_and_reheats_lower():
    hot, cold, cycles = 100.0, 1.0, 4
    tops = [_temperature(hot, cold, c, cycles, 0.0) for c in range(cycles)]
    assert tops[0] == pytest.approx(hot)
    assert all(a > b > cold for a, b in zip(tops, tops[1:], strict=False))
    for c in range(cycles):
        assert _temperature(hot, cold, c, cycles, 1.0) == pytest.approx(cold)
        mid = _temperature(hot, cold, c, cycles, 0.5)
        assert mid == pytest.approx(math.sqrt(tops[c] * cold))  # geometric


@pytest.mark.parametrize(
    "kwargs",
    [
        {"accept_hot": 1.0},
        {"accept_cold": 0.0},
        {"accept_hot": 0.01, "accept_cold": 0.1},
        {"cycles": 0},
    ],
)
def test_bad_settings_are_refused(la01, kwargs):
    with pytest.raises(ScheduleError, match="annealing needs"):
        anneal(_start(la01), Budget.of(None, 10), random.Random(0), **kwargs)
