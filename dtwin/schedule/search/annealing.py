"""Simulated annealing on the critical-block neighbourhood (after van Laarhoven et al., 1992).

Each step draws a random N7 move, accepts it by the Metropolis rule on its estimated change
of the makespan, and only an accepted move is applied and evaluated exactly (so rejected
steps cost a few list reads). The temperature falls geometrically from ``t0`` to ``t1`` times
the start's makespan over the budget (by steps when the iterations are capped, by the clock
otherwise); after ``patience`` accepted moves without a new best the walk starts again from
the best solution.
"""

from __future__ import annotations

import math
import random

from dtwin.schedule.search.budget import Budget
from dtwin.schedule.search.graph import Graph
from dtwin.schedule.search.moves import n7


def anneal(
    start: Graph,
    budget: Budget,
    rng: random.Random,
    t0: float = 0.01,
    t1: float = 0.0005,
    patience: int = 5000,
    target: int = 0,
) -> tuple[Graph, int]:
    """Improve ``start`` (left unchanged); returns the best graph and the steps taken."""
    g = start.copy()
    best = g.copy()
    hot, cold = t0 * start.makespan, max(t1 * start.makespan, 1e-9)
    began, total = budget.now(), budget.left()
    moves = n7(g)
    it = stale = 0
    temp = hot
    while moves and not budget.over(it) and best.makespan > target:
        it += 1
        if it % 64 == 1:
            temp = hot * (cold / hot) ** budget.fraction(it, began, total)
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
