"""The RUL agent: each machine's remaining useful life from its own sensor series.

The plant's sensors (:meth:`dtwin.sim.Simulation.subscribe_sensors`) send each machine's
readings; the agent keeps the current life's last ``window`` readings of every machine (a
new life, after a service or the repair of a worn-out machine, starts an empty history, as
the plant's maintenance record says) and asks a RUL model for the remaining life after every
``every`` readings, or when ``schedule(rul)`` says (a policy that acts only near a margin
asks again after a share of the predicted slack: far fewer predictions, none late).
It publishes :class:`RulPredicted` on the bus: the predicted RUL in
sensor cycles with its interval, and the same in minutes at the machine's pace so far.

The model is anything with ``predict_unit(history) -> (rul, lo, hi)`` attributes, e.g. a
``dtwin.health.RulModel`` trained on run-to-failure histories of the same factory. The
agent reads the sensors only, never the simulator's health.
"""

from __future__ import annotations

import math
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, ClassVar

import pandas as pd

from dtwin.errors import DataError
from dtwin.twin.bus import EventBus
from dtwin.twin.events import TwinEvent
from dtwin.twin.ids import MachineIds

NAME = "rul_agent"


@dataclass(frozen=True, kw_only=True)
class RulPredicted(TwinEvent):
    """The predicted remaining useful life of ``machine``: ``rul`` sensor cycles, interval
    ``[lo, hi]``, after ``cycle`` readings of its current life; ``minutes``: the same at the
    life's pace so far (None before two readings)."""

    kind: ClassVar[str] = "rul_predicted"
    machine: str
    rul: float
    lo: float
    hi: float
    cycle: int
    minutes: float | None = None
    minutes_lo: float | None = None
    minutes_hi: float | None = None

    def __post_init__(self) -> None:
        super().__post_init__()
        if not all(math.isfinite(v) for v in (self.rul, self.lo, self.hi)):
            raise DataError(f"{self.kind}: rul, lo and hi must be finite")


@dataclass
class _Life:
    """One machine's current life: its readings so far (the last ``window``)."""

    life: int
    start: float
    rows: deque
    cycle: int = 0
    last: float = 0.0
    due: int = 1


class RulAgent:
    """Publishes :class:`RulPredicted` for every machine with sensors (see the module doc).

    Parameters
    ----------
    model : the RUL model (``predict_unit`` and a ``preprocessing.window``, or ``window``).
    channels : station -> its sensor channel names (``Simulation.sensor_channels()``).
    every : readings between two predictions of one machine.
    schedule : ``schedule(rul)`` -> readings until the next prediction (overrides ``every``).
    """

    def __init__(
        self,
        bus: EventBus,
        ids: MachineIds,
        model: Any,
        channels: dict[str, list[str]],
        every: int = 1,
        schedule: Callable[[float], int] | None = None,
    ) -> None:
        self.bus, self.ids, self.model = bus, ids, model
        self.channels = {k: list(v) for k, v in channels.items()}
        prep = getattr(model, "preprocessing", None)
        self.window = int(getattr(prep, "window", getattr(model, "window", 30)))
        self.every = max(1, int(every))
        self.schedule = schedule
        self.lives: dict[str, _Life] = {}
        self.latest: dict[str, RulPredicted] = {}
        self.predictions = 0

    def on_reading(self, reading: Any) -> None:
        """A sensor reading (``dtwin.sim.sensors.SensorReading``) arrived from the plant."""
        machine = self.ids.id_of(reading.station, reading.machine)
        life = self.lives.get(machine)
        if life is None or life.life != reading.life:
            life = _Life(reading.life, float(reading.time), deque(maxlen=self.window))
            self.lives[machine] = life
            self.latest.pop(machine, None)
        life.rows.append(reading.values)
        life.cycle = int(reading.cycle)
        life.last = float(reading.time)
        if life.cycle >= life.due:
            rul = self._predict(machine, reading.station, life)
            step = self.schedule(rul) if self.schedule is not None else self.every
            life.due = life.cycle + max(1, int(step))

    def _predict(self, machine: str, station: str, life: _Life) -> float:
        history = pd.DataFrame(list(life.rows), columns=self.channels[station])
        got = self.model.predict_unit(history)
        rul, lo, hi = float(got.rul), float(got.lo), float(got.hi)
        pace = (life.last - life.start) / (life.cycle - 1) if life.cycle > 1 else None
        event = RulPredicted(
            time=life.last,
            source=NAME,
            machine=machine,
            rul=rul,
            lo=lo,
            hi=hi,
            cycle=life.cycle,
            minutes=rul * pace if pace is not None else None,
            minutes_lo=lo * pace if pace is not None else None,
            minutes_hi=hi * pace if pace is not None else None,
        )
        self.predictions += 1
        self.latest[machine] = event
        self.bus.publish(event)
        return rul
