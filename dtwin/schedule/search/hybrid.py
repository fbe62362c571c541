"""CP-SAT and tabu search cooperating on one budget, in rounds.

In each round CP-SAT (``workers - 1`` threads of its own, from C++, so it runs beside Python)
searches dtwin's model hinted with the best plan so far, its horizon cut to that plan's
makespan, while the tabu search (the other worker, in this thread) improves the same plan. At
the end of a round the better of the two becomes the start of both in the next: the tabu
search climbs out of CP-SAT's incumbents along critical blocks, and CP-SAT's
large-neighbourhood search re-optimises windows of what the tabu search found. With one
worker the two take turns instead.
"""

from __future__ import annotations

import random
import threading
from dataclasses import dataclass, field

from dtwin.schedule.search.budget import Budget
from dtwin.schedule.search.graph import Graph, Shop
from dtwin.schedule.search.tabu import tabu_search
from dtwin.schedule.solution import Schedule, ScheduledOp

ROUND_SECONDS = 2.0  # a round's length (shorter at the end of the budget)
CPSAT_PARAMETERS = {"use_lns_only": True}


@dataclass
class Incumbent:
    """The best plan CP-SAT reported in a round (filled from its solution callback)."""

    makespan: int | None = None
    ops: list[ScheduledOp] = field(default_factory=list)
    proven: bool = False  # CP-SAT proved the plan optimal


def cpsat_round(shop: Shop, best: Graph, budget: Budget, workers: int, seed: int) -> Incumbent:
    """One CP-SAT search on ``workers`` threads until ``budget`` ends, hinted with ``best``."""
    from ortools.sat.python import cp_model

    from dtwin.schedule.cpsat.search import Clock, configure, hint
    from dtwin.schedule.cpsat.variables import Pinned
    from dtwin.schedule.solution import OBJECTIVES
    from dtwin.schedule.solver import build_model

    pinned = Pinned()
    model, v = build_model(shop.instance, OBJECTIVES["makespan"], best.makespan, pinned)
    model.Minimize(v.makespan)
    hint(model, v, best.schedule("hint"), pinned)
    solver = cp_model.CpSolver()
    # in CPU mode the clock counts every thread of the process (CP-SAT's and the tabu search's)
    clock = Clock(budget.cpu_workers or workers, bool(budget.cpu_workers))
    configure(solver, budget.left(), clock, seed, dict(CPSAT_PARAMETERS))
    solver.parameters.num_workers = workers
    with clock.stop_at(solver, budget.deadline):
        status = solver.Solve(model)
    out = Incumbent()
    if status in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        out.makespan = round(solver.ObjectiveValue())
        value = solver.Value
        out.ops = [
            ScheduledOp(j, o, next(iter(v.choice[j, o])), value(s), value(v.end[j, o]))
            for (j, o), s in v.start.items()
        ]
        out.proven = status == cp_model.OPTIMAL
    return out


def _cpsat_into(
    shop: Shop, best: Graph, budget: Budget, workers: int, seed: int, out: list[Incumbent]
) -> None:
    out.append(cpsat_round(shop, best, budget, workers, seed))


def hybrid_search(
    start: Graph, budget: Budget, rng: random.Random, workers: int, seed: int
) -> tuple[Graph, int, bool]:
    """Rounds of CP-SAT beside tabu search from ``start``; the best graph, the tabu steps
    taken, and whether CP-SAT proved it optimal."""
    shop = start.shop
    best = start.copy()
    steps = rnd = 0
    while budget.left() > 0.05:
        round_budget = budget.after(ROUND_SECONDS)
        found: list[Incumbent] = []
        if workers > 1:
            args = (shop, best, round_budget, workers - 1, seed + rnd, found)
            thread = threading.Thread(target=_cpsat_into, args=args, daemon=True)
            thread.start()
            ts, it = tabu_search(best, round_budget, rng)
            thread.join()
        else:  # one worker: CP-SAT for half the round, then the tabu search from its best
            half = budget.after(ROUND_SECONDS / 2)
            found.append(cpsat_round(shop, best, half, 1, seed + rnd))
            if found[0].makespan is not None and found[0].makespan < best.makespan:
                best = Graph(shop, shop.orders_of(Schedule(found[0].ops)))
            ts, it = tabu_search(best, round_budget, rng)
        steps += it
        rnd += 1
        cp = found[0] if found else Incumbent()
        if cp.makespan is not None and cp.makespan < min(ts.makespan, best.makespan):
            best = Graph(shop, shop.orders_of(Schedule(cp.ops)))
        elif ts.makespan < best.makespan:
            best = ts.copy()
        if cp.proven and cp.makespan is not None and cp.makespan <= best.makespan:
            return best, steps, True
    return best, steps, False
