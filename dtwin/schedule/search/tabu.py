"""Tabu search on the critical-block neighbourhood (N7, or N5), in the manner of TSAB.

Each step takes the move of the best estimate that is not tabu (a tabu move only when it
would beat the best makespan so far), applies it and evaluates the graph exactly. A move
forbids, for a random tenure around ``10 + jobs / machines`` steps, putting back the orders it
reversed. After ``patience`` steps without a new best, the search goes back to the best
solution and walks a few random N5 swaps away from it (a perturbation that grows while the
search stays stuck).
"""

from __future__ import annotations

import random

from dtwin.schedule.search.budget import Budget
from dtwin.schedule.search.graph import Graph
from dtwin.schedule.search.moves import Move, n5, n7

NEIGHBOURHOODS = {"n5": n5, "n7": n7}


def tabu_search(
    start: Graph,
    budget: Budget,
    rng: random.Random,
    neighbourhood: str = "n7",
    patience: int | None = None,
    target: int = 0,
) -> tuple[Graph, int]:
    """Improve ``start`` (left unchanged) until ``budget`` runs out or ``target`` is reached.

    Returns the best graph found and the number of steps taken.
    """
    moves_of = NEIGHBOURHOODS[neighbourhood]
    shop = start.shop
    jobs, machines = shop.instance.num_jobs, shop.instance.num_machines
    tenure = 10 + jobs // machines
    patience = patience or 40 * (jobs + machines)
    g = start.copy()
    best = g.copy()
    tabu: dict[tuple[int, int], int] = {}
    it = stuck = kicks = 0
    while not budget.over(it) and best.makespan > target:
        it += 1
        moves = moves_of(g) or n7(g)  # N5 is empty on a single block, which releases can delay
        if not moves:  # the critical path is one job from its release: optimal
            break
        move = _choose(moves, tabu, it, best.makespan, rng)
        g.reorder(move.machine, move.lo, move.segment)
        expiry = it + rng.randint(tenure, tenure + tenure // 2 + 1)
        for pair in move.pairs:
            tabu[pair] = expiry
        if g.makespan < best.makespan:
            best, stuck, kicks = g.copy(), 0, 0
            continue
        stuck += 1
        if stuck >= patience:
            kicks += 1
            g = perturb(best, rng, 2 + kicks)
            tabu.clear()
            stuck = 0
    return best, it


def _choose(
    moves: list[Move], tabu: dict[tuple[int, int], int], it: int, best: int, rng: random.Random
) -> Move:
    """The best allowed move by estimate (ties at random); a random one if all are tabu."""
    chosen: Move | None = None
    ties = 0
    for move in moves:
        forbidden = any(tabu.get((b, a), 0) > it for a, b in move.pairs)
        if forbidden and move.estimate >= best:
            continue
        if chosen is None or move.estimate < chosen.estimate:
            chosen, ties = move, 1
        elif move.estimate == chosen.estimate:
            ties += 1
            if rng.randrange(ties) == 0:
                chosen = move
    return chosen if chosen is not None else moves[rng.randrange(len(moves))]


def perturb(g: Graph, rng: random.Random, steps: int) -> Graph:
    """A copy of ``g`` after ``steps`` random N5 swaps (fewer where none is left)."""
    out = g.copy()
    for _ in range(steps):
        moves = n5(out) or n7(out)
        if not moves:
            break
        move = moves[rng.randrange(len(moves))]
        out.reorder(move.machine, move.lo, move.segment)
    return out
