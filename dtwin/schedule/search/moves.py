"""Moves on critical blocks (N5 and N7) and their makespan estimates.

N5 (Nowicki and Smutnicki, 1996) swaps the first two and the last two operations of each
critical block (not the first two of the first block, nor the last two of the last): only
such swaps can shorten the critical path. N7 (Zhang et al., 2007) adds moving an inner
operation to the front or the back of its block and the first or last operation into the
block. Insertions are kept only where they cannot make a cycle (a sufficient condition on
heads, Balas and Vazacopoulos, 1998).

A move is estimated in time linear in the block it changes: new heads forward and new tails
backward along the reordered stretch of the machine, the job neighbours' heads and tails as
they are. That is exact for the stretch's own longest paths and a good guess for the rest.
"""

from __future__ import annotations

from dtwin.schedule.search.graph import Graph


class Move:
    """Put ``segment`` at positions ``lo ..`` of ``machine``'s order; ``pairs`` are the
    ``(a, b)`` that ran ``a`` before ``b`` and now run ``b`` first."""

    __slots__ = ("machine", "lo", "segment", "pairs", "estimate")

    def __init__(self, machine: int, lo: int, segment: list[int], pairs: list[tuple[int, int]]):
        self.machine, self.lo, self.segment, self.pairs = machine, lo, segment, pairs
        self.estimate = 0


def estimate(g: Graph, machine: int, lo: int, segment: list[int]) -> int:
    """The longest path through ``segment`` once it replaces ``orders[machine][lo:...]``."""
    s = g.shop
    p, jp, js, rel = s.duration, s.job_pred, s.job_succ, s.release
    head, tail = g.head, g.tail
    order = g.orders[machine]
    hi = lo + len(segment)
    prev = order[lo - 1] if lo else -1
    nxt = order[hi] if hi < len(order) else -1
    t = head[prev] + p[prev] if prev >= 0 else 0
    heads = []
    for x in segment:
        a = jp[x]
        r = head[a] + p[a] if a >= 0 else rel[x]
        if r < t:
            r = t
        heads.append(r)
        t = r + p[x]
    t = tail[nxt] + p[nxt] if nxt >= 0 else 0
    best = 0
    for k in range(len(segment) - 1, -1, -1):
        x = segment[k]
        b = js[x]
        q = tail[b] + p[b] if b >= 0 else 0
        if q < t:
            q = t
        if heads[k] + p[x] + q > best:
            best = heads[k] + p[x] + q
        t = q + p[x]
    return best


def n5(g: Graph) -> list[Move]:
    """The N5 swaps of ``g``'s critical blocks (empty: ``g`` is optimal)."""
    blocks = g.blocks()
    moves: list[Move] = []
    last = len(blocks) - 1
    for b, block in enumerate(blocks):
        if len(block) < 2:
            continue
        if b > 0:
            moves.append(_swap(g, block[0], block[1]))
        if b < last and (len(block) > 2 or b == 0):
            moves.append(_swap(g, block[-2], block[-1]))
    return moves


def n7(g: Graph) -> list[Move]:
    """N7: the N5 swaps, then inner operations moved to a block's ends and the ends inside."""
    blocks = g.blocks()
    moves: list[Move] = []
    seen: set[tuple[int, int, tuple[int, ...]]] = set()
    for block in blocks:
        if len(block) < 2:
            continue
        for move in _block_moves(g, block):
            key = (move.machine, move.lo, tuple(move.segment))
            if key not in seen:
                seen.add(key)
                moves.append(move)
    return moves


def _swap(g: Graph, u: int, v: int) -> Move:
    m = g.shop.machine[u]
    lo = g.orders[m].index(u)
    move = Move(m, lo, [v, u], [(u, v)])
    move.estimate = estimate(g, m, lo, move.segment)
    return move


def _block_moves(g: Graph, block: list[int]) -> list[Move]:
    """Moves of one block (of two or more operations) that cannot make a cycle."""
    s = g.shop
    p, jp, js = s.duration, s.job_pred, s.job_succ
    head = g.head
    m = s.machine[block[0]]
    lo = g.orders[m].index(block[0])
    k = len(block)
    out = [_swap(g, block[0], block[1]), _swap(g, block[-2], block[-1])]
    u1, uk = block[0], block[-1]
    for i in range(1, k):
        v = block[i]
        a = jp[v]
        # v right before u1 (no path from u1 to v's job predecessor)
        if i > 1 and (a < 0 or head[a] < head[u1] + p[u1]):
            seg = [v, *block[:i]]
            out.append(Move(m, lo, seg, [(x, v) for x in block[:i]]))
        # u1 right after v (no path from u1's job successor to v)
        b = js[u1]
        if i > 1 and (b < 0 or head[v] < head[b] + p[b]):
            seg = [*block[1 : i + 1], u1]
            out.append(Move(m, lo, seg, [(u1, x) for x in block[1 : i + 1]]))
    for i in range(0, k - 1):
        v = block[i]
        b = js[v]
        # v right after uk (no path from v's job successor to uk)
        if i < k - 2 and (b < 0 or head[uk] < head[b] + p[b]):
            seg = [*block[i + 1 :], v]
            out.append(Move(m, lo + i, seg, [(v, x) for x in block[i + 1 :]]))
        # uk right before v (no path from v to uk's job predecessor)
        a = jp[uk]
        if i < k - 2 and (a < 0 or head[a] < head[v] + p[v]):
            seg = [uk, *block[i:-1]]
            out.append(Move(m, lo + i, seg, [(x, uk) for x in block[i:-1]]))
    for move in out[2:]:
        move.estimate = estimate(g, m, move.lo, move.segment)
    return out
