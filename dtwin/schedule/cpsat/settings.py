"""How CP-SAT searches: run parameters, the search phases and the limits CP-SAT can take.

Everything a caller may change is an explicit, frozen :class:`SolverSettings` passed to
:func:`dtwin.schedule.solve` (the benchmarks pass their ablations and CPU-time mode this way);
nothing here is meant to be changed from outside.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any

from dtwin.cli_params import SEED_MAX
from dtwin.errors import ScheduleError

# Search parameters for every phase: drop the generic helpers (RINS, feasibility pump and
# jump, violation local search) so the large-neighbourhood-search thread spends its time on
# the scheduling neighbourhoods (time windows, machine windows, precedences, intervals).
TUNED_PARAMETERS: Mapping[str, Any] = MappingProxyType(
    {
        "use_rins_lns": False,
        "use_feasibility_pump": False,
        "use_feasibility_jump": False,
        "num_violation_ls": 0,
    }
)

# run parameters CP-SAT takes: random_seed (SEED_MAX, shared with the CLI's --seed) and
# num_workers are 32-bit integers
MAX_WORKERS = 256
MAX_TIME_LIMIT = 86_400.0  # seconds (a day)


def _is_real(value: object) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value)


def _is_whole(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


@dataclass(frozen=True)
class Phase:
    """One stage of the search: run until ``share`` of the time limit has passed.

    ``share`` of 1 means the rest of the time. With ``hint`` the phase starts from the best
    plan so far (or the warm start); without, it searches on its own (a hint can mislead a
    complete search). ``parameters`` are CP-SAT parameters for this phase only.
    """

    share: float
    parameters: Mapping[str, Any] = field(default_factory=dict)
    hint: bool = True

    def __post_init__(self) -> None:
        if not (_is_real(self.share) and 0 < self.share <= 1):
            raise ScheduleError(f"phase share must be in (0, 1], got {self.share!r}")
        # read-only, so that a shared default cannot be changed from outside
        object.__setattr__(self, "parameters", MappingProxyType(dict(self.parameters)))


# A short complete search that proves small instances optimal, then the rest of the time
# large-neighbourhood search on both workers, starting from the best plan so far. Measured
# against one default phase in benchmarks/scheduling.py.
PHASES: tuple[Phase, ...] = (Phase(0.15), Phase(1.0, {"use_lns_only": True}))
# Up to SMALL_OPERATIONS operations, the first phase is an interleaved search instead: CP-SAT
# runs its whole portfolio of subsolvers in turns on the workers. Measured (10 s, 2 workers):
# ft10's optimum in every seed (two-phase: 19 of 24 runs); interleaving all the time loses ft20
# in some seeds and falls behind on la26-la30 (200 operations).
SMALL_PHASES: tuple[Phase, ...] = (
    Phase(0.75, {"interleave_search": True}),
    Phase(1.0, {"use_lns_only": True}),
)
SMALL_OPERATIONS = 150


@dataclass(frozen=True)
class SolverSettings:
    """How :func:`dtwin.schedule.solve` searches; the defaults are the measured best.

    Parameters
    ----------
    phases, small_phases
        The search phases for instances above / up to ``small_operations`` operations.
    cpu_time
        Count a time limit as CPU time per worker (a 10 s limit on 2 workers stops after
        20 CPU-seconds of this process) instead of wall-clock time: fair figures on a shared
        machine (benchmarks); a watchdog thread stops the search.
    """

    phases: tuple[Phase, ...] = PHASES
    small_phases: tuple[Phase, ...] = SMALL_PHASES
    small_operations: int = SMALL_OPERATIONS
    cpu_time: bool = False

    def __post_init__(self) -> None:
        for name in ("phases", "small_phases"):
            phases = getattr(self, name)
            if not phases or not all(isinstance(p, Phase) for p in phases):
                raise ScheduleError(f"{name} must be a non-empty tuple of Phase, got {phases!r}")

    def phases_for(self, num_operations: int) -> tuple[Phase, ...]:
        """The phases for an instance of ``num_operations`` operations."""
        return self.small_phases if num_operations <= self.small_operations else self.phases


DEFAULT_SETTINGS = SolverSettings()


def check_run_parameters(time_limit: float, workers: int, seed: int) -> None:
    """Refuse a time limit, worker count or seed that CP-SAT cannot take (NaN included)."""
    problems = []
    if not (_is_real(time_limit) and 0 < time_limit <= MAX_TIME_LIMIT):
        problems.append(f"need time_limit > 0 and <= {MAX_TIME_LIMIT:g} s, got {time_limit!r}")
    if not (_is_whole(workers) and 1 <= workers <= MAX_WORKERS):
        problems.append(f"need workers >= 1 and <= {MAX_WORKERS}, got {workers!r}")
    if not (_is_whole(seed) and 0 <= seed <= SEED_MAX):
        problems.append(f"need a seed in 0..{SEED_MAX} (CP-SAT's is 32-bit), got {seed!r}")
    if problems:
        raise ScheduleError("; ".join(problems))
