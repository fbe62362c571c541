"""The event bus: handlers subscribe by event type, run in subscription order, never recurse.

:meth:`EventBus.publish` from outside a handler processes the event and everything the
handlers publish in reply, first in first out. A handler that raises is called again up to
``retries`` times; then the event, the handler and the error go to :attr:`EventBus.dead_letters`
(and to every dead-letter hook, e.g. the event log's table) and the loop goes on. What a
handler published during a failed attempt is dropped, so a retry never publishes twice.
A cascade longer than ``max_events``, or a queue longer than ``max_queue``, stops with
:class:`BusOverflow` (handlers that keep answering each other).
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable
from dataclasses import dataclass

from dtwin.errors import SimulationError
from dtwin.twin.events import TwinEvent

Handler = Callable[[TwinEvent], None]


class BusOverflow(SimulationError):
    """Handlers published more events than the bus's budget allows (a feedback loop)."""


@dataclass(frozen=True)
class DeadLetter:
    """An event that a handler failed on ``attempts`` times, and the last error."""

    seq: int
    event: TwinEvent
    handler: str
    error_type: str
    error: str
    attempts: int


@dataclass(frozen=True)
class _Subscription:
    handler: Handler
    types: tuple[type[TwinEvent], ...]  # empty: every event
    name: str


def handler_name(handler: Handler) -> str:
    """A handler's name for the dead-letter table (its qualified name where it has one)."""
    return getattr(handler, "__qualname__", None) or type(handler).__qualname__


class EventBus:
    """Publish typed events to the handlers subscribed to their type.

    Parameters
    ----------
    retries : further calls of a handler that raised, before the event is dead-lettered.
    max_queue : events waiting at once.
    max_events : events processed by one outside ``publish`` (the event and its cascade).
    """

    def __init__(self, retries: int = 2, max_queue: int = 100_000, max_events: int = 1_000_000):
        for name, value, low in (("retries", retries, 0), ("max_queue", max_queue, 1),
                                 ("max_events", max_events, 1)):  # fmt: skip
            if isinstance(value, bool) or not isinstance(value, int) or value < low:
                raise SimulationError(
                    f"EventBus: {name} must be an integer >= {low}, got {value!r}"
                )
        self.retries = retries
        self.max_queue = max_queue
        self.max_events = max_events
        self.dead_letters: list[DeadLetter] = []
        self.seq = -1  # sequence number of the event being (or last) processed
        self._subs: list[_Subscription] = []
        self._dead_hooks: list[Callable[[DeadLetter], None]] = []
        self._queue: deque[TwinEvent] = deque()
        self._staged: list[TwinEvent] | None = None
        self._busy = False

    def subscribe(
        self, handler: Handler, *types: type[TwinEvent], name: str | None = None
    ) -> Callable[[], None]:
        """Call ``handler(event)`` for events of ``types`` (every event when none); returns
        the unsubscribe."""
        bad = [t for t in types if not (isinstance(t, type) and issubclass(t, TwinEvent))]
        if bad:
            raise SimulationError(f"subscribe: event types must be TwinEvent classes, got {bad!r}")
        sub = _Subscription(handler, tuple(types), name or handler_name(handler))
        self._subs.append(sub)
        return lambda: self._subs.remove(sub) if sub in self._subs else None

    def on_dead_letter(self, hook: Callable[[DeadLetter], None]) -> None:
        """Call ``hook(letter)`` for every dead letter from now on."""
        self._dead_hooks.append(hook)

    def publish(self, event: TwinEvent) -> None:
        """Process ``event`` (queued behind the current one when a handler publishes it)."""
        if not isinstance(event, TwinEvent):
            raise SimulationError(f"publish: expected a TwinEvent, got {type(event).__name__}")
        if self._staged is not None:  # inside a handler: kept until the handler succeeds
            if len(self._queue) + len(self._staged) >= self.max_queue:
                raise BusOverflow(
                    f"event bus queue is full ({self.max_queue:,} events waiting) at "
                    f"{event.kind} t={event.time:g}: handlers publish faster than they are "
                    f"processed; raise EventBus(max_queue=...) or break the feedback loop"
                )
            self._staged.append(event)
            return
        if self._busy:
            self._queue.append(event)
            return
        self._queue.append(event)
        self._drain()

    def _drain(self) -> None:
        self._busy = True
        done = 0
        try:
            while self._queue:
                event = self._queue.popleft()
                done += 1
                if done > self.max_events:
                    raise BusOverflow(
                        f"one publish led to more than {self.max_events:,} events (last: "
                        f"{event.kind} t={event.time:g}): handlers keep answering each other; "
                        f"raise EventBus(max_events=...) or break the feedback loop"
                    )
                self.seq += 1
                for sub in tuple(self._subs):
                    if not sub.types or isinstance(event, sub.types):
                        self._deliver(sub, event)
        finally:
            self._busy = False
            self._staged = None
            self._queue.clear()

    def _deliver(self, sub: _Subscription, event: TwinEvent) -> None:
        """One handler, with retries; its published events join the queue on success."""
        for attempt in range(1, self.retries + 2):
            self._staged = []
            try:
                sub.handler(event)
            except BusOverflow:
                raise
            except Exception as error:  # noqa: BLE001 (a handler's failure is data here)
                if attempt > self.retries:
                    self._dead_letter(sub, event, error, attempt)
                continue
            finally:
                staged, self._staged = self._staged, None
            self._queue.extend(staged)
            return

    def _dead_letter(self, sub: _Subscription, event: TwinEvent, error: Exception, n: int) -> None:
        letter = DeadLetter(self.seq, event, sub.name, type(error).__name__, str(error), n)
        self.dead_letters.append(letter)
        for hook in self._dead_hooks:
            hook(letter)
