"""The decision variables of dtwin's CP-SAT model: start, end and machine of every operation.

Each operation gets a start and an end variable whose domains are already cut down to its
window: no earlier than the work before it in its job (from the release), no later than leaves
room for the work after it before the horizon (or the job's deadline). A flexible operation
gets one presence literal per eligible machine. Operations fixed by rescheduling are constants.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from dtwin.errors import ScheduleError
from dtwin.schedule.instance import Instance, Job
from dtwin.schedule.solution import ScheduledOp

Key = tuple[int, int]  # (job, op)


@dataclass
class Pinned:
    """Constraints added when re-solving: fixed operations and a time before which no
    other operation may start (used by rescheduling)."""

    fixed: dict[Key, ScheduledOp] = field(default_factory=dict)
    not_before: int = 0
    previous: dict[Key, ScheduledOp] = field(default_factory=dict)
    stability_weight: int = 0


@dataclass
class OperationVars:
    """Per operation: start and end variables, and a presence literal per eligible machine
    (``True`` where the machine is the only choice)."""

    start: dict[Key, Any] = field(default_factory=dict)
    end: dict[Key, Any] = field(default_factory=dict)
    choice: dict[Key, dict[int, Any]] = field(default_factory=dict)
    # flexible operations: one literal per option, in option order (an instance may list a
    # machine twice, so ``choice`` alone cannot give every option its own literal)
    literals: dict[Key, list[Any]] = field(default_factory=dict)


@dataclass
class Variables(OperationVars):
    """Every variable of the model: the operations' plus the objective's terms."""

    makespan: Any = None
    tardiness: Any = 0
    moved: dict[Key, Any] = field(default_factory=dict)  # True literal: the op moved


def add_operation_variables(
    model: Any, inst: Instance, horizon: int, pinned: Pinned
) -> OperationVars:
    """Start, end and machine-choice variables of every operation, job by job."""
    v = OperationVars()
    for j, job in enumerate(inst.jobs):
        _add_job(model, inst, j, job, horizon, pinned, v)
    return v


def _add_job(
    model: Any, inst: Instance, j: int, job: Job, horizon: int, pinned: Pinned, v: OperationVars
) -> None:
    tails = _tails(job)
    head = job.release  # earliest start of the next operation
    for o, op in enumerate(job.operations):
        key = (j, o)
        fixed = pinned.fixed.get(key)
        if fixed is not None:
            v.start[key] = model.NewConstant(fixed.start)
            v.end[key] = model.NewConstant(fixed.end)
            v.choice[key] = {fixed.machine: True}
            head = fixed.end
            continue
        head = max(head, pinned.not_before)
        lo = head  # the work before it in its job (from the release)
        hi = horizon - tails[o] - op.min_duration  # room for the work after it
        if job.deadline is not None:
            hi = min(hi, job.deadline - tails[o] - op.min_duration)
        if hi < lo:
            raise ScheduleError(
                f"instance {inst.name} is infeasible: job {j} op {o} cannot start in "
                f"[{lo}, {hi}] (release, deadline or horizon too tight)"
            )
        dmax = max(opt.duration for opt in op.options)
        v.start[key] = model.NewIntVar(lo, hi, f"s{j}_{o}")
        v.end[key] = model.NewIntVar(lo + op.min_duration, hi + dmax, f"e{j}_{o}")
        if len(op.options) == 1:
            v.choice[key] = {op.options[0].machine: True}
        else:
            lits = [model.NewBoolVar(f"x{j}_{o}_{opt.machine}") for opt in op.options]
            v.literals[key] = lits
            v.choice[key] = {opt.machine: lit for opt, lit in zip(op.options, lits, strict=True)}
        head += op.min_duration


def _tails(job: Job) -> list[int]:
    """Per operation, the least work after it in its job."""
    tails = [0] * len(job.operations)
    for o in range(len(job.operations) - 2, -1, -1):
        tails[o] = tails[o + 1] + job.operations[o + 1].min_duration
    return tails
