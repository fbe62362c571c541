"""An independent validator: does a schedule respect every rule of its instance?

It shares no code with the solver or the rules on purpose, so that a bug there cannot hide.
"""

from __future__ import annotations

from dtwin.errors import ScheduleError
from dtwin.schedule.instance import Instance
from dtwin.schedule.solution import Schedule, ScheduledOp

_MAX_SHOWN = 5


def violations(instance: Instance, schedule: Schedule) -> list[str]:
    """Every violation of ``instance`` by ``schedule``, one short sentence each."""
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
    for j, job in enumerate(instance.jobs):
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
    by_machine: dict[int, list[ScheduledOp]] = {}
    for o in schedule.operations:
        by_machine.setdefault(o.machine, []).append(o)
    for m, ops in sorted(by_machine.items()):
        ops.sort(key=lambda o: (o.start, o.end))
        for a, b in zip(ops, ops[1:], strict=False):
            gap = (
                instance.setup(m, a.job, b.job)
                if 0 <= a.job < instance.num_jobs
                and 0 <= b.job < instance.num_jobs
                and m in instance.setups
                else 0
            )
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
