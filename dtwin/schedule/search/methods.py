"""One entry point for every solving method: CP-SAT, tabu search, annealing, GA, hybrid.

``solve_with(instance, method, ...)`` returns a :class:`~dtwin.schedule.Schedule` like
:func:`dtwin.schedule.solve` does. The metaheuristics take plain job shops (one machine per
operation; releases allowed; no setups, downtime or deadlines) and the makespan; ``auto`` (the
default) and ``hybrid`` hand anything else to CP-SAT alone, so they take every instance. With
``workers`` > 1 a metaheuristic runs that many independent searches (seeds derived from
``seed``) in worker processes and keeps the best; ``hybrid`` uses one worker for the tabu search
and the others for CP-SAT. Reproducibility: with ``iterations`` (and no time limit) tabu, sa
and ga give the same schedule for the same seed and worker count on any machine; with a time
limit the same seed takes the same steps but the clock decides how many.
"""

from __future__ import annotations

import math
import random
import time
from concurrent.futures import ProcessPoolExecutor
from multiprocessing import get_context

from dtwin.errors import ScheduleError
from dtwin.schedule.checker import check
from dtwin.schedule.cpsat.objectives import makespan_lower_bound
from dtwin.schedule.cpsat.settings import check_run_parameters
from dtwin.schedule.instance import Instance
from dtwin.schedule.rules import best_rule
from dtwin.schedule.search.annealing import anneal
from dtwin.schedule.search.budget import Budget
from dtwin.schedule.search.genetic import genetic
from dtwin.schedule.search.graph import Graph, Shop, unsupported
from dtwin.schedule.search.hybrid import hybrid_search
from dtwin.schedule.search.tabu import tabu_search
from dtwin.schedule.solution import Schedule, as_objective

METHODS = ("auto", "cpsat", "tabu", "sa", "ga", "hybrid")
# How the default was chosen (benchmarks/search.py --cpu-time, 10 CPU-s per worker, 2 workers):
# on ta01-03, ta11, ta12, ta21, ta22 (seeds 0-2) hybrid 1.81% and tabu 1.80% tied (ga 2.01%,
# cpsat 2.50%, textbook CP-SAT 2.71%, sa before its recalibration 3.91%), and hybrid was made
# the default; on the 23 other instances of ta04-ta30 (seed 0) hybrid fell to 2.93% while tabu
# held 2.00% (ga 2.54%, recalibrated sa 3.07%, textbook 3.85%). ``auto``, the default since, runs
# tabu search on every worker for a plain job shop and the makespan, and CP-SAT for anything else
# (other objectives, flexible routings, setups, downtime, deadlines), so it takes every instance.
DEFAULT_METHOD = "auto"
_LOCAL = {"tabu": tabu_search, "sa": anneal, "ga": genetic}


def solve_with(
    instance: Instance,
    method: str = DEFAULT_METHOD,
    objective: str = "makespan",
    time_limit: float | None = 10.0,
    workers: int = 2,
    seed: int = 0,
    iterations: int | None = None,
    cpu_time: bool = False,
) -> Schedule:
    """Solve ``instance`` with ``method`` (one of :data:`METHODS`).

    Parameters
    ----------
    time_limit
        Seconds (wall-clock, or CPU seconds per worker with ``cpu_time``); ``None`` runs tabu,
        sa and ga on ``iterations`` alone.
    iterations
        A cap on the steps of each tabu / sa run or the children of a ga run (exactly
        reproducible by seed); not for ``cpsat`` and ``hybrid``.

    Raises
    ------
    ScheduleError
        For an unknown method, bad run parameters, or an instance or objective the method
        cannot take.
    """
    if method not in METHODS:
        raise ScheduleError(f"unknown method {method!r}; valid: {', '.join(METHODS)}")
    check_run_parameters(1.0 if time_limit is None else time_limit, workers, seed)
    Budget.of(time_limit, iterations)  # checks them
    if iterations is not None and method in ("cpsat", "hybrid"):
        raise ScheduleError(f"iterations apply to tabu, sa and ga, not to {method}")
    if time_limit is None and method in ("cpsat", "hybrid"):
        raise ScheduleError(f"method {method} needs a time limit")
    plain = not unsupported(instance) and as_objective(objective).label == "makespan"
    if method == "auto":
        method = "tabu" if plain else "cpsat"
        if method == "cpsat" and (iterations is not None or time_limit is None):
            raise ScheduleError(
                "method auto solves this instance or objective with CP-SAT, which needs a time "
                "limit and takes no iterations"
            )
    if method == "cpsat" or (method == "hybrid" and not plain):
        return _cpsat(instance, objective, time_limit, workers, seed, cpu_time)
    if as_objective(objective).label != "makespan":
        raise ScheduleError(
            f"method {method} minimises the makespan only, not {objective!r}; valid: "
            "--objective makespan, or --method cpsat"
        )
    return _search(instance, method, time_limit, workers, seed, iterations, cpu_time)


