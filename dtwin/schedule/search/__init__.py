"""Metaheuristics for the job shop and their hybrid with CP-SAT.

- :mod:`~dtwin.schedule.search.graph`: the disjunctive graph (heads, tails, critical blocks);
- :mod:`~dtwin.schedule.search.moves`: the N5 / N7 neighbourhoods and their estimates;
- :mod:`~dtwin.schedule.search.tabu`, :mod:`~.annealing`, :mod:`~.genetic`: the searches;
- :mod:`~dtwin.schedule.search.hybrid`: CP-SAT and tabu search in rounds on one budget;
- :mod:`~dtwin.schedule.search.methods`: ``solve_with(instance, method, ...)``, every method.

Public names: ``solve_with``, ``METHODS``, ``DEFAULT_METHOD``, ``Budget``, ``Shop``, ``Graph``,
``tabu_search``, ``anneal``, ``genetic``, ``hybrid_search``.
"""

from __future__ import annotations

from dtwin.lazy import lazy_front

_EXPORTS: dict[str, str] = {
    "solve_with": "dtwin.schedule.search.methods",
    "METHODS": "dtwin.schedule.search.methods",
    "DEFAULT_METHOD": "dtwin.schedule.search.methods",
    "Budget": "dtwin.schedule.search.budget",
    "Shop": "dtwin.schedule.search.graph",
    "Graph": "dtwin.schedule.search.graph",
    "tabu_search": "dtwin.schedule.search.tabu",
    "anneal": "dtwin.schedule.search.annealing",
    "genetic": "dtwin.schedule.search.genetic",
    "hybrid_search": "dtwin.schedule.search.hybrid",
}

__all__ = sorted(_EXPORTS)

__getattr__, __dir__ = lazy_front(__name__, _EXPORTS)
