"""The disjunctive graph of a plain job shop: machine orders, heads, tails and critical blocks.

Operations are numbered ``0 .. n - 1`` job by job. A solution is one order per machine; the
heads (earliest starts, from the releases) and tails (the longest path from an operation's end
to the sink) follow by one pass over a topological order, and the makespan is the longest path.
Inner loops use plain Python lists: element access on them is several times faster than on
numpy arrays in a loop, and these graphs are too small (hundreds of operations) for
vectorising a longest-path pass to pay.
"""

from __future__ import annotations

from dataclasses import dataclass

from dtwin.errors import ScheduleError
from dtwin.schedule.instance import Instance
from dtwin.schedule.solution import Schedule, ScheduledOp


def unsupported(instance: Instance) -> list[str]:
    """Why the metaheuristics cannot take ``instance`` (empty when they can)."""
    out = []
    if instance.is_flexible:
        out.append("flexible operations (several eligible machines)")
    if instance.setups:
        out.append("setup times")
    if instance.unavailability:
        out.append("machine downtime")
    if any(job.deadline is not None for job in instance.jobs):
        out.append("deadlines")
    return out


@dataclass(frozen=True)
class Shop:
    """The fixed data of a plain job shop, flattened: per operation its job, index in the
    job, machine, duration, job predecessor / successor (``-1`` for none) and release."""

    instance: Instance
    job: list[int]
    index: list[int]
    machine: list[int]
    duration: list[int]
    job_pred: list[int]
    job_succ: list[int]
    release: list[int]
    first: list[int]  # first operation of each job
    last: list[int]  # last operation of each job

    @property
    def size(self) -> int:
        """Number of operations."""
        return len(self.job)

    @staticmethod
    def of(instance: Instance) -> Shop:
        """The shop of ``instance`` (ScheduleError if it is not a plain job shop)."""
        reasons = unsupported(instance)
        if reasons:
            raise ScheduleError(
                f"instance {instance.name}: the metaheuristics (tabu, sa, ga, hybrid) take plain "
                f"job shops only, and this one has {', '.join(reasons)}; valid: --method cpsat"
            )
        job, index, machine, duration, pred, succ, release, first = ([] for _ in range(8))
        for j, jb in enumerate(instance.jobs):
            first.append(len(job))
            for k, op in enumerate(jb.operations):
                i = len(job)
                job.append(j)
                index.append(k)
                machine.append(op.options[0].machine)
                duration.append(op.options[0].duration)
                pred.append(i - 1 if k else -1)
                succ.append(i + 1 if k + 1 < len(jb.operations) else -1)
                release.append(jb.release if k == 0 else 0)
        last = [i for i in range(len(job)) if succ[i] < 0]
        return Shop(instance, job, index, machine, duration, pred, succ, release, first, last)

    def orders_of(self, schedule: Schedule) -> list[list[int]]:
        """The machine orders of ``schedule`` (operations by start on each machine)."""
        by_key = {(o.job, o.op): o for o in schedule.operations}
        orders: list[list[int]] = [[] for _ in range(self.instance.num_machines)]
        for i in range(self.size):
            orders[self.machine[i]].append(i)
        for order in orders:
            order.sort(key=lambda i: (by_key[self.job[i], self.index[i]].start, i))
        return orders

    def orders_of_sequence(self, sequence: list[int]) -> list[list[int]]:
        """The machine orders given by a topological order (or any list of all operations)."""
        orders: list[list[int]] = [[] for _ in range(self.instance.num_machines)]
        for i in sequence:
            orders[self.machine[i]].append(i)
        return orders


