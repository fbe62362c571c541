"""The twin's loop on the simulator as the plant: open, closed or oracle.

:class:`TwinLoop` wires one replication: the plant (a ``dtwin.sim.Simulation``), the event
bus, the factory state, the event log and, in the closed loop, the camera and the agents.
Advance it with :meth:`TwinLoop.run_until` (an app steps it), read :attr:`TwinLoop.state`,
and take :meth:`TwinLoop.result` at the end.

Loops (:data:`LOOPS`):

- ``open``: the factory as configured, no feedback. A ``health_threshold`` maintenance policy
  needs someone who knows the machine's health; the plant has no health sensor, so in the
  open loop such a policy never acts (``periodic`` ones do).
- ``closed``: every inspection station photographs each part, the inspection agent classifies
  the image, the health agent turns verdicts into health estimates, the maintenance agent
  acts on them with each station's ``threshold`` and ``duration``, the scheduling agent
  replans, the alert agent raises alerts.
- ``oracle``: ``health_threshold`` policies act on the simulator's *true* health: the upper
  bound of what a health estimate can give.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from dtwin.errors import ConfigError
from dtwin.sim import Simulation, to_factory
from dtwin.twin import events as ev
from dtwin.twin.agents import (
    AlertAgent,
    HealthAgent,
    InspectionAgent,
    MaintenanceAgent,
    PlanningAgent,
    default_rules,
    error_rates,
    flagged,
    health_thresholds,
    wear_models,
)
from dtwin.twin.bus import EventBus
from dtwin.twin.camera import Camera, ImagePool, shared_pool
from dtwin.twin.ids import machine_ids
from dtwin.twin.kpis import run_kpis
from dtwin.twin.log import EventLog
from dtwin.twin.plant import PlantAdapter
from dtwin.twin.rul_policy import MaintenanceSettings, RulPolicy, load_rul_model
from dtwin.twin.state import FactoryState

LOOPS = ("open", "closed", "oracle")
MINUTES_PER_DAY = 1440.0


@dataclass(frozen=True)
class AgentSettings:
    """How the closed loop's agents work (the defaults are what the notebook measures)."""

    pool_per_class: int = 32
    health_window: float = 150.0
    prior_parts: float = 20.0
    min_observations: int = 30
    plan: bool = True
    replan_min: float = 60.0
    plan_jobs: int = 30
    plan_time_limit: float = 0.02  # CP-SAT deterministic time per phase of a reschedule
    stability_weight: int = 1
    retries: int = 2


@dataclass
class LoopCounters:
    """What the loop measured about itself (the camera's truth is used only here)."""

    photographed: int = 0
    correct: int = 0
    maintenance_started: int = 0
    failures: int = 0
    measured_from: float = 0.0

    @property
    def detection_accuracy(self) -> float | None:
        return self.correct / self.photographed if self.photographed else None


def check_loop(loop: str) -> str:
    """``loop`` or a ConfigError naming the valid ones."""
    if loop not in LOOPS:
        raise ConfigError(f"loop: {loop!r} is not valid; choices: {', '.join(LOOPS)}")
    return loop


def twin_summary(state: FactoryState) -> dict[str, Any]:
    """The final state a user compares: machines, queues, counters, schedule and alerts."""
    full = state.to_json()
    return {
        key: full[key]
        for key in ("time", "events", "machines", "queues", "counters", "schedule", "alerts")
    }


