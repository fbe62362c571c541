"""A genetic algorithm on the operation-based encoding (a permutation with repetition).

A chromosome lists job numbers; the k-th appearance of job j stands for its k-th operation,
so every chromosome decodes to a feasible (semi-active) schedule: the machine orders are the
orders of appearance. Crossover is POX (precedence-preserving order-based, Bierwirth et al.
1996: the genes of a random set of jobs keep their places from one parent, the others follow
the second parent's order), mutation moves one gene elsewhere, and each child is polished by a
short tabu search whose result is written back into its genes (a memetic, Lamarckian GA, as
the strong GAs for the job shop are). Parents come from binary tournaments; the population is
the best distinct makespans of parents and children.
"""

from __future__ import annotations

import random
from dataclasses import dataclass

from dtwin.schedule.search.budget import Budget
from dtwin.schedule.search.graph import Graph, Shop
from dtwin.schedule.search.tabu import tabu_search


@dataclass
class Individual:
    """A chromosome and its decoded (polished) graph."""

    genes: list[int]
    graph: Graph


def decode(shop: Shop, genes: list[int]) -> Graph:
    """The graph whose machine orders follow the chromosome."""
    nxt = list(shop.first)
    seq = []
    for j in genes:
        seq.append(nxt[j])
        nxt[j] += 1
    return Graph(shop, shop.orders_of_sequence(seq))


def encode(g: Graph) -> list[int]:
    """The chromosome of a graph: job numbers in a topological order (by head)."""
    job = g.shop.job
    return [job[i] for i in g.sequence()]


def pox(a: list[int], b: list[int], jobs: int, rng: random.Random) -> list[int]:
    """POX: ``a``'s genes of a random half of the jobs in place, the rest in ``b``'s order."""
    keep = set(rng.sample(range(jobs), max(1, jobs // 2)))
    fill = iter(j for j in b if j not in keep)
    return [j if j in keep else next(fill) for j in a]


def mutate(genes: list[int], rng: random.Random) -> None:
    """Move one random gene to a random place (in place)."""
    i, k = rng.randrange(len(genes)), rng.randrange(len(genes))
    genes.insert(k, genes.pop(i))


def genetic(
    start: Graph,
    budget: Budget,
    rng: random.Random,
    population: int = 20,
    polish: int = 200,
    mutation: float = 0.3,
    target: int = 0,
) -> tuple[Graph, int]:
    """Evolve from ``start`` and random chromosomes; returns the best graph and the number of
    children made (``budget``'s iterations count children)."""
    shop = start.shop
    jobs = shop.instance.num_jobs
    pop = [Individual(encode(start), start.copy())]
    while len(pop) < population and not budget.over(0):
        genes = list(pop[0].genes)
        rng.shuffle(genes)
        pop.append(_polished(shop, genes, budget, rng, polish))
    best = min(pop, key=lambda x: x.graph.makespan).graph
    made = 0
    while not budget.over(made) and best.makespan > target:
        a, b = _tournament(pop, rng), _tournament(pop, rng)
        genes = pox(a.genes, b.genes, jobs, rng)
        if rng.random() < mutation:
            mutate(genes, rng)
        child = _polished(shop, genes, budget, rng, polish)
        made += 1
        if child.graph.makespan < best.makespan:
            best = child.graph
        pop = _survivors([*pop, child], population)
    return best.copy(), made


def _polished(shop: Shop, genes: list[int], budget: Budget, rng: random.Random, steps: int):
    """Decode ``genes``, improve by ``steps`` tabu steps, write the result back."""
    g = decode(shop, genes)
    if steps:
        cap = Budget(budget.deadline, steps, budget.cpu_workers)
        g, _ = tabu_search(g, cap, rng, "n5", patience=steps)
    return Individual(encode(g), g)


def _tournament(pop: list[Individual], rng: random.Random) -> Individual:
    a, b = rng.choice(pop), rng.choice(pop)
    return a if a.graph.makespan <= b.graph.makespan else b


def _survivors(pop: list[Individual], size: int) -> list[Individual]:
    """The ``size`` best individuals with distinct machine orders (the oldest first on ties)."""
    seen: set[tuple[int, ...]] = set()
    out = []
    for ind in sorted(pop, key=lambda x: x.graph.makespan):
        key = tuple(i for order in ind.graph.orders for i in order)
        if key in seen:
            continue
        seen.add(key)
        out.append(ind)
        if len(out) == size:
            break
    return out
