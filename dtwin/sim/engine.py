"""The SimPy engine: builds a factory from its config and runs it step by step.

Each machine is one long-lived SimPy process that pulls parts from its station's input
buffer, processes them and pushes them on (blocking when the next buffer is full). Failures
count operating time: an operation that would outlast the remaining time to failure is split
around the repair, so no SimPy interrupts are needed. Every random number comes from a
``random.Random`` stream keyed by (seed, replication, purpose), so a run is reproducible bit
for bit and scenarios share streams per station (common random numbers).

No valid config can run away unnoticed: the event loop counts SimPy events and checks the
budget of ``limits.max_events`` every :data:`EVENT_CHECK` events, and every release checks
``limits.max_wip``; either stops the run with a :class:`~dtwin.errors.SimulationError` that
says how to raise the budget.
"""

from __future__ import annotations

import math
import random
from collections.abc import Callable, Generator
from pathlib import Path
from typing import Any

import simpy
from simpy.core import StopSimulation
from simpy.events import Event

from dtwin.errors import SimulationError
from dtwin.sim.buffer import Buffer, PriorityBuffer, SequenceBuffer
from dtwin.sim.config import FactoryConfig, MaintenancePolicy, Station, to_factory
from dtwin.sim.distributions import sampler
from dtwin.sim.results import MachineSnapshot, Snapshot

# State indices; OFF (outside shifts) is shown as "idle" in snapshots.
RUN, IDLE, BLOCKED, STARVED, DOWN, MAINT, OFF = range(7)
STATE_NAMES = ("running", "idle", "blocked", "starved", "down", "maintenance", "off_shift")
SNAPSHOT_STATE = ("running", "idle", "blocked", "starved", "down", "maintenance", "idle")
# events between two checks of the event budget: often enough to stop a run within a fraction
# of a second of its budget, rare enough to cost nothing per event
EVENT_CHECK = 50_000


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
    """Run-time state of one machine: current state, time per state, health."""

    __slots__ = (
        "station",
        "index",
        "state",
        "since",
        "acc",
        "health",
        "ttf_left",
        "ops",
        "ideal",
        "next_pm",
    )

    def __init__(self, station: StationRT, index: int) -> None:
        self.station = station
        self.index = index
        self.state = station.wait_state
        self.since = 0.0
        self.acc = [0.0] * 7
        self.health = 1.0
        self.ttf_left = float("inf")
        self.ops = 0
        self.ideal = 0.0
        self.next_pm = float("inf")

    def set(self, state: int, now: float) -> None:
        """Switch to ``state`` at time ``now``, booking the time spent in the old one."""
        self.acc[self.state] += now - self.since
        self.state = state
        self.since = now

    def shares(self, now: float, window: float) -> list[float]:
        """Fraction of ``window`` spent in each state up to ``now``."""
        acc = list(self.acc)
        acc[self.state] += now - self.since
        return [a / window for a in acc] if window > 0 else [0.0] * 7


class StationRT:
    """Run-time state of a station: its config, buffer, machines and counters."""

    def __init__(
        self,
        cfg: Station,
        env: simpy.Environment,
        wait_state: int,
        expected: list[float] | None = None,
    ) -> None:
        self.cfg = cfg
        self.name = cfg.name
        if cfg.dispatch == "sequence":
            self.buffer: Buffer = SequenceBuffer(env, cfg.buffer, expected or [])
        elif cfg.dispatch == "priority":
            self.buffer = PriorityBuffer(env, cfg.buffer)
        else:
            self.buffer = Buffer(env, cfg.buffer)
        self.wait_state = wait_state
        self.machines = [Machine(self, i) for i in range(cfg.machines)]
        self.processed = 0
        self.defects = 0
        self.scrapped = 0


