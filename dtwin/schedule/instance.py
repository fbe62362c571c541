"""The scheduling problem: jobs of ordered operations on machines (flexible job shop).

An operation may run on one of several eligible machines, each with its own duration. Jobs
carry an optional release date, due date (soft, for tardiness), deadline (hard) and weight.
Machines may have sequence-dependent setup times between jobs and unavailability windows.
The dataclasses check themselves on construction and raise :class:`ScheduleError`.

Sizes and times are bounded so that every instance fits CP-SAT's 64-bit integers and a
machine's memory: at most :data:`MAX_JOBS` jobs, :data:`MAX_MACHINES` machines and
:data:`MAX_OPERATIONS` operations; durations and setup times in ``1..MAX_DURATION`` (setups
from 0); releases, due dates, deadlines, downtime windows and the horizon (all the work, setups
and downtime one after another) at most :data:`MAX_TIME`; weights at most :data:`MAX_WEIGHT`,
and the weights times the horizon at most :data:`MAX_OBJECTIVE`.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from dtwin.errors import ScheduleError

MAX_JOBS = 10_000
MAX_MACHINES = 1_000
MAX_OPERATIONS = 100_000
MAX_DURATION = 10**9
MAX_TIME = 10**12
MAX_WEIGHT = 10**6
MAX_OBJECTIVE = 10**18  # a weighted tardiness sum CP-SAT can hold (int64 is about 9.2e18)
_SHOWN = 5  # problems named in a message (all of them stay in ScheduleError.violations)


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
            shown = "; ".join(problems[:_SHOWN])
            if len(problems) > _SHOWN:
                shown += f" (and {len(problems) - _SHOWN} more)"
            raise ScheduleError(f"instance {self.name}: {shown}", problems)

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
    out = _size_problems(inst)
    if out:  # too big to look at item by item
        return out
    for j, job in enumerate(inst.jobs):
        out.extend(_job_problems(inst, j, job))
    out.extend(_setup_problems(inst))
    out.extend(_downtime_problems(inst))
    if not out:
        out.extend(_horizon_problems(inst))
    return out


def _size_problems(inst: Instance) -> list[str]:
    out: list[str] = []
    if not 1 <= inst.num_machines <= MAX_MACHINES:
        out.append(f"num_machines must be in 1..{MAX_MACHINES}, got {inst.num_machines}")
    if not inst.jobs:
        out.append("it has no jobs")
    if len(inst.jobs) > MAX_JOBS:
        out.append(f"{len(inst.jobs)} jobs is too many; valid: 1..{MAX_JOBS}")
    elif inst.num_operations > MAX_OPERATIONS:
        out.append(f"{inst.num_operations} operations is too many; valid: at most {MAX_OPERATIONS}")
    return out


def _job_problems(inst: Instance, j: int, job: Job) -> list[str]:
    where = f"job {j}"
    out: list[str] = []
    if not job.operations:
        out.append(f"{where} has no operations")
    if not 0 <= job.release <= MAX_TIME:
        out.append(f"{where}: release must be in 0..{MAX_TIME}, got {job.release}")
    if not 0 <= job.weight <= MAX_WEIGHT:
        out.append(f"{where}: weight must be in 0..{MAX_WEIGHT}, got {job.weight}")
    for key in ("due", "deadline"):
        value = getattr(job, key)
        if value is not None and not 0 <= value <= MAX_TIME:
            out.append(f"{where}: {key} must be in 0..{MAX_TIME}, got {value}")
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
            elif opt.duration > MAX_DURATION:
                out.append(
                    f"{where} op {o}: duration {opt.duration} is out of range "
                    f"(valid: 1..{MAX_DURATION})"
                )
            if opt.machine in seen:
                out.append(f"{where} op {o}: machine {opt.machine} listed twice")
            seen.add(opt.machine)
    return out


def _setup_problems(inst: Instance) -> list[str]:
    out: list[str] = []
    n = len(inst.jobs)
    for m, matrix in inst.setups.items():
        if not 0 <= m < inst.num_machines:
            out.append(f"setups: unknown machine {m} (valid: 0..{inst.num_machines - 1})")
        if len(matrix) != n or any(len(row) != n for row in matrix):
            out.append(f"setups of machine {m}: need a {n}x{n} matrix (one row and column per job)")
        elif any(not 0 <= v <= MAX_DURATION for row in matrix for v in row):
            out.append(f"setups of machine {m}: times must be in 0..{MAX_DURATION}")
    return out


def _downtime_problems(inst: Instance) -> list[str]:
    out: list[str] = []
    for w in inst.unavailability:
        if not 0 <= w.machine < inst.num_machines:
            out.append(
                f"unavailability: unknown machine {w.machine} (valid: 0..{inst.num_machines - 1})"
            )
        if w.start < 0 or w.end <= w.start or w.end > MAX_TIME:
            out.append(
                f"unavailability of machine {w.machine}: need 0 <= start < end <= {MAX_TIME}, "
                f"got [{w.start}, {w.end})"
            )
    return out


def _horizon_problems(inst: Instance) -> list[str]:
    """CP-SAT works in 64-bit integers: the horizon and the weighted tardiness must fit."""
    horizon = inst.horizon()
    if horizon > MAX_TIME:
        return [
            f"the horizon (releases, all durations, setups and downtime in a row) is {horizon}, "
            f"beyond {MAX_TIME}; valid: shorter times (e.g. coarser time units)"
        ]
    weights = sum(job.weight for job in inst.jobs if job.due is not None)
    if weights * horizon > MAX_OBJECTIVE:
        return [
            f"the weights of jobs with due dates ({weights} in all) times the horizon "
            f"({horizon}) exceed {MAX_OBJECTIVE}, the largest weighted tardiness CP-SAT can "
            f"hold; valid: smaller weights or shorter times"
        ]
    return []
