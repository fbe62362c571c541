"""An independent validator: does a schedule respect every rule of its instance?

It shares no code with the solver or the rules on purpose, so that a bug there cannot hide.
"""

from __future__ import annotations

from dtwin.errors import ScheduleError
from dtwin.schedule.instance import Instance
from dtwin.schedule.solution import Schedule, ScheduledOp

_MAX_SHOWN = 5


def violations(instance: Instance, schedule: Schedule) -> list[str]:
    """Every violation of ``instance`` by ``schedule``, one short sentence each.

    In this order: each operation on its own, then each job's order and dates, then each
    machine's overlaps, setups and downtime.
    """
    seen, out = _operation_problems(instance, schedule)
    for j in range(instance.num_jobs):
        out += _job_problems(instance, j, seen)
    for m, ops in sorted(_by_machine(schedule).items()):
        out += _machine_problems(instance, m, ops)
    return out


def _operation_problems(
    instance: Instance, schedule: Schedule
) -> tuple[dict[tuple[int, int], ScheduledOp], list[str]]:
    """The operations by ``(job, op)``, and what is wrong with each on its own: unknown,
    repeated, on a machine that is not eligible, of the wrong length, before time 0."""
    out: list[str] = []
    seen: dict[tuple[int, int], ScheduledOp] = {}
    for o in schedule.operations:
        key = (o.job, o.op)
        known = 0 <= o.job < instance.num_jobs and 0 <= o.op < len(instance.jobs[o.job].operations)
        if not known:
            out.append(f"job {o.job} op {o.op} is not in the instance")
            continue
        if key in seen:
            out.append(f"job {o.job} op {o.op} is scheduled more than once")
            continue
        seen[key] = o
        op = instance.jobs[o.job].operations[o.op]
        duration = op.duration_on(o.machine)
        if duration is None:
            out.append(
                f"job {o.job} op {o.op} runs on machine {o.machine}, which is not "
                f"eligible (eligible: {list(op.machines)})"
            )
        elif o.end - o.start != duration:
            out.append(
                f"job {o.job} op {o.op} lasts {o.end - o.start} on machine {o.machine}, "
                f"expected {duration}"
            )
        if o.start < 0:
            out.append(f"job {o.job} op {o.op} starts at {o.start} < 0")
    return seen, out


def _job_problems(
    instance: Instance, j: int, seen: dict[tuple[int, int], ScheduledOp]
) -> list[str]:
    """Job ``j``: missing operations, start before release, order, end after deadline."""
    out: list[str] = []
    job = instance.jobs[j]
    for k in range(len(job.operations)):
        if (j, k) not in seen:
            out.append(f"job {j} op {k} is not scheduled")
    first = seen.get((j, 0))
    if first is not None and first.start < job.release:
        out.append(f"job {j} starts at {first.start} before its release {job.release}")
    for k in range(1, len(job.operations)):
        a, b = seen.get((j, k - 1)), seen.get((j, k))
        if a is not None and b is not None and b.start < a.end:
            out.append(f"job {j} op {k} starts at {b.start} before op {k - 1} ends at {a.end}")
    last = seen.get((j, len(job.operations) - 1))
    if job.deadline is not None and last is not None and last.end > job.deadline:
        out.append(f"job {j} ends at {last.end} after its deadline {job.deadline}")
    return out


def _by_machine(schedule: Schedule) -> dict[int, list[ScheduledOp]]:
    """Every scheduled operation (known or not) per machine, by start and end."""
    by_machine: dict[int, list[ScheduledOp]] = {}
    for o in schedule.operations:
        by_machine.setdefault(o.machine, []).append(o)
    for ops in by_machine.values():
        ops.sort(key=lambda o: (o.start, o.end))
    return by_machine


def _machine_problems(instance: Instance, m: int, ops: list[ScheduledOp]) -> list[str]:
    """Machine ``m``: overlaps, setups too short, operations during downtime."""
    out: list[str] = []
    for a, b in zip(ops, ops[1:], strict=False):
        gap = _setup(instance, m, a.job, b.job)
        if b.start < a.end:
            out.append(
                f"machine {m}: job {a.job} op {a.op} [{a.start}, {a.end}) overlaps "
                f"job {b.job} op {b.op} [{b.start}, {b.end})"
            )
        elif b.start < a.end + gap:
            out.append(
                f"machine {m}: job {b.job} op {b.op} starts at {b.start}, but the "
                f"setup after job {a.job} needs it to wait until {a.end + gap}"
            )
    for w in instance.unavailability:
        if w.machine != m:
            continue
        for o in ops:
            if o.start < w.end and w.start < o.end:
                out.append(
                    f"machine {m}: job {o.job} op {o.op} [{o.start}, {o.end}) runs "
                    f"while the machine is unavailable [{w.start}, {w.end})"
                )
    return out


def _setup(instance: Instance, m: int, a: int, b: int) -> int:
    """The setup on machine ``m`` from job ``a`` to job ``b`` (0 for unknown jobs)."""
    known = 0 <= a < instance.num_jobs and 0 <= b < instance.num_jobs
    return instance.setup(m, a, b) if known and m in instance.setups else 0


def check(instance: Instance, schedule: Schedule) -> None:
    """Raise :class:`ScheduleError` listing the violations when ``schedule`` is not valid."""
    found = violations(instance, schedule)
    if found:
        shown = "; ".join(found[:_MAX_SHOWN])
        more = f" (and {len(found) - _MAX_SHOWN} more)" if len(found) > _MAX_SHOWN else ""
        raise ScheduleError(
            f"schedule is not valid for instance {instance.name}: {len(found)} violation(s): "
            f"{shown}{more}",
            found,
        )
