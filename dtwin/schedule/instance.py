"""The scheduling problem: jobs of ordered operations on machines (flexible job shop).

An operation may run on one of several eligible machines, each with its own duration. Jobs
carry an optional release date, due date (soft, for tardiness), deadline (hard) and weight.
Machines may have sequence-dependent setup times between jobs and unavailability windows.
The dataclasses check themselves on construction and raise :class:`ScheduleError`.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from dtwin.errors import ScheduleError


@dataclass(frozen=True)
class Option:
    """One way to run an operation: on ``machine`` for ``duration`` time units."""

    machine: int
    duration: int


@dataclass(frozen=True)
class Operation:
    """A step of a job; ``options`` lists its eligible machines with their durations."""

    options: tuple[Option, ...]

    def duration_on(self, machine: int) -> int | None:
        """Duration on ``machine``, or None when the machine is not eligible."""
        for opt in self.options:
            if opt.machine == machine:
                return opt.duration
        return None

    @property
    def min_duration(self) -> int:
        """The shortest duration over the eligible machines."""
        return min(opt.duration for opt in self.options)

    @property
    def machines(self) -> tuple[int, ...]:
        """The eligible machines, in the order given."""
        return tuple(opt.machine for opt in self.options)


@dataclass(frozen=True)
class Job:
    """Operations run in order; optional release, due date (soft), deadline (hard), weight."""

    operations: tuple[Operation, ...]
    release: int = 0
    due: int | None = None
    deadline: int | None = None
    weight: int = 1
    name: str = ""


@dataclass(frozen=True)
class Downtime:
    """Machine ``machine`` cannot work in the half-open window ``[start, end)``."""

    machine: int
    start: int
    end: int


@dataclass(frozen=True)
class Instance:
    """A (flexible) job-shop instance; machines are numbered ``0 .. num_machines - 1``.

    ``setups[m][a][b]`` is the time machine ``m`` needs between an operation of job ``a`` and
    a following operation of job ``b``; machines without an entry need none.
    """

    name: str
    num_machines: int
    jobs: tuple[Job, ...]
    setups: dict[int, tuple[tuple[int, ...], ...]] = field(default_factory=dict)
    unavailability: tuple[Downtime, ...] = ()

    def __post_init__(self) -> None:
        problems = _problems(self)
        if problems:
            raise ScheduleError(f"instance {self.name}: " + "; ".join(problems), problems)

    @property
    def num_jobs(self) -> int:
        """Number of jobs."""
        return len(self.jobs)

    @property
    def num_operations(self) -> int:
        """Number of operations over all jobs."""
        return sum(len(job.operations) for job in self.jobs)

    @property
    def is_flexible(self) -> bool:
        """True when some operation has more than one eligible machine."""
        return any(len(op.options) > 1 for job in self.jobs for op in job.operations)

    @property
    def has_due_dates(self) -> bool:
        """True when at least one job has a due date."""
        return any(job.due is not None for job in self.jobs)

    def setup(self, machine: int, before: int, after: int) -> int:
        """Setup time on ``machine`` between a job ``before`` and a job ``after``."""
        matrix = self.setups.get(machine)
        return matrix[before][after] if matrix is not None else 0

    def horizon(self) -> int:
        """A time by which any sensible (left-shifted) schedule has finished."""
        ops = [op for job in self.jobs for op in job.operations]
        work = sum(max(o.duration for o in op.options) for op in ops)
        setup = sum(max(max(row) for row in m) for m in self.setups.values()) * self.num_operations
        down = sum(w.end - w.start for w in self.unavailability)
        last_down = max((w.end for w in self.unavailability), default=0)
        release = max((job.release for job in self.jobs), default=0)
        return max(release, last_down) + work + setup + down

    def with_jobs(self, jobs: tuple[Job, ...], name: str | None = None) -> Instance:
        """A copy with other jobs (setup matrices must still cover them)."""
        return Instance(
            name or self.name, self.num_machines, jobs, self.setups, self.unavailability
        )


def _problems(inst: Instance) -> list[str]:
    """Every reason why ``inst`` is not a valid instance (empty when it is)."""
    out: list[str] = []
    if inst.num_machines < 1:
        out.append(f"num_machines must be >= 1, got {inst.num_machines}")
    if not inst.jobs:
        out.append("it has no jobs")
    for j, job in enumerate(inst.jobs):
        where = f"job {j}"
        if not job.operations:
            out.append(f"{where} has no operations")
        if job.release < 0:
            out.append(f"{where}: release must be >= 0, got {job.release}")
        if job.weight < 0:
            out.append(f"{where}: weight must be >= 0, got {job.weight}")
        if job.deadline is not None and job.deadline < job.release:
            out.append(f"{where}: deadline {job.deadline} is before release {job.release}")
        for o, op in enumerate(job.operations):
            if not op.options:
                out.append(f"{where} op {o} has no eligible machine")
            seen: set[int] = set()
            for opt in op.options:
                if not 0 <= opt.machine < inst.num_machines:
                    out.append(
                        f"{where} op {o}: unknown machine {opt.machine} "
                        f"(valid: 0..{inst.num_machines - 1})"
                    )
                if opt.duration <= 0:
                    out.append(f"{where} op {o}: duration must be > 0, got {opt.duration}")
                if opt.machine in seen:
                    out.append(f"{where} op {o}: machine {opt.machine} listed twice")
                seen.add(opt.machine)
    n = len(inst.jobs)
    for m, matrix in inst.setups.items():
        if not 0 <= m < inst.num_machines:
            out.append(f"setups: unknown machine {m} (valid: 0..{inst.num_machines - 1})")
        if len(matrix) != n or any(len(row) != n for row in matrix):
            out.append(f"setups of machine {m}: need a {n}x{n} matrix (one row and column per job)")
        elif any(v < 0 for row in matrix for v in row):
            out.append(f"setups of machine {m}: times must be >= 0")
    for w in inst.unavailability:
        if not 0 <= w.machine < inst.num_machines:
            out.append(
                f"unavailability: unknown machine {w.machine} (valid: 0..{inst.num_machines - 1})"
            )
        if w.start < 0 or w.end <= w.start:
            out.append(
                f"unavailability of machine {w.machine}: need 0 <= start < end, "
                f"got [{w.start}, {w.end})"
            )
    return out
