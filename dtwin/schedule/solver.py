"""dtwin's CP-SAT model of the (flexible) job shop: assembles the parts of :mod:`.cpsat`.

dtwin's model adds, on top of the textbook one (:func:`~dtwin.schedule.cpsat.textbook.
solve_textbook`: interval variables, no-overlap per machine, makespan as the max of job ends,
default parameters): a warm start from the best dispatching rule (its makespan becomes the
horizon, its times a hint; kept if CP-SAT cannot beat it in time), start/end windows from job
heads and tails, a machine-load lower bound on the makespan, and a search in two phases (a
short complete search that proves small instances optimal, then large-neighbourhood search on
every worker from its best plan). Measured with ``benchmarks/scheduling.py`` (10 s, 2 workers,
idle machine, OR-Tools 9.15): the best-known makespan on ft06, ft10, ft20 and la01-la20 (ft10
in 16 of 16 seeds with the interleaved first phase for small instances, see
:data:`~dtwin.schedule.cpsat.settings.SMALL_PHASES`); la21-la40 mean gap 0.47% against the
textbook model's 0.76% (mean of 3 seeds). Single hinted default phases measured no better
(within the seed-to-seed spread of about 1% on the hardest instances).
"""

from __future__ import annotations

import time
from typing import Any

from dtwin.schedule.checker import violations
from dtwin.schedule.cpsat.constraints import add_machine_constraints, add_operation_constraints
from dtwin.schedule.cpsat.objectives import (
    add_makespan,
    add_moved,
    add_tardiness,
    stability,
    weighted_sum,
)
from dtwin.schedule.cpsat.search import Clock, Found, PhasedSearch, failure, fallback, hint
from dtwin.schedule.cpsat.settings import (
    DEFAULT_SETTINGS,
    TUNED_PARAMETERS,
    SolverSettings,
    check_run_parameters,
)
from dtwin.schedule.cpsat.variables import Pinned, Variables, add_operation_variables
from dtwin.schedule.instance import Instance
from dtwin.schedule.rules import RULES, best_rule
from dtwin.schedule.solution import Objective, Schedule, as_objective, evaluate


def solve(
    instance: Instance,
    objective: str | Objective = "makespan",
    time_limit: float = 10.0,
    workers: int = 2,
    seed: int = 0,
    *,
    warm_start: bool | Schedule = True,
    rules: tuple[str, ...] = RULES,
    pinned: Pinned | None = None,
    parameters: dict[str, Any] | None = None,
    settings: SolverSettings = DEFAULT_SETTINGS,
) -> Schedule:
    """Solve ``instance`` with CP-SAT and return the best schedule found.

    Parameters
    ----------
    warm_start
        True: start from the best of ``rules`` (hint and upper bound); a Schedule: hint it;
        False: no warm start.
    pinned
        Fixed operations and other constraints for rescheduling.
    parameters
        Extra CP-SAT parameters (name -> value) over
        :data:`~dtwin.schedule.cpsat.settings.TUNED_PARAMETERS`.
    settings
        The search phases and the clock of the time limit (benchmarks and ablations).

    Raises
    ------
    ScheduleError
        When the instance is infeasible or no schedule is found within the time limit.
    """
    obj = as_objective(objective)
    check_run_parameters(time_limit, workers, seed)
    t0 = time.perf_counter()
    clock = Clock(workers, settings.cpu_time)
    c0 = clock.now()
    pinned = pinned or Pinned()
    start = _start_schedule(instance, obj, warm_start, rules, pinned)
    warm = start if start is not None and not violations(instance, start) else None
    model, v = build_model(instance, obj, _horizon(instance, obj, warm, pinned), pinned)
    if start is not None:
        hint(model, v, start, pinned)
    params = {**TUNED_PARAMETERS, **(parameters or {})}
    phases = settings.phases_for(instance.num_operations)
    search = PhasedSearch(model, v, pinned, clock, seed, params, phases, start)
    found, offset = _minimise(model, v, instance, obj, pinned, search, c0, time_limit)
    if found is None:
        from ortools.sat.python import cp_model

        if warm is not None and not offset and search.last_status != cp_model.INFEASIBLE:
            return fallback(instance, warm, obj, t0)
        raise failure(instance, search.last_status, time_limit)
    return _result(instance, obj, pinned, found, offset, warm, t0)