def _cpsat(
    instance: Instance,
    objective: str,
    time_limit: float | None,
    workers: int,
    seed: int,
    cpu_time: bool,
) -> Schedule:
    from dtwin.schedule.cpsat.settings import SolverSettings
    from dtwin.schedule.solver import solve

    assert time_limit is not None
    return solve(
        instance, objective, time_limit, workers, seed, settings=SolverSettings(cpu_time=cpu_time)
    )


def _search(
    instance: Instance,
    method: str,
    time_limit: float | None,
    workers: int,
    seed: int,
    iterations: int | None,
    cpu_time: bool,
) -> Schedule:
    """Run a metaheuristic (or the hybrid) and return its checked schedule."""
    t0 = time.perf_counter()
    shop = Shop.of(instance)
    lower = makespan_lower_bound(instance)
    if method == "hybrid":
        budget = Budget.of(time_limit, None, workers if cpu_time else 0)
        start = Graph(shop, shop.orders_of(best_rule(instance, "makespan")))
        rng = random.Random(f"hybrid:{seed}")
        best, _, proven = hybrid_search(start, budget, rng, workers, seed)
        label = "hybrid (cp-sat + tabu)"
    else:
        wall_end = math.inf if time_limit is None or cpu_time else time.monotonic() + time_limit
        runs = [
            (method, instance, f"{method}:{seed}:{k}", time_limit, iterations, cpu_time, wall_end)
            for k in range(workers)
        ]
        if workers == 1:
            results = [_one_run(*runs[0])]
        else:
            with ProcessPoolExecutor(workers, mp_context=get_context("fork")) as pool:
                results = list(pool.map(_one_run, *zip(*runs, strict=True)))
        orders = min(results, key=lambda r: r[1])[0]
        best = Graph(shop, orders)
        proven = False
        label = {"tabu": "tabu (n7)", "sa": "annealing (n7)", "ga": "genetic (pox)"}[method]
    sched = best.schedule(label, time.perf_counter() - t0)
    sched.lower_bound = float(max(lower, best.makespan if proven else lower))
    if proven or best.makespan <= lower:
        sched.status = "OPTIMAL"
    check(instance, sched)
    return sched


def _one_run(
    method: str,
    instance: Instance,
    seed: str,
    time_limit: float | None,
    iterations: int | None,
    cpu_time: bool,
    wall_end: float,
) -> tuple[list[list[int]], int]:
    """One seeded run of a metaheuristic (in a worker process); its machine orders and
    makespan."""
    shop = Shop.of(instance)
    if time_limit is not None and not cpu_time:
        time_limit = max(wall_end - time.monotonic(), 0.01)
    budget = Budget.of(time_limit, iterations, 1 if cpu_time else 0)
    start = Graph(shop, shop.orders_of(best_rule(instance, "makespan")))
    target = makespan_lower_bound(instance)
    best, _ = _LOCAL[method](start, budget, random.Random(seed), target=target)
    return best.orders, best.makespan
