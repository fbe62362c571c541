"""A simulation that starts from a plant's state instead of an empty plant.

:func:`simulation_from` builds a :class:`WarmStart`: a :class:`~dtwin.sim.engine.Simulation`
whose clock starts at the state's time (every time it reports is a time of the plant's log,
in minutes) with the state's parts in their buffers and on their machines, its machines down
or in maintenance as the state says, and the config's arrival processes releasing new parts.

What is resumed, and how (``dtwin.sim.residual``: draws *conditioned* on the time already
elapsed, not full draws less the elapsed):

- a part on a machine: its remaining process time is the station's (or its product's)
  process time given that it exceeds the ``worked`` minutes; it gets no second ``start``
  event, and it is passed on as any other part when done;
- a machine down: its remaining repair is the station's repair time given that it has
  lasted since ``since``, then ``repaired`` (no second ``failure``) and a fresh time to
  failure; a machine in maintenance likewise (the policy's ``duration``; none: it ends at
  once), then ``maintenance_end``; a part held by either continues after it;
- the time to the next failure of every other machine is drawn given its ``operating_min``
  since the last repair; a periodic service is next due ``interval`` after ``last_service``
  (the log's start when None); health starts at 1 (a log does not record it);
- each product's first arrival after the state's time is its inter-arrival time given the
  time since its ``last_release``; jobs of the list released before the state's time are
  taken as already in the state.

Parts in a buffer are queued in order of ``since``; a buffer may start above its capacity
(its upstream machine was blocked in the plant) and its upstream then blocks until it
drains. The engine names parts by integers: the state's parts are ``0 .. n-1`` in state
order (:meth:`WarmStart.part_name` gives back their log ids), new parts follow and are named
``twin-<k>``. The same seed gives the same run bit for bit.
"""

from __future__ import annotations

import random
from collections.abc import Generator
from pathlib import Path
from typing import Any

from dtwin.errors import ConfigError
from dtwin.event_schema import station_machine_ids
from dtwin.sim.config import FactoryConfig, to_factory
from dtwin.sim.distributions import sampler
from dtwin.sim.engine import Simulation
from dtwin.sim.machine import Machine, Part
from dtwin.sim.plantstate import PlantState, check_state
from dtwin.sim.residual import MIN_REMAINING, remaining_time
from dtwin.sim.states import MachineState

#: the prefix of the names of parts released after the state's time
NEW_PART_PREFIX = "twin-"

__all__ = ["NEW_PART_PREFIX", "WarmStart", "simulation_from"]


def simulation_from(
    config: FactoryConfig | dict[str, Any] | str | Path,
    state: PlantState,
    seed: int = 0,
    replication: int = 0,
    log_events: bool = True,
    maintenance: str = "config",
) -> WarmStart:
    """A simulation of ``config`` that starts from ``state`` at ``state.time``.

    Raises
    ------
    ConfigError
        When the state does not fit the factory (:func:`~dtwin.sim.plantstate.check_state`),
        or a machine is down at a station without a failure model.
    """
    return WarmStart(config, state, seed, replication, log_events, maintenance)


