"""A machine's state and constants, the parts it works on and the station that holds it.

The engine (:mod:`dtwin.sim.engine`) runs each :class:`Machine` as a SimPy process made of
named steps; this module holds what those steps read and change, with no SimPy process of
its own.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from typing import Any

import simpy

from dtwin.event_schema import SimEventRecord
from dtwin.sim.buffer import Buffer, PriorityBuffer, SequenceBuffer
from dtwin.sim.config import MaintenancePolicy, Station
from dtwin.sim.distributions import sampler
from dtwin.sim.sensors import SensorEmitter, SensorObservers, wear_sampler
from dtwin.sim.states import STATE_EVENTS, MachineState

N_STATES = len(MachineState)
#: what :meth:`dtwin.sim.Simulation.subscribe` calls with each event record
Observer = Callable[[SimEventRecord], None]


class Part:
    """One unit travelling through the factory."""

    __slots__ = ("id", "route", "step", "release", "defective", "product", "keys")

    def __init__(
        self, pid: int, product: int, route: tuple[Any, ...], keys: list[float] | None = None
    ) -> None:
        self.id = pid
        self.product = product
        self.route = route
        self.step = 0
        self.release = 0.0
        self.defective = False
        self.keys = keys


class Machine:
    """One machine: its run-time state (state, time per state, health) and its constants.

    The constants (quality, wear, failure and maintenance figures, random streams) are read
    from the station's config once, so the engine's steps read them from here.
    """

    __slots__ = (
        # run-time state
        "state",
        "since",
        "acc",
        "health",
        "ttf_left",
        "ops",
        "ideal",
        "next_pm",
        "notify",
        "request",
        "waiting",
        # constants
        "station",
        "index",
        "name",
        "buffer",
        "wait_state",
        "inspection",
        "detection",
        "defect_rate",
        "wear",
        "failure_factor",
        "defect_factor",
        "repair_restores",
        "needs_draw",
        "quality_draw",
        "ttf",
        "repair",
        "policy",
        "pm_interval",
        "pm_threshold",
        "pm_duration",
        "wear_draw",
        "wear_rate",
        "wear_out",
        "wear_repair",
        "sensor",
    )

    def __init__(
        self,
        station: StationRT,
        index: int,
        stream: Callable[[str], random.Random],
        policy: MaintenancePolicy,
    ) -> None:
        cfg = station.cfg
        self.station = station
        self.index = index
        self.name = station.name
        self.buffer = station.buffer
        self.wait_state = station.wait_state
        self.state = station.wait_state
        self.since = 0.0
        self.acc = [0.0] * N_STATES
        self.health = 1.0
        self.ops = 0
        self.ideal = 0.0
        self.notify: Observer | None = None
        # a pending maintenance command: the minutes of its service (None: none pending)
        self.request: Callable[[], float] | None = None
        self.waiting: simpy.Event | None = None  # the buffer wait of an idle machine
        self._quality(cfg, stream(f"quality/{cfg.name}/{index}"))
        self._failures(cfg, stream)
        self._maintenance(policy, stream)
        self._wear_and_sensors(cfg, stream, station.sensor_observers)

    def _wear_and_sensors(
        self, cfg: Station, stream: Callable[[str], random.Random], observers: SensorObservers
    ) -> None:
        """Wear-out failures and sensors (off unless configured; streams of their own)."""
        health = cfg.health
        self.wear_draw: Callable[[], float] | None = None
        self.wear_repair: Callable[[], float] | None = None
        self.wear_rate = 1.0
        self.wear_out = health is not None and health.wear_cv is not None
        if self.wear_out:
            rng = stream(f"wear/{cfg.name}/{self.index}")
            self.wear_draw = wear_sampler(health.wear_cv, rng)  # type: ignore[union-attr, arg-type]
            repair = health.repair or cfg.failure.repair  # type: ignore[union-attr]
            self.wear_repair = sampler(repair, rng)
            self.wear_rate = self.wear_draw()
        self.sensor = (
            SensorEmitter(
                cfg.sensors,
                cfg.name,
                self.index,
                stream(f"sensors/{cfg.name}/{self.index}"),
                observers,
            )
            if cfg.sensors is not None
            else None
        )

    def _quality(self, cfg: Station, rng: random.Random) -> None:
        health = cfg.health
        self.inspection = cfg.kind == "inspection"
        self.detection = cfg.detection_rate
        self.defect_rate = cfg.defect_rate
        self.wear = health.wear_per_op if health else 0.0
        self.failure_factor = health.failure_factor if health else 0.0
        self.defect_factor = health.defect_factor if health else 0.0
        self.repair_restores = health.repair_restores if health else None
        self.quality_draw = rng.random
        self.needs_draw = self.inspection or self.defect_rate > 0 or self.defect_factor > 0

    def _failures(self, cfg: Station, stream: Callable[[str], random.Random]) -> None:
        self.ttf: Callable[[], float] | None = None
        self.repair: Callable[[], float] | None = None
        self.ttf_left = float("inf")
        if cfg.failure is not None:
            rng = stream(f"failure/{cfg.name}/{self.index}")  # ttf and repair share it
            self.ttf = sampler(cfg.failure.ttf, rng)
            self.repair = sampler(cfg.failure.repair, rng)
            self.ttf_left = self.ttf()

    def _maintenance(
        self, policy: MaintenancePolicy, stream: Callable[[str], random.Random]
    ) -> None:
        self.policy = policy.policy
        self.pm_interval = float(policy.interval) if policy.interval is not None else None
        self.pm_threshold = policy.threshold or 0.0
        self.next_pm = self.pm_interval if self.policy == "periodic" else float("inf")
        self.pm_duration = (
            sampler(policy.duration, stream(f"maintenance/{self.name}/{self.index}"))
            if policy.duration is not None
            else None
        )

    def renew(self, now: float, cause: str) -> None:
        """As new (a service or the repair of a wear-out): full health, a new life."""
        self.health = 1.0
        if self.wear_draw is not None:
            self.wear_rate = self.wear_draw()
        if self.sensor is not None:
            self.sensor.restart(now, cause)

    def set(self, state: int, now: float) -> None:
        """Switch to ``state`` at time ``now``, booking the time spent in the old one."""
        self.acc[self.state] += now - self.since
        if self.notify is not None and state != self.state:
            self.notify((now, -1, self.name, self.index, STATE_EVENTS[state]))
        self.state = state
        self.since = now

    def shares(self, now: float, window: float) -> list[float]:
        """Fraction of ``window`` spent in each state up to ``now``."""
        acc = list(self.acc)
        acc[self.state] += now - self.since
        return [a / window for a in acc] if window > 0 else [0.0] * N_STATES

    def service_due(self, now: float) -> bool:
        """Whether preventive maintenance is due before the next part."""
        if self.policy == "periodic":
            return now >= self.next_pm
        return self.policy == "health_threshold" and self.health < self.pm_threshold

    def slowdown(self) -> float:
        """Operating minutes per process minute: wear makes a failure come sooner."""
        return 1.0 + self.failure_factor * (1.0 - self.health)

    def survives(self, duration: float) -> bool:
        """Book ``duration`` of work against the time to failure if it ends before one."""
        need = duration * self.slowdown()
        if self.ttf_left < need:
            return False
        self.ttf_left -= need
        return True

    def draw_quality(self, part: Part) -> bool:
        """Inspect (True: scrap the part) or make a defect with the health-dependent rate."""
        if self.inspection:
            if part.defective and self.quality_draw() < self.detection:
                self.station.scrapped += 1
                return True
        elif self.quality_draw() < self.defect_rate + self.defect_factor * (1.0 - self.health):
            part.defective = True
            self.station.defects += 1
        return False

    def reset_counters(self, now: float) -> None:
        """Forget the time per state and the work done (end of the warm-up)."""
        self.acc = [0.0] * N_STATES
        self.since = now
        self.ops = 0
        self.ideal = 0.0


class StationRT:
    """Run-time state of a station: its config, buffer, machines and counters."""

    def __init__(
        self,
        cfg: Station,
        env: simpy.Environment,
        wait_state: MachineState,
        stream: Callable[[str], random.Random],
        policy: MaintenancePolicy,
        expected: list[float] | None = None,
        sensor_observers: SensorObservers | None = None,
    ) -> None:
        self.cfg = cfg
        self.sensor_observers = sensor_observers or SensorObservers()
        self.name = cfg.name
        if cfg.dispatch == "sequence":
            self.buffer: Buffer = SequenceBuffer(env, cfg.buffer, expected or [])
        elif cfg.dispatch == "priority":
            self.buffer = PriorityBuffer(env, cfg.buffer)
        else:
            self.buffer = Buffer(env, cfg.buffer)
        self.wait_state = wait_state
        self.processed = 0
        self.defects = 0
        self.scrapped = 0
        self.machines = [Machine(self, i, stream, policy) for i in range(cfg.machines)]
