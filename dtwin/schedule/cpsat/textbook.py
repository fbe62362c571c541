"""The textbook CP-SAT job-shop model, the baseline that ``benchmarks/scheduling.py`` beats.

Interval variables, no-overlap per machine, the makespan as the max of job ends and CP-SAT's
default parameters: none of dtwin's windows, bounds, warm start or phases.
"""

from __future__ import annotations

import time

from dtwin.errors import ScheduleError
from dtwin.schedule.cpsat.search import Clock, configure, failure
from dtwin.schedule.cpsat.settings import check_run_parameters
from dtwin.schedule.instance import Instance
from dtwin.schedule.solution import Schedule, ScheduledOp


def solve_textbook(
    instance: Instance,
    time_limit: float = 10.0,
    workers: int = 2,
    seed: int = 0,
    *,
    cpu_time: bool = False,
) -> Schedule:
    """The textbook CP-SAT makespan model: intervals, no-overlap, max of job ends, defaults.

    With ``cpu_time`` the limit is CPU time per worker (see
    :attr:`~dtwin.schedule.cpsat.settings.SolverSettings.cpu_time`).
    """
    from ortools.sat.python import cp_model

    if instance.is_flexible or instance.setups or instance.unavailability:
        raise ScheduleError("the textbook model handles plain job shops only")
    check_run_parameters(time_limit, workers, seed)
    t0 = time.perf_counter()
    model = cp_model.CpModel()
    horizon = sum(op.options[0].duration for job in instance.jobs for op in job.operations)
    horizon += max(job.release for job in instance.jobs)
    starts, ends, per_machine = {}, {}, {}
    for j, job in enumerate(instance.jobs):
        for o, op in enumerate(job.operations):
            m, d = op.options[0].machine, op.options[0].duration
            s = model.NewIntVar(job.release, horizon, f"s{j}_{o}")
            e = model.NewIntVar(0, horizon, f"e{j}_{o}")
            per_machine.setdefault(m, []).append(model.NewIntervalVar(s, d, e, f"i{j}_{o}"))
            starts[j, o], ends[j, o] = (s, m), e
            if o:
                model.Add(s >= ends[j, o - 1])
    for ivs in per_machine.values():
        model.AddNoOverlap(ivs)
    makespan = model.NewIntVar(0, horizon, "makespan")
    model.AddMaxEquality(
        makespan, [ends[j, len(job.operations) - 1] for j, job in enumerate(instance.jobs)]
    )
    model.Minimize(makespan)
    solver = cp_model.CpSolver()
    clock = Clock(workers, cpu_time)
    configure(solver, time_limit, clock, seed, {})
    with clock.stop_at(solver, clock.now() + time_limit):
        status = solver.Solve(model)
    if status not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        raise failure(instance, status, time_limit)
    ops = [
        ScheduledOp(j, o, m, solver.Value(s), solver.Value(ends[j, o]))
        for (j, o), (s, m) in starts.items()
    ]
    return Schedule(
        ops,
        "makespan",
        float(solver.ObjectiveValue()),
        float(solver.BestObjectiveBound()),
        solver.StatusName(status),
        time.perf_counter() - t0,
        "cp-sat-textbook",
    )