class TwinLoop:
    """One replication of the twin on the simulator (see the module doc for ``loop``).

    Parameters
    ----------
    config : factory config, mapping or path.
    loop : ``open``, ``closed`` or ``oracle``.
    seed, replication : as ``dtwin.sim.Simulation``.
    warmup_min : minutes after which the plant's statistics are reset.
    model : the defect classifier for ``closed`` (an ``OnnxClassifier`` or anything with
        ``classes`` and ``predict_proba``); required when the factory has inspection stations.
    events_db : a DuckDB file or connection that receives this replication's event log.
    notify : the user's own alert hook, ``notify(AlertRaised)``.
    maintenance : one maintenance policy for the whole factory
        (:class:`~dtwin.twin.rul_policy.MaintenanceSettings`; None: the factory's own); its
        ``rul`` policy adds the RUL agent and policy in any loop but the oracle.
    """

    def __init__(
        self,
        config: Any,
        loop: str = "closed",
        seed: int = 0,
        replication: int = 0,
        warmup_min: float = 0.0,
        model: Any = None,
        events_db: Any = None,
        settings: AgentSettings | None = None,
        notify: Callable[[ev.AlertRaised], Any] | None = None,
        pool: ImagePool | None = None,
        maintenance: MaintenanceSettings | None = None,
    ) -> None:
        self.config = cfg = to_factory(config)
        self.loop = check_loop(loop)
        self.plan = maintenance
        if maintenance is not None:
            self.config = cfg = maintenance.factory(cfg)
        self.settings = s = settings or AgentSettings()
        self.seed, self.replication = int(seed), int(replication)
        mode = "config" if loop == "oracle" else "external"
        self.sim = Simulation(
            cfg, seed, warmup_min, log_events=False, replication=replication, maintenance=mode
        )
        self.ids = machine_ids(cfg)
        self.bus = EventBus(retries=s.retries)
        self.state = FactoryState(self.ids)
        self.bus.subscribe(self.state.apply, *ev.EVENT_TYPES.values(), name="factory_state")
        self.log = (
            EventLog(events_db, self.ids, replication).attach(self.bus) if events_db else None
        )
        self.counters = LoopCounters(measured_from=float(warmup_min))
        self.bus.subscribe(self._count_service, ev.MaintenanceStarted, name="loop_counters")
        self.bus.subscribe(self._count_failure, ev.MachineDown, name="loop_counters")
        self.warnings: list[str] = []
        self.rul = self.rul_policy = None
        if maintenance is not None and maintenance.policy == "rul":
            self._build_rul(maintenance, events_db)
        self.inspection = self.health = self.maintenance = self.planning = self.alerts = None
        if loop == "closed":
            self._build_agents(model, pool, notify)
        self.adapter = PlantAdapter(self.sim, self.bus, self.ids)

    # -- wiring ---------------------------------------------------------------------------

    def _build_agents(self, model: Any, pool: ImagePool | None, notify: Any) -> None:
        cfg, s, bus, state, ids = self.config, self.settings, self.bus, self.state, self.ids
        inspecting = [st.name for st in cfg.stations if st.kind == "inspection"]
        if not inspecting:
            self.warnings.append(
                "the factory has no inspection station: the twin never sees "
                "a part, so its health estimates stay at their prior"
            )
        elif model is None:
            raise ConfigError(
                f"loop 'closed': the inspection station(s) {', '.join(inspecting)} need a "
                f"defect model (--model models/defects/model.onnx)"
            )
        thresholds = health_thresholds(cfg, ids)
        if not thresholds:
            self.warnings.append(
                "no station has a health_threshold maintenance policy: the "
                "twin estimates health but never sends a machine to maintenance"
            )
        rates = error_rates(model) if model is not None else (0.0, 1.0)
        self.health = HealthAgent(
            bus, state, ids, wear_models(cfg), s.health_window, s.prior_parts, error_rates=rates
        )
        self.maintenance = MaintenanceAgent(
            bus, state, ids, self.health, thresholds, self._command, s.min_observations
        )
        if s.plan:
            self.planning = PlanningAgent(
                bus,
                state,
                ids,
                cfg,
                s.replan_min,
                s.plan_jobs,
                s.plan_time_limit,
                s.stability_weight,
                self.seed,
            )
        self.alerts = AlertAgent(bus, default_rules(thresholds), notify)
        if inspecting:
            pool = pool if pool is not None else shared_pool(self.seed, s.pool_per_class)
            self.inspection = InspectionAgent(bus, model, pool)
            self.camera = Camera(pool, self.seed, self.replication)
            self.sim.subscribe_inspections(self._on_fact)

    def _build_rul(self, plan: MaintenanceSettings, events_db: Any) -> None:
        from dtwin.twin.agents.rul import RulAgent

        if self.loop == "oracle":
            raise ConfigError("maintenance policy 'rul': use loop open or closed (the oracle "
                              "maintains on true health)")  # fmt: skip
        if events_db is not None:
            raise ConfigError("maintenance policy 'rul': the event log does not store RUL "
                              "predictions yet; run it without --events-db")  # fmt: skip
        channels = self.sim.sensor_channels()
        if not channels:
            raise ConfigError(f"maintenance policy 'rul': no station of {self.config.name} "
                              f"has sensors (stations[].sensors)")  # fmt: skip
        policy = RulPolicy(
            self.bus, self.state, self.ids, self._command, plan.margin, plan.min_cycles
        )
        schedule = None
        if plan.lookahead is not None:
            schedule = lambda rul: policy.next_check(rul, plan.lookahead)  # noqa: E731
        model = load_rul_model(plan.model)
        self.rul = RulAgent(self.bus, self.ids, model, channels, plan.every, schedule)
        self.sim.subscribe_sensors(self.rul.on_reading)
        self.rul_policy = policy

    def _count_failure(self, event: ev.MachineDown) -> None:
        if event.time >= self.counters.measured_from:
            self.counters.failures += 1

    def _command(self, station: str, slot: int, reason: str) -> bool:
        return self.sim.request_maintenance(station, slot, reason=reason)

    def _on_fact(self, fact: Any) -> None:
        """The camera photographs a part; the twin gets only the model's verdict."""
        photo = self.camera.photograph(fact.defective)
        machine = self.ids.id_of(fact.station, fact.machine)
        verdict = self.inspection.inspect(fact.time, fact.part, machine, photo)  # type: ignore[union-attr]
        self.counters.photographed += 1
        self.counters.correct += flagged(verdict) == photo.truly_defective

    def _count_service(self, event: ev.MaintenanceStarted) -> None:
        if event.time >= self.counters.measured_from:
            self.counters.maintenance_started += 1

    # -- running --------------------------------------------------------------------------

    @property
    def now(self) -> float:
        """Twin minutes."""
        return float(self.sim.now)

    def run_until(self, t: float) -> TwinLoop:
        """Advance the plant (and with it the twin) to minute ``t``."""
        self.sim.run_until(t)
        if self.log is not None:
            self.log.flush()
        return self

    def kpis(self) -> dict[str, float]:
        """The KPIs of the measured window so far (``dtwin.twin.kpis``)."""
        return run_kpis(self.sim, self.counters.maintenance_started, self.counters.failures)

    def loop_stats(self) -> dict[str, Any]:
        """What the loop did: images classified, detection accuracy, alerts, dead letters."""
        c = self.counters
        stats: dict[str, Any] = {
            "images_classified": self.inspection.classified if self.inspection else 0,
            "model_images": self.inspection.model_images if self.inspection else 0,
            "detection_accuracy": c.detection_accuracy,
            "alerts": len(self.alerts.alerts) if self.alerts else 0,
            "maintenance_requests": len(self.maintenance.decisions) if self.maintenance else 0,
            "plans": len(self.planning.plans) if self.planning else 0,
            "dead_letters": len(self.bus.dead_letters),
            "events": self.bus.seq + 1,
            "rul_predictions": self.rul.predictions if self.rul else 0,
            "rul_requests": len(self.rul_policy.decisions) if self.rul_policy else 0,
        }
        return stats

    def result(self) -> dict[str, Any]:
        """KPIs, loop statistics and the final state of this replication (plain JSON)."""
        return {
            "replication": self.replication,
            "kpis": self.kpis(),
            "loop": self.loop_stats(),
            "final_state": twin_summary(self.state),
            "warnings": list(self.warnings),
        }


def open_model(model: Any) -> Any:
    """An ``OnnxClassifier`` for a path (a model folder or ``model.onnx``); objects pass."""
    if model is None or not isinstance(model, str | Path):
        return model
    from dtwin.vision import OnnxClassifier

    path = Path(model)
    clf = OnnxClassifier.from_dir(path) if path.is_dir() else OnnxClassifier(path, threads=1)
    from dtwin.twin.agents import check_model

    check_model(clf, str(path))
    return clf
