"""A machine's sensors: noisy readings driven by its hidden health, one life at a time.

A station with ``sensors`` (:class:`~dtwin.sim.sensor_config.SensorConfig`) gives each of its
machines a :class:`SensorEmitter`. Every ``every`` operations the emitter draws one reading
per channel from the machine's health (its own random stream, so that switching sensors on
changes no other draw of a run) and hands a :class:`SensorReading` to the simulation's
sensor observers. A *life* runs from a machine as new (health 1) to the next full
restoration: a preventive service or the repair after a wear-out failure; ``cycle`` counts
the readings within a life (1, 2, ...), as a run-to-failure history counts its cycles.
When a life ends the observers get a :class:`LifeEnded` saying why (``failure`` or
``maintenance``).

Wear-out (``health.wear_cv``): :func:`wear_sampler` draws each life's wear rate, a multiple
of ``wear_per_op`` from a gamma distribution with mean 1 and coefficient of variation
``wear_cv``, so lives wear at different speeds and a life's length is uncertain, as a
bearing's is (the C-MAPSS engines differ the same way); the sensors' trend shows the speed.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass

from dtwin.sim.sensor_config import SensorConfig

LIFE_CAUSES = ("failure", "maintenance")


@dataclass(frozen=True, slots=True)
class SensorReading:
    """One reading of a machine's sensors (``values`` in the station's channel order)."""

    time: float
    station: str
    machine: int
    life: int
    cycle: int
    values: tuple[float, ...]


@dataclass(frozen=True, slots=True)
class LifeEnded:
    """A machine's life ended at ``time`` after ``cycles`` readings: ``failure`` (worn out)
    or ``maintenance`` (a preventive service restored it)."""

    time: float
    station: str
    machine: int
    life: int
    cycles: int
    cause: str


#: what :meth:`dtwin.sim.Simulation.subscribe_sensors` calls
ReadingObserver = Callable[[SensorReading], None]
LifeObserver = Callable[[LifeEnded], None]


class SensorObservers:
    """The simulation's sensor subscribers, shared by every emitter."""

    def __init__(self) -> None:
        self.readings: list[ReadingObserver] = []
        self.lives: list[LifeObserver] = []


class SensorEmitter:
    """The sensors of one machine: counts operations, draws readings, numbers lives."""

    __slots__ = ("cfg", "station", "machine", "rng", "observers", "ops", "life", "cycle")

    def __init__(
        self,
        cfg: SensorConfig,
        station: str,
        machine: int,
        rng: random.Random,
        observers: SensorObservers,
    ) -> None:
        self.cfg = cfg
        self.station = station
        self.machine = machine
        self.rng = rng
        self.observers = observers
        self.ops = 0
        self.life = 0
        self.cycle = 0

    @property
    def names(self) -> list[str]:
        """The channel names, in the order of :attr:`SensorReading.values`."""
        return self.cfg.names

    def operated(self, health: float, now: float) -> None:
        """One operation finished at ``health``: read the sensors every ``every`` operations."""
        self.ops += 1
        if self.ops < self.cfg.every:
            return
        self.ops = 0
        self.cycle += 1
        gauss = self.rng.gauss
        values = tuple(c.value(health, gauss(0.0, 1.0)) for c in self.cfg.channels)
        reading = SensorReading(now, self.station, self.machine, self.life, self.cycle, values)
        for callback in tuple(self.observers.readings):
            callback(reading)

    def restart(self, now: float, cause: str) -> None:
        """The machine is as new again: end this life (``cause``) and start the next."""
        ended = LifeEnded(now, self.station, self.machine, self.life, self.cycle, cause)
        for callback in tuple(self.observers.lives):
            callback(ended)
        self.life += 1
        self.cycle = 0
        self.ops = 0


def wear_sampler(cv: float, rng: random.Random) -> Callable[[], float]:
    """A life's wear-rate multiple: a gamma draw with mean 1 and coefficient of variation ``cv``."""
    shape = 1.0 / (cv * cv)
    scale = 1.0 / shape
    gamma = rng.gammavariate
    return lambda: gamma(shape, scale)