class WarmStart(Simulation):
    """A :class:`~dtwin.sim.engine.Simulation` resumed from a :class:`PlantState`."""

    def __init__(
        self,
        config: FactoryConfig | dict[str, Any] | str | Path,
        state: PlantState,
        seed: int = 0,
        replication: int = 0,
        log_events: bool = True,
        maintenance: str = "config",
    ) -> None:
        cfg = to_factory(config)
        if not isinstance(state, PlantState):
            raise ConfigError(f"state: expected a PlantState, got {type(state).__name__}")
        check_state(state, cfg)
        self.state = state
        self.part_names = [p.part for p in state.parts]
        super().__init__(
            cfg, seed, 0.0, log_events, replication, maintenance, start_time=state.time
        )

    def part_name(self, entity: int) -> str:
        """The log id of engine part ``entity`` (``twin-<k>`` for a part released later)."""
        if 0 <= entity < len(self.part_names):
            return self.part_names[entity]
        return f"{NEW_PART_PREFIX}{entity}"

    # -- placing the state --------------------------------------------------------------

    def _start_processes(self, warmup: float) -> None:
        env, now = self.env, self.state.time
        machines = self._machines_by_id()
        for m in machines.values():
            m.reset_counters(now)
        stopped = self._resume_machines(machines)
        held = self._place_parts(machines)
        for i, prod in enumerate(self.config.products):
            if prod.arrival is not None:
                env.process(self._source(i))
        if self.config.jobs:
            env.process(self._job_release())
        for mid, m in machines.items():
            env.process(self._resume(m, stopped.get(mid), held.get(mid)))
        if self.shifts:
            env.process(self._shift_clock())

    def _machines_by_id(self) -> dict[str, Machine]:
        out: dict[str, Machine] = {}
        for st in self.config.stations:
            ids = station_machine_ids(st.name, st.machines, st.machine_ids)
            for mid, m in zip(ids, self.stations[st.name].machines, strict=True):
                out[mid] = m
        return out

    def _resume_machines(self, machines: dict[str, Machine]) -> dict[str, tuple[str, float]]:
        """Time to failure and next service of each machine; the downtime left of stopped ones."""
        now = self.state.time
        rng = self._stream("warmstart/machines")
        stopped: dict[str, tuple[str, float]] = {}
        for mid, m in machines.items():
            entry = self.state.machine(mid)
            station = self.config.station(m.name)
            elapsed = now - entry.since if entry.since is not None else 0.0
            if entry.status == "down":
                if station.failure is None:
                    raise ConfigError(
                        f"plant state: machine {mid!r} is down, but station {m.name!r} has no "
                        f"failure model (stations.{m.name}.failure) to draw its repair from"
                    )
                stopped[mid] = ("down", remaining_time(station.failure.repair, elapsed, rng))
            elif entry.status == "maintenance":
                policy = station.maintenance or self.config.maintenance
                dist = policy.duration
                left = remaining_time(dist, elapsed, rng) if dist is not None else MIN_REMAINING
                stopped[mid] = ("maintenance", left)
            if station.failure is not None and entry.status != "down":
                m.ttf_left = remaining_time(station.failure.ttf, entry.operating_min, rng)
            if m.policy == "periodic":
                m.next_pm = (entry.last_service or 0.0) + m.pm_interval  # type: ignore[operator]
        return stopped

    def _place_parts(self, machines: dict[str, Machine]) -> dict[str, tuple[Part, float]]:
        """Queue the buffered parts and hand each machine its part with the work left."""
        names = [p.name for p in self.config.products]
        rng = self._stream("warmstart/work")
        held: dict[str, tuple[Part, float]] = {}
        queued: list[tuple[float, int, Part]] = []
        for k, op in enumerate(self.state.parts):
            index = names.index(op.product)
            route = self.routes[index]
            part = Part(k, index, route)
            part.step = len(route) - len(op.route)
            part.release = op.released
            if op.machine is None:
                queued.append((op.since, k, part))
                continue
            prod, station = self.config.products[index], self.config.station(op.route[0])
            dist = prod.process_times.get(station.name, station.process_time)
            held[op.machine] = (part, remaining_time(dist, op.worked, rng))
        for _, _, part in sorted(queued, key=lambda q: (q[0], q[1])):
            buffer = part.route[part.step][0].buffer
            capacity, buffer.capacity = buffer.capacity, float("inf")
            buffer.put(part)  # above capacity if the plant's upstream was blocked
            buffer.capacity = capacity
        self.wip = len(self.state.parts)
        self._next_id = len(self.state.parts)
        return held

    # -- resumed steps --------------------------------------------------------------------

    def _resume(
        self, m: Machine, stopped: tuple[str, float] | None, held: tuple[Part, float] | None
    ) -> Generator[Any, Any, None]:
        """Finish the downtime and the part the machine had at the state's time, then live."""
        if stopped is not None:
            kind, left = stopped
            if kind == "down":
                yield from self._finish_repair(m, left)
            else:
                yield from self._finish_service(m, left)
        if held is not None:
            yield from self._finish_work(m, *held)
        yield from self._machine(m)

    def _finish_repair(self, m: Machine, left: float) -> Generator[Any, Any, None]:
        m.set(MachineState.DOWN, self.env.now)
        yield from self._technician(0, lambda: left)
        if m.repair_restores is not None:
            m.health += m.repair_restores * (1.0 - m.health)
        self._machine_event(m, "repaired")
        m.ttf_left = m.ttf()  # type: ignore[misc]

    def _finish_service(self, m: Machine, left: float) -> Generator[Any, Any, None]:
        m.request = None
        m.set(MachineState.MAINTENANCE, self.env.now)
        yield from self._technician(1, lambda: left)
        m.health = 1.0
        if m.policy == "periodic":
            m.next_pm = self.env.now + m.pm_interval  # type: ignore[operator]
        self._machine_event(m, "maintenance_end")

    def _finish_work(self, m: Machine, part: Part, work: float) -> Generator[Any, Any, None]:
        env = self.env
        m.set(MachineState.RUNNING, env.now)
        if m.ttf is None or m.survives(work):
            yield env.timeout(work)
        else:
            yield from self._run_with_failures(m, work)
        event = self._pass_on(m, part, self._finish(m, part))
        if event is not None:
            m.set(MachineState.BLOCKED, env.now)
            yield event

    # -- releases after the state's time --------------------------------------------------

    def _source(self, index: int) -> Generator[Any, Any, None]:
        """As the engine's, but the first gap is drawn given the time since the last release."""
        prod = self.config.products[index]
        env = self.env
        rng: random.Random = self._stream(f"arrival/{prod.name}")
        iat = sampler(prod.arrival, rng)  # type: ignore[arg-type]
        last = self.state.last_release.get(prod.name)
        elapsed = env.now - last if last is not None else 0.0
        gap = remaining_time(prod.arrival, elapsed, rng)
        while True:
            yield env.timeout(gap)
            if self.shifts:
                wait = self._off_shift_wait(env.now)
                if wait > 0:
                    yield env.timeout(wait)
            yield from self._release_parts(index, prod.batch_size)
            gap = iat()

    def _job_release(self) -> Generator[Any, Any, None]:
        """The job list's parts released after the state's time."""
        env = self.env
        names = [p.name for p in self.config.products]
        for job in sorted(self.config.jobs, key=lambda j: j.release):
            if job.release < self.state.time:
                continue
            if job.release > env.now:
                yield env.timeout(job.release - env.now)
            yield from self._release_parts(names.index(job.product), job.quantity, job.priorities)
