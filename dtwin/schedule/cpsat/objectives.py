"""The objective terms of dtwin's CP-SAT model: makespan, weighted tardiness, stability.

The makespan variable starts at a lower bound (the longest job, and on a plain job shop the
most loaded machine with its smallest head and tail), which lets CP-SAT prove optimality
early. Stability (rescheduling) counts the operations that leave their old start or machine.
"""

from __future__ import annotations

from typing import Any

from dtwin.errors import ScheduleError
from dtwin.schedule.cpsat.variables import Key, OperationVars, Pinned, Variables
from dtwin.schedule.instance import Instance
from dtwin.schedule.solution import Objective


def job_ends(inst: Instance, v: OperationVars) -> list[Any]:
    """The end variable of each job's last operation."""
    return [v.end[j, len(job.operations) - 1] for j, job in enumerate(inst.jobs)]


def add_makespan(model: Any, inst: Instance, v: OperationVars, horizon: int, pinned: Pinned) -> Any:
    """The makespan variable: at least every job's end, at least the lower bound."""
    lb = makespan_lower_bound(inst) if not pinned.fixed else 0
    makespan = model.NewIntVar(min(lb, horizon), horizon, "makespan")
    for e in job_ends(inst, v):
        model.Add(makespan >= e)
    return makespan


def add_tardiness(
    model: Any, inst: Instance, obj: Objective, v: OperationVars, horizon: int
) -> Any:
    """The weighted tardiness ``sum(w_j T_j)`` (0 when the objective does not count it)."""
    lasts = job_ends(inst, v)
    terms = []
    for j, job in enumerate(inst.jobs):
        if job.due is not None and job.weight and obj.tardiness_weight:
            t = model.NewIntVar(0, max(horizon - job.due, 0), f"t{j}")
            model.Add(t >= lasts[j] - job.due)
            terms.append(job.weight * t)
    return sum(terms) if terms else 0


def add_moved(model: Any, v: OperationVars, pinned: Pinned) -> dict[Key, Any]:
    """A literal per operation of the old plan, false only if it keeps its start and machine."""
    moved: dict[Key, Any] = {}
    if not pinned.stability_weight:
        return moved
    for key, old in pinned.previous.items():
        if key in pinned.fixed or key not in v.start:
            continue
        b = model.NewBoolVar(f"moved{key}")
        model.Add(v.start[key] == old.start).OnlyEnforceIf(b.Not())
        lit = v.choice[key].get(old.machine)
        if lit is not None and lit is not True:
            model.AddImplication(b.Not(), lit)
        moved[key] = b
    return moved


def makespan_lower_bound(inst: Instance) -> int:
    """Max of job lengths (from release) and machine loads with the smallest head and tail."""
    lb = max(job.release + sum(op.min_duration for op in job.operations) for job in inst.jobs)
    if inst.is_flexible:
        return lb
    loads: dict[int, list[int]] = {}
    heads: dict[int, int] = {}
    tails: dict[int, int] = {}
    for job in inst.jobs:
        total = sum(op.min_duration for op in job.operations)
        head = job.release
        for op in job.operations:
            m, d = op.options[0].machine, op.options[0].duration
            loads.setdefault(m, []).append(d)
            heads[m] = min(heads.get(m, head), head)
            tail = total - (head - job.release) - d
            tails[m] = min(tails.get(m, tail), tail)
            head += d
    for m, durs in loads.items():
        lb = max(lb, heads[m] + sum(durs) + tails[m])
    return lb


def weighted_sum(v: Variables, obj: Objective) -> Any:
    """``makespan_weight * Cmax + tardiness_weight * sum(w_j T_j)`` as a CP-SAT expression."""
    terms = 0
    if obj.makespan_weight:
        terms += whole(obj.makespan_weight) * v.makespan
    if obj.tardiness_weight:
        terms += whole(obj.tardiness_weight) * v.tardiness
    return terms


def whole(weight: float) -> int:
    """An objective weight as the integer CP-SAT needs (ScheduleError if it is not whole)."""
    if weight != int(weight):
        raise ScheduleError(f"objective weights must be whole numbers for CP-SAT, got {weight}")
    return int(weight)


def stability(v: Variables, pinned: Pinned) -> Any:
    """``stability_weight`` times the number of moved operations (0 without a weight)."""
    if not pinned.stability_weight or not v.moved:
        return 0
    return pinned.stability_weight * sum(v.moved.values())
