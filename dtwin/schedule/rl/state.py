"""One job-shop schedule under construction, one operation at a time (no gymnasium, no torch).

The candidates are the next operations of the unfinished jobs. As in the *active*
(Giffler-Thompson) dispatching rules of :mod:`dtwin.schedule.rules`, the machine ``m*`` that
could finish some candidate earliest (time ``c``) is the one to load next, and the *eligible*
jobs are those whose next operation could start on ``m*`` before ``c``: whatever is chosen, the
schedule stays active, so every rule's schedule (and the optimum's ordering) stays reachable.
Release dates, setup times and unavailability windows are respected as the rules do; in a
flexible shop the chosen job runs on ``m*``.

The lower bound on the final makespan is the larger of the job bound (ready time plus the
remaining shortest durations) and the machine bound (ready time plus the work that can only
run there); it equals the makespan when the last operation is placed.
"""

from __future__ import annotations

from dataclasses import dataclass

from dtwin.errors import ScheduleError
from dtwin.schedule.instance import Downtime, Instance
from dtwin.schedule.rules import earliest_fit
from dtwin.schedule.solution import ScheduledOp


@dataclass(frozen=True)
class Candidate:
    """Job ``job``'s next operation could run on ``machine`` in ``[start, end)``."""

    job: int
    machine: int
    start: int
    end: int


class ConstructionState:
    """Active-schedule construction: :meth:`eligible` jobs, :meth:`dispatch` one of them."""

    def __init__(self, instance: Instance) -> None:
        self.instance = instance
        n, m = instance.num_jobs, instance.num_machines
        self.windows: dict[int, list[Downtime]] = {}
        for w in sorted(instance.unavailability, key=lambda w: w.start):
            self.windows.setdefault(w.machine, []).append(w)
        self.next_op = [0] * n
        self.job_ready = [job.release for job in instance.jobs]
        self.machine_ready = [0] * m
        self.machine_last: list[int | None] = [None] * m
        self.work = [sum(op.min_duration for op in job.operations) for job in instance.jobs]
        self.only_load = [0] * m  # work that can only run on the machine, not yet scheduled
        self.load = [0.0] * m  # remaining work per machine, a flexible op split over its options
        for job in instance.jobs:
            for op in job.operations:
                if len(op.options) == 1:
                    self.only_load[op.options[0].machine] += op.options[0].duration
                for opt in op.options:
                    self.load[opt.machine] += opt.duration / len(op.options)
        self.scheduled: list[ScheduledOp] = []
        self.total_ops = instance.num_operations
        self._refresh()

    @property
    def done(self) -> bool:
        """True when every operation is scheduled."""
        return len(self.scheduled) == self.total_ops

    def lower_bound(self) -> int:
        """A lower bound on the makespan of any completion of this partial schedule."""
        jobs = max(r + w for r, w in zip(self.job_ready, self.work, strict=True))
        machines = max(r + w for r, w in zip(self.machine_ready, self.only_load, strict=True))
        return max(jobs, machines)

    def option(self, job: int) -> Candidate | None:
        """The earliest-finishing way to run ``job``'s next operation (None when done)."""
        return self._best.get(job)

    def eligible(self) -> dict[int, Candidate]:
        """The jobs that may be dispatched now, with where and when they would run."""
        return self._eligible

    def dispatch(self, job: int) -> ScheduledOp:
        """Schedule ``job``'s next operation on the machine of the conflict; ScheduleError if
        the job is not eligible."""
        cand = self._eligible.get(job)
        if cand is None:
            raise ScheduleError(f"job {job} is not eligible now; valid: {sorted(self._eligible)}")
        inst = self.instance
        op = inst.jobs[job].operations[self.next_op[job]]
        placed = ScheduledOp(job, self.next_op[job], cand.machine, cand.start, cand.end)
        self.scheduled.append(placed)
        self.job_ready[job] = self.machine_ready[cand.machine] = cand.end
        self.machine_last[cand.machine] = job
        self.work[job] -= op.min_duration
        if len(op.options) == 1:
            self.only_load[cand.machine] -= op.options[0].duration
        for opt in op.options:
            self.load[opt.machine] -= opt.duration / len(op.options)
        self.next_op[job] += 1
        self._refresh()
        return placed

    def _start(self, job: int, machine: int, duration: int) -> int:
        last = self.machine_last[machine]
        ready = self.machine_ready[machine]
        if last is not None:
            ready += self.instance.setup(machine, last, job)
        return earliest_fit(
            max(self.job_ready[job], ready), duration, self.windows.get(machine, [])
        )

    def _refresh(self) -> None:
        """Recompute every job's candidates, the conflict machine and the eligible jobs."""
        inst = self.instance
        cands: list[Candidate] = []
        self._best: dict[int, Candidate] = {}
        for j, job in enumerate(inst.jobs):
            if self.next_op[j] == len(job.operations):
                continue
            for opt in job.operations[self.next_op[j]].options:
                s = self._start(j, opt.machine, opt.duration)
                cand = Candidate(j, opt.machine, s, s + opt.duration)
                cands.append(cand)
                best = self._best.get(j)
                if best is None or (cand.end, cand.start) < (best.end, best.start):
                    self._best[j] = cand
        self._eligible = {}
        if not cands:
            return
        first = min(cands, key=lambda x: (x.end, x.start, x.job))
        self.conflict_machine, self.conflict_end = first.machine, first.end
        for cand in cands:
            if cand.machine == first.machine and cand.start < first.end:
                self._eligible[cand.job] = cand
