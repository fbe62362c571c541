"""The SimPy engine: builds a factory from its config and runs it step by step.

Each machine is one long-lived SimPy process (:meth:`Simulation._machine`) made of named
steps: service when due (``_maintain``), wait for a part (``_wait_for_part``) and a shift,
start it (``_start``), run it with failures (``_run_with_failures``), finish it with its
quality draw and wear (``_finish``) and pass it on (``_pass_on``, blocking while the next
buffer is full). Its constants and state live on :class:`~dtwin.sim.machine.Machine`.
Failures count operating time: an operation that would outlast the remaining time to failure
is split around the repair, so no SimPy interrupts are needed. Repairs and services share one
technician pool (``_technician``). Every random number comes from a ``random.Random`` stream
keyed by (seed, replication, purpose), so a run is reproducible bit for bit and scenarios
share streams per station (common random numbers).

Observers: every event (release, start, finish, exit, scrap, failure, repaired, maintenance)
passes through one hook, :meth:`Simulation.subscribe`, as an :data:`EventRecord`; with
``states=True`` every machine state change does too. The event log (``Simulation.log``) is
such a subscriber, and so will be the twin, which also gets each inspected part's true
state for its camera (:meth:`Simulation.subscribe_inspections`) and commands the plant
through :meth:`Simulation.request_maintenance` (:mod:`dtwin.sim.commands`). KPIs and snapshots read
:meth:`Simulation.view`, a read-only copy, never the engine's internals.

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
from dtwin.event_schema import SimEventRecord as EventRecord
from dtwin.sim.commands import (
    InspectionFact,
    MaintenanceRequest,
    ReleaseFact,
    check_mode,
    find_machine,
    service_minutes,
)
from dtwin.sim.config import FactoryConfig, to_factory
from dtwin.sim.distributions import sampler
from dtwin.sim.machine import Machine, Observer, Part, StationRT
from dtwin.sim.results import MachineSnapshot, Snapshot
from dtwin.sim.sensors import LifeObserver, ReadingObserver, SensorObservers
from dtwin.sim.states import MachineState
from dtwin.sim.view import MachineView, PlantView, StationView

# short names for the hot loop (each is the MachineState member itself)
RUN, IDLE, BLOCKED, STARVED, DOWN, MAINT, OFF = MachineState
# events between two checks of the event budget: often enough to stop a run within a fraction
# of a second of its budget, rare enough to cost nothing per event
EVENT_CHECK = 50_000

__all__ = [
    "EVENT_CHECK",
    "EventRecord",
    "InspectionFact",
    "Machine",
    "MaintenanceRequest",
    "Observer",
    "Part",
    "Simulation",
    "StationRT",
]


class Simulation:
    """A factory run that can be advanced step by step and inspected at any time.

    Parameters
    ----------
    config : FactoryConfig, mapping or path of the factory.
    seed : master seed; the same seed gives the same run bit for bit.
    warmup : minutes after which all statistics are reset.
    log_events : keep the event log (time, entity, station, machine, event).
    replication : index of the replication; selects independent random streams.
    maintenance : ``"config"`` (every policy acts as configured) or ``"external"``: the
        ``health_threshold`` policies do not act by themselves, so that a controller (the
        twin) owns condition-based maintenance through :meth:`request_maintenance`;
        ``periodic`` policies still act.
    start_time : the clock's first reading in minutes (0: a plant that starts empty; a warm
        start from a plant's state, :func:`dtwin.sim.warmstart.simulation_from`, starts at
        the state's time so that every time is a time of the plant's log).
    """

    def __init__(
        self,
        config: FactoryConfig | dict[str, Any] | str | Path,
        seed: int = 0,
        warmup: float = 0.0,
        log_events: bool = True,
        replication: int = 0,
        maintenance: str = "config",
        start_time: float = 0.0,
    ) -> None:
        self.config = cfg = to_factory(config)
        self.maintenance = check_mode(maintenance)
        self.seed = seed
        self.replication = replication
        self.env = env = simpy.Environment(initial_time=start_time)
        self._observers: list[Observer] = []
        self._state_observers: list[Observer] = []
        self._emit: Observer | None = None  # every observer of events, as one callable
        self._inspectors: list[Callable[[InspectionFact], None]] = []
        self._releasers: list[Callable[[ReleaseFact], None]] = []
        self.requests: list[MaintenanceRequest] = []  # every accepted maintenance command
        self.log: list[EventRecord] | None = [] if log_events else None
        self.t0 = float(start_time)
        self.wip = 0
        self.max_wip = cfg.limits.max_wip
        self.events = 0  # SimPy events processed so far (warm-up included)
        self.wip_area = 0.0
        self.wip_last = float(start_time)
        self.released = 0
        self.lead_times: list[float] = []
        self.sojourns: list[float] = []
        self.scrapped = 0
        self.defective_shipped = 0
        self._next_id = 0
        self.last_exit = float("nan")
        self.sensor_observers = SensorObservers()
        self.stations = self._build_stations(cfg, env)
        self.shifts = sorted((s.start * 60.0, s.end * 60.0) for s in cfg.shifts or [])
        self.technicians = (
            simpy.PriorityResource(env, capacity=cfg.maintenance.technicians)
            if cfg.maintenance.technicians
            else None
        )
        self.routes = [self._route(p) for p in cfg.products]
        if self.maintenance == "external":
            self._hand_over_thresholds()
        if self.log is not None:
            self.subscribe(self.log.append)  # the event log is an observer like any other
        self._start_processes(warmup)

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

    def view(self) -> PlantView:
        """A read-only copy of what KPIs and snapshots read, at the current time."""
        now = self.env.now
        window = now - self.t0
        stations = tuple(
            StationView(
                rt.name,
                rt.cfg.kind,
                rt.cfg.energy,
                tuple(self._machine_view(m, now, window) for m in rt.machines),
                rt.processed,
                rt.defects,
                rt.scrapped,
                len(rt.buffer),
            )
            for rt in self.stations.values()
        )
        return PlantView(
            now=float(now),
            t0=self.t0,
            stations=stations,
            released=self.released,
            wip=self.wip,
            wip_area=self.wip_area + self.wip * (now - self.wip_last),
            lead_times=tuple(self.lead_times),
            sojourns=tuple(self.sojourns),
            scrapped=self.scrapped,
            defective_shipped=self.defective_shipped,
            last_exit=self.last_exit,
        )

    @staticmethod
    def _machine_view(m: Machine, now: float, window: float) -> MachineView:
        state = MachineState(m.state)
        shares = tuple(m.shares(now, window))
        return MachineView(m.name, m.index, state, m.health, m.ops, m.ideal, shares)

    def snapshot(self) -> Snapshot:
        """State of every machine, queue lengths and the KPIs so far."""
        from dtwin.sim.kpis import compute_kpis

        view = self.view()
        machines = [
            MachineSnapshot(st.name, m.index, m.state.shown, round(m.health, 6))
            for st in view.stations
            for m in st.machines
        ]
        queues = {st.name: st.queue for st in view.stations}
        return Snapshot(view.now, machines, queues, compute_kpis(view))

    # -- observers ------------------------------------------------------------------------

    def subscribe(self, callback: Observer, states: bool = False) -> Callable[[], None]:
        """Call ``callback(record)`` for every event from now on; returns the unsubscribe.

        ``record`` is an :data:`EventRecord` ``(time, entity, station, machine, event)``, the
        row of the event log (which is itself a subscriber): ``release`` (machine -1),
        ``start``, ``finish``, ``exit``, ``scrap`` (entity = part id), ``failure``,
        ``repaired``, ``maintenance_requested`` (only after :meth:`request_maintenance`),
        ``maintenance_start``, ``maintenance_end`` (entity -1). With
        ``states=True`` the callback also gets every machine state change as
        ``(time, -1, station, machine, "state:<label>")`` (labels of
        :class:`~dtwin.sim.states.MachineState`). Callbacks run inside the event loop: keep
        them short and never change the simulation from one.
        """
        self._observers.append(callback)
        if states:
            self._state_observers.append(callback)
        self._rewire()

        def unsubscribe() -> None:
            self._observers.remove(callback)
            if states:
                self._state_observers.remove(callback)
            self._rewire()

        return unsubscribe

    def subscribe_inspections(
        self, callback: Callable[[InspectionFact], None]
    ) -> Callable[[], None]:
        """Call ``callback(fact)`` each time an inspection station finishes a part.

        The :class:`~dtwin.sim.commands.InspectionFact` carries the part's id, product and
        *true* defect flag, for a camera model that draws a synthetic image of that state.
        The twin must not read the flag itself: it knows a part only through what its
        classifier says about the camera's image. Returns the unsubscribe.
        """
        self._inspectors.append(callback)

        def unsubscribe() -> None:
            self._inspectors.remove(callback)

        return unsubscribe

    def subscribe_releases(self, callback: Callable[[ReleaseFact], None]) -> Callable[[], None]:
        """Call ``callback(fact)`` for each part released, just before its ``release`` record.

        The :class:`~dtwin.sim.commands.ReleaseFact` names the part's product and route, as
        the plant's MES knows its orders. Returns the unsubscribe.
        """
        self._releasers.append(callback)

        def unsubscribe() -> None:
            self._releasers.remove(callback)

        return unsubscribe

    def subscribe_sensors(
        self, on_reading: ReadingObserver, on_life_end: LifeObserver | None = None
    ) -> Callable[[], None]:
        """Call ``on_reading(reading)`` for every sensor reading from now on (stations with
        ``sensors``), and ``on_life_end(ended)`` when a machine's life ends (a wear-out failure
        or a service that restores it): :mod:`dtwin.sim.sensors`. Returns the unsubscribe.
        """
        obs = self.sensor_observers
        obs.readings.append(on_reading)
        if on_life_end is not None:
            obs.lives.append(on_life_end)

        def unsubscribe() -> None:
            obs.readings.remove(on_reading)
            if on_life_end is not None:
                obs.lives.remove(on_life_end)

        return unsubscribe

    def sensor_channels(self) -> dict[str, list[str]]:
        """Station -> its sensor channel names, for every station with sensors."""
        return {st.name: st.sensors.names for st in self.config.stations if st.sensors is not None}

    # -- commands -------------------------------------------------------------------------

    def request_maintenance(
        self, station: str, slot: int, duration: float | None = None, reason: str = ""
    ) -> bool:
        """Send machine ``slot`` of ``station`` to maintenance once its current part is done.

        It never stops mid-part or while down: a busy machine finishes (and passes on) its
        part first, an idle one starts at once. The service takes a technician of the
        factory's pool (after waiting repairs), lasts ``duration`` minutes or a draw of the
        station's maintenance ``duration``, and restores full health as preventive
        maintenance does. Observers see ``maintenance_requested`` now, then
        ``maintenance_start`` and ``maintenance_end``.

        Returns False (and does nothing) when the machine already has a request pending or
        is in maintenance, True otherwise.

        Raises
        ------
        SimulationError
            For an unknown station or machine, a bad ``duration``, or a station without a
            maintenance duration when ``duration`` is None.
        """
        m = find_machine(self.stations, station, slot)
        minutes = service_minutes(m, duration)
        if m.request is not None or m.state == MAINT:
            return False
        m.request = minutes
        now = self.env.now
        self.requests.append(MaintenanceRequest(now, station, slot, duration, str(reason)))
        self._machine_event(m, "maintenance_requested")
        waiting = m.waiting
        if waiting is not None and not waiting.triggered:
            m.buffer.getters.remove(waiting)  # wake the idle machine without a part
            waiting.succeed(None)
        return True

    def _hand_over_thresholds(self) -> None:
        """``maintenance="external"``: health_threshold policies stop acting by themselves."""
        for rt in self.stations.values():
            for m in rt.machines:
                if m.policy == "health_threshold":
                    m.policy = "none"  # its duration stays, for requested services

    def _rewire(self) -> None:
        self._emit = _fan_out(self._observers)
        notify = _fan_out(self._state_observers)
        for rt in self.stations.values():
            for m in rt.machines:
                m.notify = notify

    # -- construction ---------------------------------------------------------------------

    def _build_stations(self, cfg: FactoryConfig, env: simpy.Environment) -> dict[str, StationRT]:
        """Stations in config order; a station no product starts at waits as ``starved``."""
        firsts = {p.routing[0] for p in cfg.products}
        later = {s for p in cfg.products for s in p.routing[1:]}
        planned = self._planned_keys(cfg)
        stations: dict[str, StationRT] = {}
        for st in cfg.stations:
            wait = STARVED if st.name in later or st.name not in firsts else IDLE
            policy = st.maintenance or cfg.maintenance
            stations[st.name] = StationRT(
                st, env, wait, self._stream, policy, planned.get(st.name), self.sensor_observers
            )
        return stations

    def _start_processes(self, warmup: float) -> None:
        env, cfg = self.env, self.config
        for i, prod in enumerate(cfg.products):
            if prod.arrival is not None:
                env.process(self._source(i))
        if cfg.jobs:
            env.process(self._job_release())
        for rt in self.stations.values():
            for m in rt.machines:
                env.process(self._machine(m))
        if self.shifts:
            env.process(self._shift_clock())
        if warmup > 0:
            env.process(self._warmup(warmup))

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

    # -- processes ------------------------------------------------------------------------

    def _count_release(self) -> None:
        now = self.env.now
        self.wip_area += self.wip * (now - self.wip_last)
        self.wip_last = now
        self.wip += 1
        self.released += 1
        if self.wip > self.max_wip:
            self._over_wip()

    def _release_parts(
        self, product: int, count: int, keys: list[float] | None = None
    ) -> Generator[Any, Any, None]:
        """Put ``count`` new parts of ``product`` into the first buffer of its route."""
        env = self.env
        route = self.routes[product]
        first = route[0][0]
        for _ in range(count):
            part = Part(self._next_id, product, route, keys)
            self._next_id += 1
            event = first.buffer.put(part)
            if event is not None:
                yield event  # the first buffer is full: the release waits
            part.release = env.now
            self._count_release()
            if self._releasers:
                self._announce(part, first.name)
            if self._emit is not None:
                self._emit((env.now, part.id, first.name, -1, "release"))

    def _announce(self, part: Part, station: str) -> None:
        prod = self.config.products[part.product]
        fact = ReleaseFact(self.env.now, part.id, prod.name, station, tuple(prod.routing))
        for callback in tuple(self._releasers):
            callback(fact)

    def _source(self, index: int) -> Generator[Any, Any, None]:
        """Open arrivals of one product: a batch every inter-arrival time, within shifts."""
        prod = self.config.products[index]
        env = self.env
        iat = sampler(prod.arrival, self._stream(f"arrival/{prod.name}"))  # type: ignore[arg-type]
        while True:
            yield env.timeout(iat())
            if self.shifts:
                wait = self._off_shift_wait(env.now)
                if wait > 0:
                    yield env.timeout(wait)
            yield from self._release_parts(index, prod.batch_size)

    def _job_release(self) -> Generator[Any, Any, None]:
        """The job list: each job's parts at its release time."""
        env = self.env
        names = [p.name for p in self.config.products]
        for job in sorted(self.config.jobs, key=lambda j: j.release):
            if job.release > env.now:
                yield env.timeout(job.release - env.now)
            yield from self._release_parts(names.index(job.product), job.quantity, job.priorities)

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

    # -- a machine's life, step by step ------------------------------------------------------

    def _machine(self, m: Machine) -> Generator[Any, Any, None]:
        """Service when due, wait for a part (and a shift), process it, pass it on; repeat."""
        env = self.env
        while True:
            if m.wear_out and m.health <= 0.0:
                yield from self._wear_out(m)
            if m.request is not None:
                yield from self._maintain(m, m.request)
            elif m.policy != "none" and m.service_due(env.now):
                yield from self._maintain(m)
            part = m.buffer.take()
            if part is None:
                part = yield from self._wait_for_part(m)
                if part is None:
                    continue  # woken by a maintenance request
            if self.shifts:
                wait = self._off_shift_wait(env.now)
                if wait > 0:
                    m.set(OFF, env.now)
                    yield env.timeout(wait)
                    if m.request is not None:  # requested off shift: serve before the part
                        yield from self._maintain(m, m.request)
            duration = self._start(m, part)
            if m.ttf is None or m.survives(duration):
                yield env.timeout(duration)
            else:
                yield from self._run_with_failures(m, duration)
            event = self._pass_on(m, part, self._finish(m, part))
            if event is not None:
                m.set(BLOCKED, env.now)  # the next buffer is full
                yield event

    def _wait_for_part(self, m: Machine) -> Generator[Any, Any, Part | None]:
        """The buffer is empty: wait (off shift, idle or starved) until a part arrives."""
        now = self.env.now
        m.set(OFF if self.shifts and self._off_shift_wait(now) > 0 else m.wait_state, now)
        m.waiting = m.buffer.wait()
        part = yield m.waiting
        m.waiting = None
        return part  # type: ignore[no-any-return]  # None: woken by a maintenance request

    def _start(self, m: Machine, part: Part) -> float:
        """Start processing ``part``; returns its process time."""
        duration = part.route[part.step][1]()
        now = self.env.now
        m.set(RUN, now)
        if self._emit is not None:
            self._emit((now, part.id, m.name, m.index, "start"))
        return duration

    def _run_with_failures(self, m: Machine, duration: float) -> Generator[Any, Any, None]:
        """Process for ``duration``, broken by every failure that falls inside it."""
        timeout = self.env.timeout
        mult = m.slowdown()
        need = duration * mult
        while m.ttf_left < need:
            run_for = m.ttf_left / mult
            yield timeout(run_for)
            duration -= run_for
            yield from self._repair(m)
            m.ttf_left = m.ttf()  # type: ignore[misc]
            mult = m.slowdown()
            need = duration * mult
        m.ttf_left -= need
        yield timeout(duration)

    def _finish(self, m: Machine, part: Part) -> bool:
        """Book the operation, draw its quality and wear; True when inspection scraps it."""
        m.ops += 1
        m.ideal += part.route[part.step][2]
        m.station.processed += 1
        scrap = m.draw_quality(part) if m.needs_draw else False
        if m.wear:
            m.health = max(0.0, m.health - m.wear * m.wear_rate)
        if m.sensor is not None:
            m.sensor.operated(m.health, self.env.now)
        if m.inspection and self._inspectors:
            self._photograph(m, part, scrap)
        return scrap

    def _photograph(self, m: Machine, part: Part, scrap: bool) -> None:
        product = self.config.products[part.product].name
        fact = InspectionFact(
            self.env.now, part.id, product, m.name, m.index, part.defective, scrap
        )
        for callback in tuple(self._inspectors):
            callback(fact)

    def _pass_on(self, m: Machine, part: Part, scrap: bool) -> Event | None:
        """Scrap, ship or put ``part`` into its next buffer (an event while that one is full)."""
        now = self.env.now
        emit = self._emit
        step = part.step + 1
        if scrap or step == len(part.route):
            self._depart(part, scrap)
            if emit is not None:
                emit((now, part.id, m.name, m.index, "scrap" if scrap else "exit"))
            return None
        part.step = step
        if emit is not None:
            emit((now, part.id, m.name, m.index, "finish"))
        return part.route[step][0].buffer.put(part)

    # -- repairs and maintenance: one technician pool ---------------------------------------

    def _technician(self, priority: int, minutes: Callable[[], float]) -> Generator[Any, Any, None]:
        """Work of ``minutes()`` by a technician (repairs, priority 0, go before services)."""
        if self.technicians is None:
            yield self.env.timeout(minutes())
            return
        with self.technicians.request(priority=priority) as req:
            yield req
            yield self.env.timeout(minutes())

    def _machine_event(self, m: Machine, event: str) -> None:
        if self._emit is not None:
            self._emit((self.env.now, -1, m.name, m.index, event))

    def _repair(self, m: Machine) -> Generator[Any, Any, None]:
        """A breakdown: down until repaired, which restores part of the lost health."""
        m.set(DOWN, self.env.now)
        self._machine_event(m, "failure")
        yield from self._technician(0, m.repair)  # type: ignore[arg-type]
        if m.repair_restores is not None:
            m.health += m.repair_restores * (1.0 - m.health)
        self._machine_event(m, "repaired")
        m.set(RUN, self.env.now)

    def _maintain(
        self, m: Machine, minutes: Callable[[], float] | None = None
    ) -> Generator[Any, Any, None]:
        """Preventive maintenance: restores full health and plans the next periodic service.

        ``minutes``: the length of a requested service (None: the policy's ``duration``).
        """
        m.request = None
        m.set(MAINT, self.env.now)
        self._machine_event(m, "maintenance_start")
        yield from self._technician(1, minutes or m.pm_duration)  # type: ignore[arg-type]
        m.renew(self.env.now, "maintenance")
        if m.policy == "periodic":
            m.next_pm = self.env.now + m.pm_interval  # type: ignore[operator]
        self._machine_event(m, "maintenance_end")

    def _wear_out(self, m: Machine) -> Generator[Any, Any, None]:
        """Worn out (health 0): down until the worn part is replaced, which makes it as new."""
        m.set(DOWN, self.env.now)
        self._machine_event(m, "failure")
        yield from self._technician(0, m.wear_repair)  # type: ignore[arg-type]
        m.renew(self.env.now, "failure")
        if m.policy == "periodic":  # as new: the next service counts from now (age-based)
            m.next_pm = self.env.now + m.pm_interval  # type: ignore[operator]
        self._machine_event(m, "repaired")

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
                m.reset_counters(now)


def _fan_out(callbacks: list[Observer]) -> Observer | None:
    """One callable for a list of observers (None for none, the observer itself for one)."""
    if not callbacks:
        return None
    if len(callbacks) == 1:
        return callbacks[0]
    chain = tuple(callbacks)

    def fan_out(record: EventRecord) -> None:
        for callback in chain:
            callback(record)

    return fan_out
