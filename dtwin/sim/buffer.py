"""A FIFO buffer with blocking, cheaper than ``simpy.Store`` on the hot path.

``put`` and ``take`` answer at once when they can (no SimPy event at all) and hand back an
event only when the caller must wait. Capacity 0 means a direct hand-off: a part moves only
when a machine is waiting for it (blocking after service).
"""

from __future__ import annotations

import heapq
from collections import deque
from typing import Any

from simpy.events import Event


class Buffer:
    """Input buffer of a station; ``capacity=None`` is unbounded."""

    __slots__ = ("env", "capacity", "items", "getters", "putters")

    def __init__(self, env: Any, capacity: int | None) -> None:
        self.env = env
        self.capacity = float("inf") if capacity is None else capacity
        self.items: deque[Any] = deque()
        self.getters: deque[Event] = deque()
        self.putters: deque[tuple[Any, Event]] = deque()

    def put(self, item: Any) -> Event | None:
        """Accept ``item`` now (returns None) or return an event fired once it is accepted."""
        if self.getters:
            self.getters.popleft().succeed(item)
            return None
        if len(self.items) < self.capacity:
            self.items.append(item)
            return None
        event = Event(self.env)
        self.putters.append((item, event))
        return event

    def take(self) -> Any:
        """Remove and return the next item, or None when the buffer is empty."""
        if self.items:
            item = self.items.popleft()
            if self.putters:
                waiting, event = self.putters.popleft()
                self.items.append(waiting)
                event.succeed()
            return item
        if self.putters:  # capacity 0: take straight from a blocked upstream machine
            item, event = self.putters.popleft()
            event.succeed()
            return item
        return None

    def wait(self) -> Event:
        """An event fired with the next item put into this buffer."""
        event = Event(self.env)
        self.getters.append(event)
        return event

    def __len__(self) -> int:
        return len(self.items)


class PriorityBuffer(Buffer):
    """A buffer that serves the waiting part with the smallest key first.

    The key of a part is ``part.keys[part.step]`` (e.g. the planned start of that operation
    in a schedule), or the time it entered the buffer when the part has no keys (FIFO).
    """

    __slots__ = ("_count",)

    def __init__(self, env: Any, capacity: int | None) -> None:
        super().__init__(env, capacity)
        self.items = []  # type: ignore[assignment]  # a heap of (key, count, part)
        self._count = 0

    def _entry(self, item: Any) -> tuple[float, int, Any]:
        self._count += 1
        keys = item.keys
        key = keys[item.step] if keys is not None else self.env.now
        return (key, self._count, item)

    def put(self, item: Any) -> Event | None:
        """Accept ``item`` now (returns None) or return an event fired once it is accepted."""
        if self.getters:
            self.getters.popleft().succeed(item)
            return None
        if len(self.items) < self.capacity:
            heapq.heappush(self.items, self._entry(item))
            return None
        event = Event(self.env)
        self.putters.append((item, event))
        return event

    def take(self) -> Any:
        """Remove and return the part with the smallest key, or None when empty."""
        if self.items:
            item = heapq.heappop(self.items)[2]
            if self.putters:
                waiting, event = self.putters.popleft()
                heapq.heappush(self.items, self._entry(waiting))
                event.succeed()
            return item
        if self.putters:
            item, event = self.putters.popleft()
            event.succeed()
            return item
        return None


class SequenceBuffer(PriorityBuffer):
    """A buffer that releases parts strictly in a planned order of keys.

    ``expected`` lists every key the station will see, sorted; a machine waits for the
    part with the next key even if others are already waiting (a schedule is replayed,
    not re-dispatched).
    """

    __slots__ = ("expected",)

    def __init__(self, env: Any, capacity: int | None, expected: list[float]) -> None:
        super().__init__(env, None if capacity is None else max(capacity, 1))
        self.expected: deque[float] = deque(sorted(expected))

    def _ready(self) -> bool:
        return bool(self.items) and bool(self.expected) and self.items[0][0] == self.expected[0]

    def put(self, item: Any) -> Event | None:
        """Queue ``item``; hand the next planned part to a waiting machine if there is one."""
        if len(self.items) >= self.capacity:
            event = Event(self.env)
            self.putters.append((item, event))
            return event
        heapq.heappush(self.items, self._entry(item))
        if self.getters and self._ready():
            self.getters.popleft().succeed(self._pop())
        return None

    def take(self) -> Any:
        """The next planned part if it is here, else None."""
        return self._pop() if self._ready() else None

    def _pop(self) -> Any:
        item = heapq.heappop(self.items)[2]
        self.expected.popleft()
        if self.putters:
            waiting, event = self.putters.popleft()
            heapq.heappush(self.items, self._entry(waiting))
            event.succeed()
        return item