def build_model(
    instance: Instance, obj: Objective, horizon: int, pinned: Pinned
) -> tuple[Any, Variables]:
    """dtwin's CP-SAT model of ``instance`` (no objective set yet) and its variables."""
    from ortools.sat.python import cp_model

    model = cp_model.CpModel()
    ops = add_operation_variables(model, instance, horizon, pinned)
    per_machine = add_operation_constraints(model, instance, ops, pinned)
    add_machine_constraints(model, instance, ops, per_machine)
    makespan = add_makespan(model, instance, ops, horizon, pinned)
    tardiness = add_tardiness(model, instance, obj, ops, horizon)
    moved = add_moved(model, ops, pinned)
    variables = Variables(
        start=ops.start,
        end=ops.end,
        choice=ops.choice,
        literals=ops.literals,
        makespan=makespan,
        tardiness=tardiness,
        moved=moved,
    )
    return model, variables


def _start_schedule(
    instance: Instance,
    obj: Objective,
    warm_start: bool | Schedule,
    rules: tuple[str, ...],
    pinned: Pinned,
) -> Schedule | None:
    """The schedule to hint: the one given, or the best of ``rules`` (not when re-solving)."""
    if isinstance(warm_start, Schedule):
        return warm_start
    if warm_start and not pinned.fixed and rules:
        return best_rule(instance, obj.label, rules=rules)
    return None


def _horizon(instance: Instance, obj: Objective, warm: Schedule | None, pinned: Pinned) -> int:
    """The latest end: the instance's, cut to a valid warm start's makespan where it counts."""
    horizon = instance.horizon() + pinned.not_before
    if warm is not None and obj.tardiness_weight == 0:
        horizon = min(horizon, warm.makespan)
    return max(horizon, max((o.end for o in pinned.fixed.values()), default=0))


def _minimise(
    model: Any,
    v: Variables,
    instance: Instance,
    obj: Objective,
    pinned: Pinned,
    search: PhasedSearch,
    c0: float,
    time_limit: float,
) -> tuple[Found | None, float]:
    """Search from ``c0`` for ``time_limit`` s on the search's clock; a lexicographic objective
    takes the makespan first, in half the time, then the tardiness among its optima.

    Returns the best plan and the makespan stage's share of the objective (0 otherwise).
    """
    if not (obj.lexicographic and obj.makespan_weight and obj.tardiness_weight):
        model.Minimize(weighted_sum(v, obj) + stability(v, pinned))
        return search.solve(c0 + time_limit), 0.0
    model.Minimize(v.makespan)
    first = search.solve(c0 + time_limit / 2)
    if first is None:
        raise failure(instance, search.last_status, time_limit)
    best_makespan = max(o.end for o in first.ops)
    model.Add(v.makespan <= best_makespan)
    search.rehint(first)
    model.Minimize(v.tardiness + stability(v, pinned))
    return search.solve(c0 + time_limit), obj.makespan_weight * best_makespan


def _result(
    instance: Instance,
    obj: Objective,
    pinned: Pinned,
    found: Found,
    offset: float,
    warm: Schedule | None,
    t0: float,
) -> Schedule:
    """The schedule of ``found`` with its value and bound; the warm start if that is better
    (the time ran out before CP-SAT caught up with it)."""
    sched = Schedule(found.ops, objective=obj.label, status=found.status, method="cp-sat")
    sched.value = evaluate(instance, sched, obj)
    bound = offset + obj.tardiness_weight * found.bound if offset else found.bound
    sched.lower_bound = round(float(bound), 6) if not pinned.stability_weight else None
    sched.solve_seconds = time.perf_counter() - t0
    keep_warm = warm is not None and not pinned.stability_weight and not offset
    if keep_warm and evaluate(instance, warm, obj) < sched.value:
        return fallback(instance, warm, obj, t0, sched.lower_bound)
    return sched
