"""Rescheduling after a disturbance: a machine breaks down, or a rush job arrives.

At time ``t`` what has started stays as it is (frozen); the rest is re-solved with CP-SAT,
warm-started from the old plan repaired by right-shifting. An operation running on a
machine when it breaks is interrupted and redone after the repair. ``moved`` counts the
operations of the old plan that now start at another time or on another machine.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from dtwin.errors import ScheduleError
from dtwin.schedule.cpsat.variables import Pinned
from dtwin.schedule.instance import Downtime, Instance, Job, Operation, Option
from dtwin.schedule.rules import earliest_fit
from dtwin.schedule.solution import Objective, Schedule, ScheduledOp, as_objective, evaluate
from dtwin.schedule.solver import solve


@dataclass(frozen=True)
class MachineDown:
    """Machine ``machine`` is unavailable from ``start`` for ``duration`` time units."""

    machine: int
    start: int
    duration: int


@dataclass(frozen=True)
class RushJob:
    """A new job arrives at ``arrival``: a :class:`Job` or a list of (machine, duration)."""

    job: Job | Sequence[tuple[int, int]]
    arrival: int

    def as_job(self) -> Job:
        """The job, released no earlier than its arrival."""
        if isinstance(self.job, Job):
            return Job(
                self.job.operations,
                max(self.job.release, self.arrival),
                self.job.due,
                self.job.deadline,
                self.job.weight,
                self.job.name or "rush",
            )
        ops = tuple(Operation((Option(int(m), int(d)),)) for m, d in self.job)
        return Job(ops, release=self.arrival, name="rush")


Event = MachineDown | RushJob


@dataclass
class RescheduleResult:
    """The new plan, its instance (with the event applied), objective value and stability."""

    schedule: Schedule
    instance: Instance
    moved: int
    objective: float
    frozen: int
    repair_objective: float  # the right-shifted old plan, for comparison
    repaired: Schedule | None = None  # that right-shifted plan (what the event costs unsolved)
    repair_delayed: int = 0  # operations the right shift starts later (0: the event hit nothing)


def apply_event(instance: Instance, event: Event) -> Instance:
    """The instance with the event applied (a downtime window, or one more job)."""
    if isinstance(event, MachineDown):
        if not 0 <= event.machine < instance.num_machines or event.duration <= 0:
            raise ScheduleError(
                f"machine down: need machine in 0..{instance.num_machines - 1} "
                f"and duration > 0, got {event.machine} and {event.duration}"
            )
        window = Downtime(event.machine, event.start, event.start + event.duration)
        return Instance(
            instance.name,
            instance.num_machines,
            instance.jobs,
            instance.setups,
            (*instance.unavailability, window),
        )
    if isinstance(event, RushJob):
        jobs = (*instance.jobs, event.as_job())
        setups = {
            m: tuple((*row, 0) for row in rows) + ((0,) * len(jobs),)
            for m, rows in instance.setups.items()
        }  # no setup to or from the rush job
        return Instance(instance.name, instance.num_machines, jobs, setups, instance.unavailability)
    raise ScheduleError(f"unknown event {event!r}; valid: MachineDown, RushJob")


def reschedule(
    instance: Instance,
    schedule: Schedule,
    t: int,
    event: Event,
    objective: str | Objective | None = None,
    time_limit: float = 5.0,
    workers: int = 2,
    seed: int = 0,
    stability_weight: int = 0,
    parameters: dict[str, Any] | None = None,
) -> RescheduleResult:
    """Freeze what started before ``t``, apply ``event`` and re-solve the rest.

    ``parameters``: extra CP-SAT parameters, as :func:`~dtwin.schedule.solve` takes them
    (e.g. ``{"max_deterministic_time": 0.25}`` with ``workers=1`` for a run that gives the
    same plan on any machine load).
    """
    if t < 0:
        raise ScheduleError(f"reschedule time must be >= 0, got {t}")
    obj = as_objective(objective if objective is not None else _objective_of(schedule))
    new = apply_event(instance, event)
    fixed: dict[tuple[int, int], ScheduledOp] = {}
    for o in schedule.operations:
        if o.start >= t:
            continue
        broken = (
            isinstance(event, MachineDown)
            and o.machine == event.machine
            and o.end > event.start
            and o.start < event.start + event.duration
        )
        if not broken:
            fixed[o.job, o.op] = o
    previous = schedule.by_key()
    repaired = right_shift(new, schedule, fixed, t)
    pinned = Pinned(fixed, t, previous, stability_weight)
    sched = solve(
        new,
        obj,
        time_limit,
        workers,
        seed,
        warm_start=repaired,
        pinned=pinned,
        parameters=parameters,
    )
    moved = {
        key
        for key, o in sched.by_key().items()
        if key in previous and (previous[key].start, previous[key].machine) != (o.start, o.machine)
    }
    sched.moved = frozenset(moved)
    sched.method = f"reschedule({type(event).__name__})"
    delayed = sum(  # later only: the shift also closes the old plan's idle gaps
        1
        for key, o in repaired.by_key().items()
        if key in previous and o.start > previous[key].start
    )
    return RescheduleResult(
        sched,
        new,
        len(moved),
        sched.value,
        len(fixed),
        evaluate(new, repaired, obj),
        repaired,
        delayed,
    )


def right_shift(
    instance: Instance, schedule: Schedule, fixed: dict[tuple[int, int], ScheduledOp], t: int
) -> Schedule:
    """Keep the old machine sequences and push operations later until the plan is feasible.

    Operations missing from the old plan (a rush job) go last, each on the machine where it
    ends first.
    """
    windows: dict[int, list[Downtime]] = {}
    for w in sorted(instance.unavailability, key=lambda w: w.start):
        windows.setdefault(w.machine, []).append(w)
    job_ready = [job.release for job in instance.jobs]
    mach_ready = [0] * instance.num_machines
    mach_last: list[int | None] = [None] * instance.num_machines
    out: list[ScheduledOp] = []

    def place(j: int, o: int, m: int, d: int) -> ScheduledOp:
        last = mach_last[m]
        ready = mach_ready[m] + (instance.setup(m, last, j) if last is not None else 0)
        s = earliest_fit(max(job_ready[j], ready, t), d, windows.get(m, []))
        return ScheduledOp(j, o, m, s, s + d)

    def commit(op: ScheduledOp) -> None:
        out.append(op)
        job_ready[op.job] = op.end
        mach_ready[op.machine] = max(mach_ready[op.machine], op.end)
        mach_last[op.machine] = op.job

    for op in sorted(fixed.values(), key=lambda o: o.start):
        commit(op)
    rest = sorted(
        (
            o
            for o in schedule.operations
            if (o.job, o.op) not in fixed and o.job < instance.num_jobs
        ),
        key=lambda o: (o.start, o.job),
    )
    for o in rest:
        d = instance.jobs[o.job].operations[o.op].duration_on(o.machine)
        if d is None:
            raise ScheduleError(f"job {o.job} op {o.op}: machine {o.machine} is not eligible")
        commit(place(o.job, o.op, o.machine, d))
    done = {(o.job, o.op) for o in out}
    for j, job in enumerate(instance.jobs):
        for k, op in enumerate(job.operations):
            if (j, k) not in done:
                commit(
                    min(
                        (place(j, k, opt.machine, opt.duration) for opt in op.options),
                        key=lambda x: x.end,
                    )
                )
    sched = Schedule(out, method="right-shift")
    return sched


def _objective_of(schedule: Schedule) -> str:
    return (
        schedule.objective
        if schedule.objective in ("makespan", "tardiness", "weighted", "lexicographic")
        else "makespan"
    )
