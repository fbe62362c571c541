"""A schedule (start, end and machine of every operation) and the objectives measured on it."""

from __future__ import annotations

from dataclasses import dataclass

from dtwin.errors import ScheduleError
from dtwin.schedule.instance import Instance


@dataclass(frozen=True)
class ScheduledOp:
    """Operation ``op`` of job ``job`` runs on ``machine`` in ``[start, end)``."""

    job: int
    op: int
    machine: int
    start: int
    end: int


@dataclass(frozen=True)
class Objective:
    """What to minimise: ``makespan_weight * Cmax + tardiness_weight * sum(w_j T_j)``.

    With ``lexicographic`` the first non-zero term (makespan, then tardiness) is minimised
    first and the second only among the optima of the first.
    """

    makespan_weight: float = 1.0
    tardiness_weight: float = 0.0
    lexicographic: bool = False

    @property
    def label(self) -> str:
        """A short name: makespan, tardiness, weighted or lexicographic."""
        if self.lexicographic:
            return "lexicographic"
        if self.tardiness_weight == 0:
            return "makespan"
        if self.makespan_weight == 0:
            return "tardiness"
        return "weighted"


OBJECTIVES: dict[str, Objective] = {
    "makespan": Objective(1.0, 0.0),
    "tardiness": Objective(0.0, 1.0),
    "weighted": Objective(1.0, 1.0),
    "lexicographic": Objective(1.0, 1.0, lexicographic=True),
}


def as_objective(objective: str | Objective) -> Objective:
    """Turn an objective name into an :class:`Objective` (ScheduleError if unknown)."""
    if isinstance(objective, Objective):
        return objective
    try:
        return OBJECTIVES[objective]
    except KeyError:
        raise ScheduleError(
            f"unknown objective {objective!r}; valid: {', '.join(OBJECTIVES)}"
        ) from None


@dataclass
class Schedule:
    """Operations with machine and times, plus how the schedule was found and its quality."""

    operations: list[ScheduledOp]
    objective: str = "makespan"
    value: float = 0.0
    lower_bound: float | None = None
    status: str = "FEASIBLE"
    solve_seconds: float = 0.0
    method: str = ""
    moved: frozenset[tuple[int, int]] | None = None  # set by rescheduling: (job, op) moved

    @property
    def makespan(self) -> int:
        """Latest end of any operation."""
        return max((o.end for o in self.operations), default=0)

    @property
    def gap(self) -> float | None:
        """``(value - lower_bound) / value``: how far the plan may be from optimal (0: proven
        optimal); None without a bound."""
        if self.lower_bound is None:
            return None
        if self.value <= 0:
            return 0.0 if self.lower_bound >= self.value else None
        return max(self.value - self.lower_bound, 0.0) / self.value

    def by_key(self) -> dict[tuple[int, int], ScheduledOp]:
        """Operations keyed by ``(job, op)``."""
        return {(o.job, o.op): o for o in self.operations}

    def job_ends(self) -> dict[int, int]:
        """Completion time of each job that has scheduled operations."""
        ends: dict[int, int] = {}
        for o in self.operations:
            ends[o.job] = max(ends.get(o.job, 0), o.end)
        return ends


def weighted_tardiness(instance: Instance, schedule: Schedule) -> int:
    """Sum over jobs with a due date of ``weight * max(0, completion - due)``."""
    ends = schedule.job_ends()
    total = 0
    for j, job in enumerate(instance.jobs):
        if job.due is not None and j in ends:
            total += job.weight * max(0, ends[j] - job.due)
    return total


def evaluate(instance: Instance, schedule: Schedule, objective: str | Objective) -> float:
    """The objective value of ``schedule`` (lexicographic counts as the weighted sum)."""
    obj = as_objective(objective)
    value = 0.0
    if obj.makespan_weight:
        value += obj.makespan_weight * schedule.makespan
    if obj.tardiness_weight:
        value += obj.tardiness_weight * weighted_tardiness(instance, schedule)
    return value
