"""Dispatching rules: build an active (Giffler-Thompson) or non-delay schedule in milliseconds.

At each step the next operation of every job is a candidate. The *active* generator takes the
machine that could finish a candidate earliest (time ``c``) and lets the rule choose among
the candidates that could start there before ``c``; the *non-delay* generator takes the
earliest possible start ``t`` and lets the rule choose among those that could start at ``t``.
Release dates, setup times and unavailability windows are respected; deadlines are not
(the checker reports a rule schedule that misses one).
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable

from dtwin.errors import ScheduleError
from dtwin.schedule.instance import Downtime, Instance
from dtwin.schedule.solution import Schedule, ScheduledOp, evaluate

RULES = ("SPT", "LPT", "MWKR", "MOR", "EDD", "FIFO")
MODES = ("active", "nondelay")

# (instance, job, op, duration on the chosen machine, remaining work, ready time) -> priority
_Priority = Callable[[Instance, int, int, int, int, int], tuple[float, ...]]

_PRIORITIES: dict[str, _Priority] = {
    "SPT": lambda inst, j, o, d, work, ready: (d,),
    "LPT": lambda inst, j, o, d, work, ready: (-d,),
    "MWKR": lambda inst, j, o, d, work, ready: (-work,),
    "MOR": lambda inst, j, o, d, work, ready: (o - len(inst.jobs[j].operations),),
    "EDD": lambda inst, j, o, d, work, ready: (
        inst.jobs[j].due if inst.jobs[j].due is not None else math.inf,
        d,
    ),
    "FIFO": lambda inst, j, o, d, work, ready: (ready,),
}


def dispatch(
    instance: Instance, rule: str = "SPT", mode: str = "active", objective: str = "makespan"
) -> Schedule:
    """Build a schedule with a dispatching rule (SPT, LPT, MWKR, MOR, EDD, FIFO)."""
    key = rule.upper()
    if key not in _PRIORITIES:
        raise ScheduleError(f"unknown dispatching rule {rule!r}; valid: {', '.join(RULES)}")
    if mode not in MODES:
        raise ScheduleError(f"unknown schedule mode {mode!r}; valid: {', '.join(MODES)}")
    t0 = time.perf_counter()
    ops = _generate(instance, _PRIORITIES[key], mode == "active")
    sched = Schedule(ops, objective=objective, status="FEASIBLE", method=f"{key}/{mode}")
    sched.value = evaluate(instance, sched, objective)
    sched.solve_seconds = time.perf_counter() - t0
    return sched


def best_rule(
    instance: Instance,
    objective: str = "makespan",
    rules: tuple[str, ...] = RULES,
    modes: tuple[str, ...] = MODES,
) -> Schedule:
    """The best schedule over the given rules and modes (ties: first in order)."""
    best: Schedule | None = None
    for mode in modes:
        for rule in rules:
            cand = dispatch(instance, rule, mode, objective)
            if best is None or cand.value < best.value:
                best = cand
    assert best is not None
    return best


def earliest_fit(start: int, duration: int, windows: list[Downtime]) -> int:
    """First time ``>= start`` at which ``[t, t + duration)`` avoids every window (sorted)."""
    t = start
    for w in windows:
        if t + duration <= w.start:
            break
        if t < w.end:
            t = w.end
    return t


def _generate(inst: Instance, priority: _Priority, active: bool) -> list[ScheduledOp]:
    n = inst.num_jobs
    windows: dict[int, list[Downtime]] = {}
    for w in sorted(inst.unavailability, key=lambda w: w.start):
        windows.setdefault(w.machine, []).append(w)
    nxt = [0] * n
    job_ready = [job.release for job in inst.jobs]
    mach_ready = [0] * inst.num_machines
    mach_last: list[int | None] = [None] * inst.num_machines
    work = [sum(op.min_duration for op in job.operations) for job in inst.jobs]
    out: list[ScheduledOp] = []
    while True:
        # every (job, machine) option of the next operations: (start, end, job, machine, dur)
        cands = []
        for j in range(n):
            if nxt[j] == len(inst.jobs[j].operations):
                continue
            for opt in inst.jobs[j].operations[nxt[j]].options:
                m, d = opt.machine, opt.duration
                last = mach_last[m]
                ready = mach_ready[m] + (inst.setup(m, last, j) if last is not None else 0)
                s = earliest_fit(max(job_ready[j], ready), d, windows.get(m, []))
                cands.append((s, s + d, j, m, d))
        if not cands:
            return out
        if active:
            _, c, _, m_star, _ = min(cands, key=lambda x: (x[1], x[0], x[2]))
            conflict = [x for x in cands if x[3] == m_star and x[0] < c]
        else:
            t, _, _, m_star, _ = min(cands, key=lambda x: (x[0], x[1], x[2]))
            conflict = [x for x in cands if x[3] == m_star and x[0] == t]
        s, e, j, m, d = min(
            conflict,
            key=lambda x: (
                *priority(inst, x[2], nxt[x[2]], x[4], work[x[2]], job_ready[x[2]]),
                x[2],
            ),
        )
        out.append(ScheduledOp(j, nxt[j], m, s, e))
        job_ready[j] = mach_ready[m] = e
        mach_last[m] = j
        work[j] -= inst.jobs[j].operations[nxt[j]].min_duration
        nxt[j] += 1