class Simulation:
    """A factory run that can be advanced step by step and inspected at any time.

    Parameters
    ----------
    config : FactoryConfig, mapping or path of the factory.
    seed : master seed; the same seed gives the same run bit for bit.
    warmup : minutes after which all statistics are reset.
    log_events : keep the event log (time, entity, station, machine, event).
    replication : index of the replication; selects independent random streams.
    """

    def __init__(
        self,
        config: FactoryConfig | dict[str, Any] | str | Path,
        seed: int = 0,
        warmup: float = 0.0,
        log_events: bool = True,
        replication: int = 0,
    ) -> None:
        self.config = cfg = to_factory(config)
        self.seed = seed
        self.replication = replication
        self.env = env = simpy.Environment()
        self.log: list[tuple[float, int, str, int, str]] | None = [] if log_events else None
        self.t0 = 0.0
        self.wip = 0
        self.max_wip = cfg.limits.max_wip
        self.events = 0  # SimPy events processed so far (warm-up included)
        self.wip_area = 0.0
        self.wip_last = 0.0
        self.released = 0
        self.lead_times: list[float] = []
        self.sojourns: list[float] = []
        self.scrapped = 0
        self.defective_shipped = 0
        self._next_id = 0
        self.last_exit = float("nan")
        firsts = {p.routing[0] for p in cfg.products}
        later = {s for p in cfg.products for s in p.routing[1:]}
        self.stations: dict[str, StationRT] = {}
        planned = self._planned_keys(cfg)
        for st in cfg.stations:
            wait = STARVED if st.name in later or st.name not in firsts else IDLE
            self.stations[st.name] = StationRT(st, env, wait, planned.get(st.name))
        self.shifts = sorted((s.start * 60.0, s.end * 60.0) for s in cfg.shifts or [])
        self.technicians = (
            simpy.PriorityResource(env, capacity=cfg.maintenance.technicians)
            if cfg.maintenance.technicians
            else None
        )
        self.routes = [self._route(p) for p in cfg.products]
        for i, prod in enumerate(cfg.products):
            if prod.arrival is not None:
                env.process(self._source(i))
        if cfg.jobs:
            env.process(self._job_release())
        for rt in self.stations.values():
            for m in rt.machines:
                env.process(self._machine(rt, m))
        if self.shifts:
            env.process(self._shift_clock())
        if warmup > 0:
            env.process(self._warmup(warmup))

    # -- public ---------------------------------------------------------------------------

    @property
    def now(self) -> float:
        """Current simulated time in minutes."""
        return self.env.now

    def run_until(self, t: float) -> Simulation:
        """Advance the simulation to time ``t`` (minutes); a no-op if already there.

        Raises
        ------
        SimulationError
            When ``t`` is not a finite time, on a deadlock, or when the run exceeds the
            event or WIP budget of ``config.limits``.
        """
        if not isinstance(t, int | float) or not math.isfinite(t):
            raise SimulationError(f"run_until: t must be a finite time in minutes, got {t!r}")
        if t > self.env.now:
            stop = self.env.timeout(t - self.env.now)
            self._advance(stop)
            if stop.callbacks is not None:
                # SimPy re-queues the stop event first in line (with no callbacks left); drop
                # it so that an empty queue means nothing can ever happen again
                self.env.step()
            if self.env.peek() == float("inf"):
                self._check_deadlock()
        return self

    def _advance(self, stop: Event) -> None:
        """Process events up to ``stop`` (as ``env.run(until=stop)``) within the event budget."""
        env = self.env
        budget = self.config.limits.max_events
        stop.callbacks.append(StopSimulation.callback)  # type: ignore[union-attr]
        try:
            while True:
                todo = min(EVENT_CHECK, budget - self.events)
                if todo <= 0:
                    raise self._over_budget()
                done = 0
                try:
                    for done in range(1, todo + 1):  # noqa: B007 (read in finally)
                        env.step()  # as env.run does (measured faster than a stored bound method)
                finally:
                    self.events += done
        except StopSimulation:
            pass

    def _over_budget(self) -> SimulationError:
        budget = self.config.limits.max_events
        return SimulationError(
            f"simulation stopped at t={self.env.now:g} min after {self.events:,} SimPy events "
            f"(limits.max_events = {budget:,}): a release, process or failure stream fires "
            f"far more often than a factory does, or the run is very long; check the arrival, "
            f"process and failure times, or raise the budget with "
            f"--set limits.max_events={budget * 10} (limits: {{max_events: N}} in the file)"
        )

    def _over_wip(self) -> None:
        budget = self.max_wip
        raise SimulationError(
            f"simulation stopped at t={self.env.now:g} min with {self.wip:,} parts in the "
            f"factory (limits.max_wip = {budget:,}): releases outrun the stations, whose "
            f"queues grow without end (a load above 1 in station_loads); add machines, slow "
            f"the arrivals, or raise the budget with --set limits.max_wip={budget * 10}"
        )

    def _check_deadlock(self) -> None:
        """Nothing is scheduled any more: if parts are stuck, say where."""
        stuck = sorted(
            rt.name
            for rt in self.stations.values()
            if len(rt.buffer) or any(m.state == BLOCKED for m in rt.machines)
        )
        if stuck:
            raise SimulationError(
                f"deadlock (found at t={self.env.now:g} min): parts are stuck at "
                f"{', '.join(stuck)} (machines blocked by full buffers, or a planned sequence "
                f"that cannot be kept); enlarge those buffers (null = unbounded) or fix the plan"
            )

    def snapshot(self) -> Snapshot:
        """State of every machine, queue lengths and the KPIs so far."""
        from dtwin.sim.kpis import compute_kpis

        machines = [
            MachineSnapshot(rt.name, m.index, SNAPSHOT_STATE[m.state], round(m.health, 6))
            for rt in self.stations.values()
            for m in rt.machines
        ]
        queues = {name: len(rt.buffer) for name, rt in self.stations.items()}
        return Snapshot(float(self.env.now), machines, queues, compute_kpis(self))

    # -- construction ---------------------------------------------------------------------

    @staticmethod
    def _planned_keys(cfg: FactoryConfig) -> dict[str, list[float]]:
        """Per station, the priority keys of every job part that will visit it."""
        routing = {p.name: p.routing for p in cfg.products}
        keys: dict[str, list[float]] = {}
        for job in cfg.jobs:
            if job.priorities is None:
                continue
            for name, key in zip(routing[job.product], job.priorities, strict=True):
                keys.setdefault(name, []).extend([key] * job.quantity)
        return keys

    def _stream(self, purpose: str) -> random.Random:
        return random.Random(f"{self.seed}/{self.replication}/{purpose}")

    def _route(self, prod: Any) -> tuple[tuple[StationRT, Callable[[], float], float], ...]:
        steps = []
        for name in prod.routing:
            rt = self.stations[name]
            dist = prod.process_times.get(name, rt.cfg.process_time)
            rng = self._stream(f"process/{name}/{prod.name}")
            steps.append((rt, sampler(dist, rng), dist.mean_value))
        return tuple(steps)

    def _policy(self, st: Station) -> MaintenancePolicy:
        return st.maintenance or self.config.maintenance

    # -- processes ------------------------------------------------------------------------

    def _release(self, prod: int) -> None:
        now = self.env.now
        self.wip_area += self.wip * (now - self.wip_last)
        self.wip_last = now
        self.wip += 1
        self.released += 1
        if self.wip > self.max_wip:
            self._over_wip()

    def _source(self, index: int) -> Generator[Any, Any, None]:
        prod = self.config.products[index]
        env = self.env
        timeout = env.timeout
        iat = sampler(prod.arrival, self._stream(f"arrival/{prod.name}"))  # type: ignore[arg-type]
        route = self.routes[index]
        first = route[0][0].buffer
        batch = prod.batch_size
        log = self.log
        while True:
            yield timeout(iat())
            if self.shifts:
                wait = self._off_shift_wait(env.now)
                if wait > 0:
                    yield timeout(wait)
            for _ in range(batch):
                part = Part(self._next_id, index, route)
                self._next_id += 1
                event = first.put(part)
                if event is not None:
                    yield event
                part.release = env.now
                self._release(index)
                if log is not None:
                    log.append((env.now, part.id, route[0][0].name, -1, "release"))

    def _job_release(self) -> Generator[Any, Any, None]:
        env = self.env
        names = [p.name for p in self.config.products]
        for job in sorted(self.config.jobs, key=lambda j: j.release):
            if job.release > env.now:
                yield env.timeout(job.release - env.now)
            index = names.index(job.product)
            route = self.routes[index]
            for _ in range(job.quantity):
                part = Part(self._next_id, index, route, job.priorities)
                self._next_id += 1
                event = route[0][0].buffer.put(part)
                if event is not None:
                    yield event
                part.release = env.now
                self._release(index)
                if self.log is not None:
                    self.log.append((env.now, part.id, route[0][0].name, -1, "release"))

    def _depart(self, part: Part, scrapped: bool) -> None:
        now = self.env.now
        self.wip_area += self.wip * (now - self.wip_last)
        self.wip_last = now
        self.wip -= 1
        self.last_exit = now
        sojourn = now - part.release
        self.sojourns.append(sojourn)
        if scrapped:
            self.scrapped += 1
        else:
            self.lead_times.append(sojourn)
            if part.defective:
                self.defective_shipped += 1

    def _machine(self, rt: StationRT, m: Machine) -> Generator[Any, Any, None]:
        env = self.env
        timeout = env.timeout
        cfg = rt.cfg
        buf = rt.buffer
        name = rt.name
        index = m.index
        wait_state = rt.wait_state
        log = self.log
        shifts = bool(self.shifts)
        inspection = cfg.kind == "inspection"
        detection = cfg.detection_rate
        defect_rate = cfg.defect_rate
        health = cfg.health
        wear = health.wear_per_op if health else 0.0
        failure_factor = health.failure_factor if health else 0.0
        defect_factor = health.defect_factor if health else 0.0
        quality_rng = self._stream(f"quality/{name}/{index}").random
        needs_draw = inspection or defect_rate > 0 or defect_factor > 0
        failure = cfg.failure
        if failure is not None:
            frng = self._stream(f"failure/{name}/{index}")
            ttf = sampler(failure.ttf, frng)
            repair = sampler(failure.repair, frng)
            m.ttf_left = ttf()
        policy = self._policy(cfg)
        pm = policy.policy
        if pm == "periodic":
            m.next_pm = float(policy.interval)  # type: ignore[arg-type]
        pm_duration = (
            sampler(policy.duration, self._stream(f"maintenance/{name}/{index}"))
            if policy.duration is not None
            else None
        )
        threshold = policy.threshold or 0.0
        while True:
            if pm != "none" and (
                (pm == "periodic" and env.now >= m.next_pm)
                or (pm == "health_threshold" and m.health < threshold)
            ):
                yield from self._maintain(m, pm_duration, policy)  # type: ignore[arg-type]
            part = buf.take()
            if part is None:
                if shifts and self._off_shift_wait(env.now) > 0:
                    m.set(OFF, env.now)
                else:
                    m.set(wait_state, env.now)
                part = yield buf.wait()
            if shifts:
                wait = self._off_shift_wait(env.now)
                if wait > 0:
                    m.set(OFF, env.now)
                    yield timeout(wait)
            step = part.step
            route = part.route
            _, sample, ideal = route[step]
            duration = sample()
            m.set(RUN, env.now)
            if log is not None:
                log.append((env.now, part.id, name, index, "start"))
            if failure is not None:
                mult = 1.0 + failure_factor * (1.0 - m.health)
                need = duration * mult
                while m.ttf_left < need:
                    run_for = m.ttf_left / mult
                    yield timeout(run_for)
                    duration -= run_for
                    yield from self._repair(m, repair, health)
                    m.ttf_left = ttf()
                    mult = 1.0 + failure_factor * (1.0 - m.health)
                    need = duration * mult
                m.ttf_left -= need
            yield timeout(duration)
            m.ops += 1
            m.ideal += ideal
            rt.processed += 1
            scrap = False
            if needs_draw:
                if inspection:
                    if part.defective and quality_rng() < detection:
                        scrap = True
                        rt.scrapped += 1
                else:
                    p = defect_rate + defect_factor * (1.0 - m.health)
                    if quality_rng() < p:
                        part.defective = True
                        rt.defects += 1
            if wear:
                m.health = max(0.0, m.health - wear)
            step += 1
            if scrap:
                self._depart(part, True)
                if log is not None:
                    log.append((env.now, part.id, name, index, "scrap"))
            elif step == len(route):
                self._depart(part, False)
                if log is not None:
                    log.append((env.now, part.id, name, index, "exit"))
            else:
                part.step = step
                if log is not None:
                    log.append((env.now, part.id, name, index, "finish"))
                event = route[step][0].buffer.put(part)
                if event is not None:
                    m.set(BLOCKED, env.now)
                    yield event

    def _repair(
        self, m: Machine, repair: Callable[[], float], health: Any
    ) -> Generator[Any, Any, None]:
        env = self.env
        m.set(DOWN, env.now)
        log = self.log
        if log is not None:
            log.append((env.now, -1, m.station.name, m.index, "failure"))
        if self.technicians is not None:
            with self.technicians.request(priority=0) as req:
                yield req
                yield env.timeout(repair())
        else:
            yield env.timeout(repair())
        if health is not None:
            m.health += health.repair_restores * (1.0 - m.health)
        if log is not None:
            log.append((env.now, -1, m.station.name, m.index, "repaired"))
        m.set(RUN, env.now)

    def _maintain(
        self, m: Machine, duration: Callable[[], float], policy: MaintenancePolicy
    ) -> Generator[Any, Any, None]:
        env = self.env
        m.set(MAINT, env.now)
        log = self.log
        if log is not None:
            log.append((env.now, -1, m.station.name, m.index, "maintenance_start"))
        if self.technicians is not None:
            with self.technicians.request(priority=1) as req:
                yield req
                yield env.timeout(duration())
        else:
            yield env.timeout(duration())
        m.health = 1.0
        if policy.policy == "periodic":
            m.next_pm = env.now + float(policy.interval)  # type: ignore[arg-type]
        if log is not None:
            log.append((env.now, -1, m.station.name, m.index, "maintenance_end"))

    def _off_shift_wait(self, now: float) -> float:
        """Minutes until the next working window (0 inside a shift)."""
        minute = now % 1440.0
        best = float("inf")
        for start, end in self.shifts:
            if start <= minute < end:
                return 0.0
            delta = start - minute if start > minute else start + 1440.0 - minute
            best = min(best, delta)
        return best

    def _shift_clock(self) -> Generator[Any, Any, None]:
        """Book waiting machines as off-shift between shifts and as waiting again after."""
        env = self.env
        edges = sorted({t for window in self.shifts for t in window})
        while True:
            off = self._off_shift_wait(env.now) > 0
            for rt in self.stations.values():
                for m in rt.machines:
                    if off and m.state == rt.wait_state:
                        m.set(OFF, env.now)
                    elif not off and m.state == OFF:
                        m.set(rt.wait_state, env.now)
            minute = env.now % 1440.0
            later = [t for t in edges if t > minute + 1e-9]
            yield env.timeout((later[0] if later else edges[0] + 1440.0) - minute)

    def _warmup(self, warmup: float) -> Generator[Any, Any, None]:
        yield self.env.timeout(warmup)
        now = self.env.now
        self.t0 = now
        self.wip_area = 0.0
        self.wip_last = now
        self.released = 0
        self.lead_times = []
        self.sojourns = []
        self.scrapped = 0
        self.defective_shipped = 0
        for rt in self.stations.values():
            rt.processed = rt.defects = rt.scrapped = 0
            for m in rt.machines:
                m.acc = [0.0] * 7
                m.since = now
                m.ops = 0
                m.ideal = 0.0
