"""How long a metaheuristic may run: a wall-clock deadline, an iteration cap, or both.

With an iteration cap alone a run is exactly reproducible from its seed; with a time limit it
stops wherever the clock runs out, so the result depends on the machine's speed and load (the
same seed still takes the same steps, only more or fewer of them).
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass

from dtwin.errors import ScheduleError

MAX_ITERATIONS = 10**9


@dataclass(frozen=True)
class Budget:
    """Stop at ``deadline`` (on :meth:`now`; ``inf`` for none) or after ``iterations`` steps
    (``None`` for no cap), whichever comes first. ``cpu_workers`` > 0 measures time as this
    process's CPU seconds divided by ``cpu_workers``; 0 measures wall-clock seconds."""

    deadline: float = math.inf
    iterations: int | None = None
    cpu_workers: int = 0

    def now(self) -> float:
        """Seconds on this budget's clock."""
        if self.cpu_workers:
            return time.process_time() / self.cpu_workers
        return time.monotonic()

    @staticmethod
    def of(time_limit: float | None, iterations: int | None = None, cpu_workers: int = 0) -> Budget:
        """A budget from now: ``time_limit`` seconds (``None``: no limit) and/or a step cap."""
        if time_limit is None and iterations is None:
            raise ScheduleError("a search needs a time limit or an iteration cap")
        if iterations is not None and not (
            isinstance(iterations, int) and 1 <= iterations <= MAX_ITERATIONS
        ):
            raise ScheduleError(f"need iterations in 1..{MAX_ITERATIONS}, got {iterations!r}")
        if time_limit is not None and not (
            isinstance(time_limit, int | float) and math.isfinite(time_limit) and time_limit > 0
        ):
            raise ScheduleError(f"need a time limit > 0 s, got {time_limit!r}")
        clock = Budget(cpu_workers=cpu_workers)
        deadline = math.inf if time_limit is None else clock.now() + time_limit
        return Budget(deadline, iterations, cpu_workers)

    def after(self, seconds: float, iterations: int | None = None) -> Budget:
        """A budget on the same clock that ends ``seconds`` from now (no later than this one)."""
        return Budget(min(self.now() + seconds, self.deadline), iterations, self.cpu_workers)

    def over(self, iteration: int) -> bool:
        """True once ``iteration`` steps are done or the deadline has passed."""
        if self.iterations is not None and iteration >= self.iterations:
            return True
        return self.now() >= self.deadline

    def left(self) -> float:
        """Seconds to the deadline (``inf`` without one)."""
        return self.deadline - self.now()

    def fraction(self, iteration: int, start: float, total: float) -> float:
        """How much of the budget is spent, in [0, 1]: by iterations when capped, else by
        the clock (``start`` and ``total`` seconds)."""
        if self.iterations is not None:
            return min(iteration / self.iterations, 1.0)
        if not math.isfinite(total) or total <= 0:
            return 0.0
        return min((self.now() - start) / total, 1.0)
