"""Dispatching rules build valid schedules fast, in both generation modes."""

from __future__ import annotations

import pytest

from dtwin.errors import ScheduleError
from dtwin.schedule import MODES, RULES, best_rule, check, dispatch, weighted_tardiness

GRID = [(rule, mode) for rule in RULES for mode in MODES]


@pytest.mark.parametrize(("rule", "mode"), GRID, ids=[f"{r}-{m}" for r, m in GRID])
def test_rule_schedules_are_valid(ft06, la01, demo, rule, mode):
    for inst, best_known in ((ft06, 55), (la01, 666)):
        sched = dispatch(inst, rule, mode)
        check(inst, sched)
        assert sched.value == sched.makespan >= best_known
        assert sched.solve_seconds < 1.0
    check(demo, dispatch(demo, rule, mode))


def test_rules_are_deterministic_and_differ(ft06):
    values = {rule: dispatch(ft06, rule).makespan for rule in RULES}
    assert values == {rule: dispatch(ft06, rule).makespan for rule in RULES}
    assert len(set(values.values())) > 2


def _idle_with_work_waiting(inst, sched) -> int:
    """How many operations waited while their machine stood idle."""
    by_key = sched.by_key()
    count = 0
    for (j, k), o in by_key.items():
        ready = by_key[j, k - 1].end if k else inst.jobs[j].release
        busy = sorted((p.start, p.end) for p in sched.operations if p.machine == o.machine)
        t = ready
        for s, e in busy:
            if s <= t < e:
                t = e
        count += t < o.start
    return count


@pytest.mark.parametrize("rule", RULES)
def test_nondelay_never_leaves_a_machine_idle_with_work_waiting(la01, rule):
    assert _idle_with_work_waiting(la01, dispatch(la01, rule, "nondelay")) == 0


def test_active_schedules_may_wait(la01):
    assert sum(_idle_with_work_waiting(la01, dispatch(la01, r, "active")) for r in RULES) > 0


def test_edd_helps_tardiness(demo):
    edd = dispatch(demo, "EDD", objective="tardiness")
    spt = dispatch(demo, "SPT", objective="tardiness")
    assert edd.value == weighted_tardiness(demo, edd) < spt.value


def test_best_rule_is_the_minimum(la01):
    best = best_rule(la01)
    assert best.value == min(dispatch(la01, r, m).value for r in RULES for m in MODES)


def test_rules_wait_for_release_and_downtime(tiny):
    sched = dispatch(tiny, "FIFO")
    check(tiny, sched)
    first = {(o.job, o.op): o for o in sched.operations}
    assert first[1, 0].start >= 1


@pytest.mark.parametrize(
    ("rule", "mode", "message"),
    [("XYZ", "active", "unknown dispatching rule"), ("SPT", "lazy", "unknown schedule mode")],
    ids=["rule", "mode"],
)
def test_unknown_rule_or_mode(ft06, rule, mode, message):
    with pytest.raises(ScheduleError, match=message):
        dispatch(ft06, rule, mode)
