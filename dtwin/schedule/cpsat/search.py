"""How dtwin searches its CP-SAT model: phases, hints, time limits and the warm-start fallback.

The search runs the phases of :class:`~dtwin.schedule.cpsat.settings.SolverSettings` one after
the other, each hinted with the best plan so far, and keeps the best; when CP-SAT finds nothing
better than the warm start within the time limit, the warm start is the answer.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from dtwin.errors import ScheduleError
from dtwin.schedule.cpsat.settings import Phase
from dtwin.schedule.cpsat.variables import OperationVars, Pinned
from dtwin.schedule.instance import Instance
from dtwin.schedule.solution import Objective, Schedule, ScheduledOp, evaluate


@dataclass(frozen=True)
class Clock:
    """The clock time limits are measured with: wall-clock seconds, or with ``cpu_time``
    this process's CPU seconds per worker."""

    workers: int
    cpu_time: bool = False

    def now(self) -> float:
        """Seconds on this clock."""
        return time.process_time() / self.workers if self.cpu_time else time.perf_counter()

    @contextmanager
    def stop_at(self, solver: Any, deadline: float) -> Iterator[None]:
        """In CPU-time mode, stop ``solver`` once :meth:`now` passes ``deadline``."""
        if not self.cpu_time:
            yield
            return
        done = threading.Event()

        def watch() -> None:
            while not done.wait(0.01):
                if self.now() >= deadline:
                    solver.StopSearch()
                    return

        thread = threading.Thread(target=watch, daemon=True)
        thread.start()
        try:
            yield
        finally:
            done.set()
            thread.join()


def configure(
    solver: Any, time_limit: float, clock: Clock, seed: int, params: dict[str, Any]
) -> None:
    """Set the time limit, workers, seed and extra parameters of a ``CpSolver``."""
    wall = max(time_limit, 0.05)
    # in CPU-time mode the watchdog of Clock.stop_at stops the search; the wall limit is a backstop
    solver.parameters.max_time_in_seconds = wall * 100 if clock.cpu_time else wall
    solver.parameters.num_workers = clock.workers
    solver.parameters.random_seed = seed
    for name, value in params.items():
        if isinstance(value, list | tuple):  # repeated fields (e.g. ignore_subsolvers)
            repeated = getattr(solver.parameters, name)
            del repeated[:]
            repeated.extend(value)
        else:
            setattr(solver.parameters, name, value)


def hint(model: Any, v: OperationVars, sched: Schedule, pinned: Pinned) -> None:
    """Hint every free operation's start, end and machine from ``sched``."""
    for o in sched.operations:
        key = (o.job, o.op)
        if key not in v.start or key in pinned.fixed:
            continue
        model.AddHint(v.start[key], o.start)
        model.AddHint(v.end[key], o.end)
        for m, lit in v.choice[key].items():
            if lit is not True:
                model.AddHint(lit, int(m == o.machine))


@dataclass
class Found:
    """The best plan of a search, its objective value and bound."""

    ops: list[ScheduledOp]
    objective: float
    bound: float
    status: str


class PhasedSearch:
    """Runs CP-SAT on a model in phases; keeps the best plan found."""

    def __init__(
        self,
        model: Any,
        v: OperationVars,
        pinned: Pinned,
        clock: Clock,
        seed: int,
        params: dict[str, Any],
        phases: Sequence[Phase],
        initial: Schedule | None = None,
    ) -> None:
        self.model, self.v, self.pinned = model, v, pinned
        self.clock, self.seed, self.params = clock, seed, params
        self.initial = initial
        self.phases = phases
        self.last_status: int = -1

    def solve(self, deadline: float) -> Found | None:
        """Minimise the model's objective until ``deadline`` (on :attr:`clock`)."""
        from ortools.sat.python import cp_model

        best: Found | None = None
        total = max(deadline - self.clock.now(), 0.05)
        for phase in self.phases:
            left = deadline - self.clock.now()
            budget = left if phase.share >= 1 else min(left, phase.share * total)
            if budget <= 0.01 and best is not None:
                break
            found = self._run_phase(phase, budget, best)
            if found is None:
                if self.last_status == cp_model.INFEASIBLE:
                    return None
                continue
            best = _keep_better(best, found)
            if best.objective <= best.bound + 1e-9:
                best.status = "OPTIMAL"
                break
        return best

    def rehint(self, found: Found) -> None:
        """Start the next :meth:`solve` from a found solution."""
        self.initial = Schedule(found.ops)

    def _run_phase(self, phase: Phase, budget: float, best: Found | None) -> Found | None:
        """One CP-SAT run of ``budget`` seconds, hinted (if the phase says so) from ``best``."""
        from ortools.sat.python import cp_model

        self.model.ClearHints()
        if phase.hint:
            start = Schedule(best.ops) if best is not None else self.initial
            if start is not None:
                hint(self.model, self.v, start, self.pinned)
        solver = cp_model.CpSolver()
        configure(solver, budget, self.clock, self.seed, {**phase.parameters, **self.params})
        with self.clock.stop_at(solver, self.clock.now() + budget):
            status = solver.Solve(self.model)
        self.last_status = status
        if status not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
            return None
        ops = self._ops(solver)
        return Found(ops, solver.ObjectiveValue(), solver.BestObjectiveBound(), "FEASIBLE")

    def _ops(self, solver: Any) -> list[ScheduledOp]:
        v = self.v
        ops = []
        for (j, o), s in v.start.items():
            machine = next(
                m for m, lit in v.choice[j, o].items() if lit is True or solver.BooleanValue(lit)
            )
            ops.append(ScheduledOp(j, o, machine, solver.Value(s), solver.Value(v.end[j, o])))
        return ops


def _keep_better(best: Found | None, found: Found) -> Found:
    """The better of two plans; the bound is the best of both."""
    if best is None:
        return found
    found.bound = max(found.bound, best.bound)
    if found.objective <= best.objective:
        return found
    best.bound = found.bound
    return best


def fallback(
    instance: Instance, start: Schedule, obj: Objective, t0: float, bound: float | None = None
) -> Schedule:
    """The warm start, returned when CP-SAT found nothing better within the time limit."""
    return Schedule(
        list(start.operations),
        obj.label,
        evaluate(instance, start, obj),
        bound,
        "FEASIBLE",
        time.perf_counter() - t0,
        f"warm start ({start.method})",
    )


def failure(inst: Instance, status: int, time_limit: float) -> ScheduleError:
    """The error for a CP-SAT run that ended with ``status`` and no schedule."""
    from ortools.sat.python import cp_model

    if status == cp_model.INFEASIBLE:
        return ScheduleError(
            f"instance {inst.name} is infeasible (e.g. a deadline that cannot "
            "be met, or a release after a deadline)"
        )
    if status == cp_model.MODEL_INVALID:
        return ScheduleError(f"instance {inst.name}: CP-SAT rejected the model")
    return ScheduleError(
        f"instance {inst.name}: no schedule found within {time_limit:.1f} s; raise the time limit"
    )