class Graph:
    """A solution on a :class:`Shop`: the machine orders with heads, tails and makespan."""

    def __init__(self, shop: Shop, orders: list[list[int]]) -> None:
        self.shop = shop
        self.orders = [list(o) for o in orders]
        n = shop.size
        self.mpred = [-1] * n
        self.msucc = [-1] * n
        self.head = [0] * n
        self.tail = [0] * n
        self.topo: list[int] = []
        self.where: list[int] = []  # position of each operation in topo
        self.makespan = 0
        for order in self.orders:
            self._link(order, 0, len(order))
        self.evaluate()

    def copy(self) -> Graph:
        """An independent copy (orders, links, heads and tails)."""
        g = Graph.__new__(Graph)
        g.shop, g.orders = self.shop, [list(o) for o in self.orders]
        g.mpred, g.msucc = list(self.mpred), list(self.msucc)
        g.head, g.tail, g.topo = list(self.head), list(self.tail), list(self.topo)
        g.where = list(self.where)
        g.makespan = self.makespan
        return g

    def _link(self, order: list[int], lo: int, hi: int) -> None:
        """Reset the machine links of ``order[lo:hi]`` (and of its neighbours)."""
        lo, hi = max(lo - 1, 0), min(hi + 1, len(order))
        for p in range(lo, hi):
            i = order[p]
            self.mpred[i] = order[p - 1] if p else -1
            self.msucc[i] = order[p + 1] if p + 1 < len(order) else -1

    def reorder(self, machine: int, lo: int, segment: list[int]) -> None:
        """Replace ``orders[machine][lo : lo + len(segment)]`` by ``segment`` and re-evaluate
        incrementally: heads from the first moved operation on in the old topological order,
        tails up to the last one in the new."""
        order = self.orders[machine]
        cut = min(self.where[i] for i in segment)
        order[lo : lo + len(segment)] = segment
        self._link(order, lo, lo + len(segment))
        self._heads(cut)
        self._tails(max(self.where[i] for i in segment))

    def evaluate(self) -> None:
        """Heads, tails, a topological order and the makespan (ScheduleError on a cycle)."""
        self.topo = []
        self.where = [0] * self.shop.size
        self._heads(0)
        self._tails(self.shop.size - 1)

    def _heads(self, cut: int) -> None:
        """Heads and topological order of the operations from position ``cut`` of the order on
        (those before it keep theirs), by Kahn's algorithm on that part of the graph."""
        s = self.shop
        p, js, ms, jp, mp = s.duration, s.job_succ, self.msucc, s.job_pred, self.mpred
        where, head, rel = self.where, self.head, s.release
        rest = self.topo[cut:] if cut else range(s.size)
        indeg = {}
        stack = []
        for i in rest:
            a, b = jp[i], mp[i]
            d = (a >= 0 and (not cut or where[a] >= cut)) + (
                b >= 0 and (not cut or where[b] >= cut)
            )
            indeg[i] = d
            if not d:
                stack.append(i)
            e = rel[i]
            if a >= 0 and (cut and where[a] < cut) and head[a] + p[a] > e:
                e = head[a] + p[a]
            if b >= 0 and (cut and where[b] < cut) and head[b] + p[b] > e:
                e = head[b] + p[b]
            head[i] = e
        topo = self.topo
        del topo[cut:]
        push, pop, add = stack.append, stack.pop, topo.append
        pos = cut
        while stack:
            i = pop()
            add(i)
            where[i] = pos
            pos += 1
            e = head[i] + p[i]
            a = js[i]
            if a >= 0:
                if head[a] < e:
                    head[a] = e
                indeg[a] -= 1
                if not indeg[a]:
                    push(a)
            b = ms[i]
            if b >= 0:
                if head[b] < e:
                    head[b] = e
                indeg[b] -= 1
                if not indeg[b]:
                    push(b)
        if pos < s.size:
            raise ScheduleError("internal error: the machine orders form a cycle")
        self.makespan = max(head[i] + p[i] for i in s.last)

    def _tails(self, upto: int) -> None:
        """Tails of the operations at positions ``0 .. upto`` of the topological order."""
        s = self.shop
        p, js, ms, tail, topo = s.duration, s.job_succ, self.msucc, self.tail, self.topo
        for k in range(upto, -1, -1):
            i = topo[k]
            t = 0
            a = js[i]
            if a >= 0:
                t = tail[a] + p[a]
            b = ms[i]
            if b >= 0 and tail[b] + p[b] > t:
                t = tail[b] + p[b]
            tail[i] = t

    def critical_path(self) -> list[int]:
        """One longest path from a source to the sink, as a list of operations."""
        s = self.shop
        p, head, tail, cmax = s.duration, self.head, self.tail, self.makespan
        rel = s.release
        i = next(i for i in range(s.size) if head[i] == rel[i] and head[i] + p[i] + tail[i] == cmax)
        path = [i]
        while tail[i]:
            e = head[i] + p[i]
            a, b = s.job_succ[i], self.msucc[i]
            i = a if a >= 0 and head[a] == e and tail[a] + p[a] == tail[i] else b
            path.append(i)
        return path

    def blocks(self) -> list[list[int]]:
        """The critical blocks: maximal runs of a critical path on one machine."""
        out: list[list[int]] = []
        mach = self.shop.machine
        for i in self.critical_path():
            if out and mach[out[-1][-1]] == mach[i] and self.msucc[out[-1][-1]] == i:
                out[-1].append(i)
            else:
                out.append([i])
        return out

    def sequence(self) -> list[int]:
        """The operations by head (a topological order; ties by operation number)."""
        head = self.head
        return sorted(range(self.shop.size), key=lambda i: (head[i], i))

    def schedule(self, method: str, seconds: float = 0.0) -> Schedule:
        """The semi-active schedule of this solution (every operation at its head)."""
        s, head = self.shop, self.head
        ops = [
            ScheduledOp(s.job[i], s.index[i], s.machine[i], head[i], head[i] + s.duration[i])
            for i in range(s.size)
        ]
        return Schedule(ops, "makespan", float(self.makespan), None, "FEASIBLE", seconds, method)
