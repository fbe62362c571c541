"""The disjunctive graph: incremental heads and tails, critical blocks, the N5/N7 moves."""

from __future__ import annotations

import random
from collections import Counter

import pytest

from dtwin.errors import ScheduleError
from dtwin.schedule import check, dispatch
from dtwin.schedule.search.genetic import decode, encode, mutate, pox
from dtwin.schedule.search.graph import Graph, Shop
from dtwin.schedule.search.moves import estimate, n5, n7


@pytest.fixture()
def la01_graph(la01):
    shop = Shop.of(la01)
    return Graph(shop, shop.orders_of(dispatch(la01, "MWKR")))


def test_the_rule_schedule_round_trips(la01, la01_graph):
    assert la01_graph.makespan == dispatch(la01, "MWKR").makespan
    check(la01, la01_graph.schedule("x"))


@pytest.mark.parametrize("moves_of", [n5, n7], ids=["n5", "n7"])
def test_incremental_evaluation_matches_a_fresh_one(la01, la01_graph, moves_of):
    g, rng = la01_graph, random.Random(4)
    for _ in range(300):
        moves = moves_of(g) or n7(g)
        if not moves:  # optimal
            break
        move = moves[rng.randrange(len(moves))]
        g.reorder(move.machine, move.lo, move.segment)
        fresh = Graph(g.shop, g.orders)
        assert (g.head, g.tail, g.makespan) == (fresh.head, fresh.tail, fresh.makespan)
    check(la01, g.schedule("x"))


def test_the_critical_path_is_as_long_as_the_makespan(la01_graph):
    g = la01_graph
    path = g.critical_path()
    p = g.shop.duration
    assert g.head[path[0]] == 0 and sum(p[i] for i in path) == g.makespan
    blocks = g.blocks()
    assert [i for b in blocks for i in b] == path
    assert all(len({g.shop.machine[i] for i in b}) == 1 for b in blocks)


def test_a_swap_estimate_is_exact_on_its_own_pair(la01_graph):
    # the estimate recomputes the swapped pair from its neighbours: it never exceeds the
    # new makespan, and a move whose estimate is below the makespan shortens that path
    g = la01_graph
    for move in n5(g):
        after = g.copy()
        after.reorder(move.machine, move.lo, move.segment)
        assert move.estimate <= after.makespan
        assert move.estimate == estimate(g, move.machine, move.lo, move.segment)


def test_genes_decode_to_valid_schedules(la01):
    shop, rng = Shop.of(la01), random.Random(0)
    a = [j for j in range(la01.num_jobs) for _ in range(la01.num_machines)]
    b = list(a)
    rng.shuffle(a)
    rng.shuffle(b)
    child = pox(a, b, la01.num_jobs, rng)
    mutate(child, rng)
    assert Counter(child) == Counter(a)
    g = decode(shop, child)
    check(la01, g.schedule("x"))
    assert decode(shop, encode(g)).makespan == g.makespan


def test_releases_are_heads(plain_job):
    from dtwin.schedule import Instance

    inst = Instance("rel", 2, (plain_job((0, 3), (1, 2), release=4), plain_job((1, 2), (0, 4))))
    shop = Shop.of(inst)
    g = Graph(shop, shop.orders_of(dispatch(inst, "SPT")))
    check(inst, g.schedule("x"))
    assert g.head[0] >= 4


def test_extensions_are_refused(demo):
    with pytest.raises(ScheduleError, match="plain job shops only.*valid: --method cpsat"):
        Shop.of(demo)
