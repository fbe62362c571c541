"""Simulated annealing on the critical-block neighbourhood (after van Laarhoven et al., 1992).

Each step draws a random N7 move, accepts it by the Metropolis rule on its estimated change
of the makespan, and only an accepted move is applied and evaluated exactly (so rejected
steps cost a few list reads).

The temperatures come from the instance, not from constants: the start's neighbourhood (and
that of a short random walk from it) gives the mean estimated rise of an uphill move, and the
hottest and coldest temperatures are those at which such a rise is accepted with probability
``accept_hot`` and ``accept_cold`` (Johnson et al., 1989). The budget (steps when the iterations
are capped, the clock otherwise) is cut into ``cycles`` equal annealing cycles; each starts from
the best solution so far and cools geometrically to the coldest temperature, the first from the
hottest and each later one from a lower reheat (geometric between ``accept_hot`` and
``accept_cold``: later cycles refine the best solution rather than leave it). Within a cycle,
``patience`` accepted moves without a new best send the walk back to the best solution.
"""

from __future__ import annotations

import math
import random

from dtwin.errors import ScheduleError
from dtwin.schedule.search.budget import Budget
from dtwin.schedule.search.graph import Graph
from dtwin.schedule.search.moves import n7

PROBE_STEPS = 20  # random-walk steps whose neighbourhoods calibrate the temperatures


def anneal(
    start: Graph,
    budget: Budget,
    rng: random.Random,
    accept_hot: float = 0.6,
    accept_cold: float = 0.001,
    cycles: int = 4,
    patience: int | None = None,
    target: int = 0,
) -> tuple[Graph, int]:
    """Improve ``start`` (left unchanged); returns the best graph and the steps taken.

    Raises ScheduleError unless 0 < ``accept_cold`` < ``accept_hot`` < 1 and ``cycles`` >= 1.
    """
    if not (0.0 < accept_cold < accept_hot < 1.0 and isinstance(cycles, int) and cycles >= 1):
        raise ScheduleError(
            "annealing needs 0 < accept_cold < accept_hot < 1 and cycles >= 1, got "
            f"accept_cold={accept_cold!r}, accept_hot={accept_hot!r}, cycles={cycles!r}"
        )
    shop = start.shop
    patience = patience or 200 * (shop.instance.num_jobs + shop.instance.num_machines)
    rise = uphill_rise(start, rng)
    hot, cold = -rise / math.log(accept_hot), -rise / math.log(accept_cold)
    g = start.copy()
    best = g.copy()
    began, total = budget.now(), budget.left()
    moves = n7(g)
    it = stale = 0
    cycle, temp = 0, hot
    while moves and not budget.over(it) and best.makespan > target:
        it += 1
        if it % 64 == 1:
            now = budget.fraction(it, began, total) * cycles
            if int(now) > cycle and int(now) < cycles:
                cycle, stale = int(now), 0
                g = best.copy()
                moves = n7(g)
            temp = _temperature(hot, cold, cycle, cycles, now - cycle)
        move = moves[rng.randrange(len(moves))]
        delta = move.estimate - g.makespan
        if delta > 0 and rng.random() >= math.exp(-delta / temp):
            continue
        g.reorder(move.machine, move.lo, move.segment)
        if g.makespan < best.makespan:
            best, stale = g.copy(), 0
        else:
            stale += 1
            if stale >= patience:
                g, stale = best.copy(), 0
        moves = n7(g)
    return best, it


def _temperature(hot: float, cold: float, cycle: int, cycles: int, within: float) -> float:
    """Cycle ``cycle`` (of ``cycles``) starts at a reheat between ``hot`` and ``cold``
    (geometric in the cycle's index) and cools geometrically to ``cold``; ``within`` in [0, 1]."""
    top = hot * (cold / hot) ** (cycle / cycles)
    return top * (cold / top) ** min(max(within, 0.0), 1.0)


def uphill_rise(start: Graph, rng: random.Random, steps: int = PROBE_STEPS) -> float:
    """The mean estimated makespan rise of the uphill N7 moves around ``start`` and along a
    random walk of ``steps`` moves from it (1.0 where no move goes uphill)."""
    g = start.copy()
    rises: list[int] = []
    for _ in range(steps):
        moves = n7(g)
        if not moves:
            break
        rises.extend(m.estimate - g.makespan for m in moves if m.estimate > g.makespan)
        move = moves[rng.randrange(len(moves))]
        g.reorder(move.machine, move.lo, move.segment)
    return sum(rises) / len(rises) if rises else 1.0
