"""ControlRoom: watch the twin's loop unfold: floor, event feed, alerts, health, plan and KPIs.

The room takes a factory config (plain data) and ``make_twin()``, which returns a fresh twin: a
``dtwin.twin.TwinLoop`` or anything with the same attributes (:class:`TwinLike`). It builds
the twin on a background thread (a camera image pool and a defect model take seconds), then
steps it with ``run_until`` one tick at a time: a ``Play`` widget in the page sends the ticks,
so between two steps the kernel answers pause, speed and reset at once. A tick that arrives
while a step is still running is dropped instead of queueing up behind it.

What the page shows is what the twin believes (the floor's colours, the feed, the alerts, the
plan); the simulator's true health appears only beside the twin's estimate, labelled as the
truth the twin never reads. A figure not yet measured reads ``—``; every number has its unit.
``compare(loop)`` (optional) returns a ``run_twin`` report; the room runs it for the open and
the closed loop in the background and shows their KPIs side by side with 95% intervals.
"""

from __future__ import annotations

import threading
import time
from collections import deque
from collections.abc import Callable, Mapping
from concurrent.futures import Future
from typing import Any, Protocol

import ipywidgets as w

from dtwin.sim import factory_layout
from dtwin.twin import (
    KPI_LABELS,
    KPI_NAMES,
    EventFeed,
    floor_snapshot,
    format_kpi,
    format_time,
    health_rows,
    machine_ids,
    rul_rows,
    worn_machines,
)
from widgets.background import load_in_background
from widgets.messages import MessageBox, describe
from widgets.twin_panels import (
    STYLE,
    AlertsPanel,
    FeedPanel,
    HealthPanel,
    KpiComparePanel,
    PlanPanel,
    RulPanel,
    TwinFloor,
    _esc,
    _set,
)

# twin minutes per tick at TICK_MS between ticks: "1 h per s" is 30 min a tick, 2 ticks a second
TICK_MS = 500
SPEEDS = {f"{m * 1000 / TICK_MS / 60:g} h per s": m for m in (15, 30, 60, 120, 240)}
DEFAULT_SPEED = "2 h per s"


class TwinLike(Protocol):
    """What the room reads of a twin (``dtwin.twin.TwinLoop`` has all of it)."""

    config: Any
    ids: Any
    bus: Any
    state: Any
    sim: Any  # .view(): the simulator's true state, shown only beside the estimate
    health: Any
    maintenance: Any
    planning: Any
    alerts: Any
    loop: str

    @property
    def now(self) -> float: ...

    def run_until(self, t: float) -> Any: ...

    def kpis(self) -> dict[str, float]: ...


# -- the room ------------------------------------------------------------------------------


class ControlRoom(w.VBox):
    """The twin's control room (see the module doc).

    Parameters
    ----------
    config : the factory config the twin runs (``dtwin.sim.FactoryConfig``).
    make_twin : returns a fresh twin; called on start and on every reset.
    hours : twin hours to play (the run stops there).
    compare : ``compare(loop)`` -> a ``run_twin`` report, run for each of ``twin_panels.COMPARED``.
    feed_size : events the feed keeps.
    message : where errors are shown (a new box when not given).
    """

    def __init__(
        self,
        config: Any,
        make_twin: Callable[[], TwinLike],
        hours: float = 72.0,
        compare: Callable[[str], Mapping[str, Any]] | None = None,
        feed_size: int = 15,
        message: MessageBox | None = None,
        speed: str = DEFAULT_SPEED,
    ) -> None:
        self.config = config
        self.make_twin = make_twin
        self.horizon = float(hours) * 60.0
        self.compare = compare
        self.feed_size = int(feed_size)
        self.message = message if message is not None else MessageBox()
        self.twin: TwinLike | None = None
        self.feed: EventFeed | None = None
        ids = machine_ids(config)
        self.ids = ids.ids
        self.worn = worn_machines(config, ids)
        self.steps = 0
        self.skipped_ticks = 0
        self._generation = 0
        self._last_step_end = 0.0
        self._pace: deque[tuple[float, float]] = deque(maxlen=8)  # (wall s, twin min) playing
        self._lock = threading.Lock()
        self.comparison: Future | None = None
        self._build_controls(speed)
        self.floor = TwinFloor(factory_layout(config))
        self.feed_panel = FeedPanel()
        self.alerts_panel = AlertsPanel()
        self.health_panel = HealthPanel()
        self.rul_panel = RulPanel()
        self.plan_panel = PlanPanel()
        self.kpi_panel = KpiComparePanel(enabled=compare is not None)
        super().__init__(self._arrange())
        self.add_class("dtwin-control-room")

    def _build_controls(self, speed: str) -> None:
        self.play = w.Play(
            value=0, min=0, max=10**9, step=1, interval=TICK_MS, show_repeat=False,
            disabled=True, description="play", tooltip="play / pause (■ pauses too)",
        )  # fmt: skip
        self.play.add_class("dtwin-room-play")
        self.play.observe(self._on_tick, "value")
        self.play.observe(self._on_playing, "playing")
        self.speed = w.Dropdown(
            options=list(SPEEDS),
            value=speed if speed in SPEEDS else DEFAULT_SPEED,
            description="speed",
            tooltip="twin hours per second of watching (two steps a second)",
            layout={"width": "190px"},
        )
        self.speed.add_class("dtwin-room-speed")
        self.step_button = w.Button(description="Step", icon="step-forward", disabled=True)
        self.step_button.on_click(lambda _: self.step())
        self.reset_button = w.Button(description="Reset", icon="undo", disabled=True)
        self.reset_button.on_click(lambda _: self.reset())
        self.clock = w.HTML("t = —")
        self.clock.add_class("dtwin-room-clock")
        self.status = w.HTML()
        self.status.add_class("dtwin-room-status")
        self.running_kpis = w.HTML()
        self.running_kpis.add_class("dtwin-running-kpis")
        self._set_status("preparing the twin (camera images, defect model)…")

    def _arrange(self) -> list[w.Widget]:
        half = w.Layout(width="50%")
        return [
            w.HTML(STYLE),
            w.HBox([self.play, self.speed, self.step_button, self.reset_button, self.clock]),
            self.status,
            self.message,
            w.HBox(
                [
                    self.floor,
                    w.VBox([self.alerts_panel, self.running_kpis], layout={"margin": "0 0 0 16px"}),
                ]
            ),
            w.HBox(
                [w.Box([self.feed_panel], layout=half), w.Box([self.health_panel], layout=half)]
            ),
            self.rul_panel,
            self.plan_panel,
            self.kpi_panel,
        ]

    # -- life cycle -------------------------------------------------------------------------
    @property
    def minutes_per_tick(self) -> float:
        """Twin minutes one tick advances at the chosen speed."""
        return float(SPEEDS[self.speed.value])

    def start(self, wait: bool = False) -> Future:
        """Build a twin (in the background unless ``wait``) and show it; then the comparison."""
        self._generation += 1
        generation = self._generation
        for control in (self.play, self.step_button, self.reset_button):
            control.disabled = True
        self._set_status("preparing the twin (camera images, defect model)…")
        if wait:
            future: Future = Future()
            try:
                future.set_result(self._build(generation))
            except Exception as error:  # shown in the page; the notebook re-raises outside Voila
                future.set_exception(error)
                self._failed(error)
            return future
        future = load_in_background(lambda: self._build(generation), delay=0.2)
        future.add_done_callback(lambda f: f.exception() and self._failed(f.exception()))
        return future

    def _build(self, generation: int) -> TwinLike | None:
        twin = self.make_twin()
        with self._lock:
            if generation != self._generation:
                return None  # a later reset asked for another twin
            self.twin = twin
            self.feed = EventFeed(twin.bus, self.feed_size)
            self.health_panel.set_machines(self.worn)
            self.plan_panel.plan_id = None
            self.refresh()
        for control in (self.play, self.step_button, self.reset_button):
            control.disabled = False
        self._set_status(f"ready: the {twin.loop} loop at t = 0; press play")
        if getattr(twin, "warnings", None):
            self.message.show("; ".join(twin.warnings), "warning")
        if self.compare is not None and self.comparison is None:
            for loop in self.kpi_panel.loops:
                self.kpi_panel.set_status(loop, "running…")
            self.comparison = load_in_background(self._run_comparison, delay=0.5)
        return twin

    def _failed(self, error: BaseException) -> None:
        self.message.show(describe(error))
        self.message.error = error
        self._set_status("the twin could not start; see the message above")

    def reset(self, wait: bool = False) -> Future:
        """Pause, forget the running twin and build a fresh one (same config and seed)."""
        self.play.playing = False
        with self._lock:
            self.twin = None
            self.feed = None
            self.steps = 0
        self.message.clear()
        return self.start(wait=wait)

    def _run_comparison(self) -> None:
        assert self.compare is not None
        for loop in self.kpi_panel.loops:
            try:
                report = self.compare(loop)
            except Exception as error:  # shown in its column; the room goes on
                self.kpi_panel.set_status(loop, f"failed: {describe(error)}")
                continue
            self.kpi_panel.set_status(loop, "done", report)

    # -- stepping ---------------------------------------------------------------------------
    def _on_tick(self, change: dict) -> None:
        if change["new"] <= change["old"]:
            return  # the stop button (or a reset) moved the counter back: no step
        if time.monotonic() - self._last_step_end < TICK_MS / 2000:
            self.skipped_ticks += 1  # queued while the last step ran: drop it
            return
        self.step()

    def _on_playing(self, change: dict) -> None:
        twin = self.twin
        if twin is None:
            return
        self._pace.clear()
        if change["new"]:
            self._set_status(f"playing at {self.speed.value}")
        elif twin.now < self.horizon - 1e-9:
            self._set_status(f"paused at {format_time(twin.now)}")

    def step(self, minutes: float | None = None) -> None:
        """Advance the twin by ``minutes`` (default: one tick at the chosen speed), then redraw."""
        with self._lock:
            twin = self.twin
            if twin is None:
                return
            target = min(twin.now + (minutes or self.minutes_per_tick), self.horizon)
            try:
                if target > twin.now:
                    twin.run_until(target)
                self.steps += 1
                self.refresh()
            except Exception as error:  # shown in the page; playing stops
                self.play.playing = False
                self.message.show(describe(error))
                self.message.error = error
                return
            finally:
                self._last_step_end = time.monotonic()
        if twin.now >= self.horizon - 1e-9:
            self.play.playing = False
            self._set_status(f"end of the run at {format_time(twin.now)}; reset to start again")
        elif self.play.playing:
            self._pace.append((time.monotonic(), twin.now))
            self._set_status(f"playing at {self.speed.value}{self._measured_pace()}")
        else:
            self._set_status(f"paused at {format_time(twin.now)}")

    def refresh(self) -> None:
        """Redraw every panel from the twin as it is now."""
        twin = self.twin
        if twin is None:
            return
        now = twin.now
        self.floor.show_snapshot(floor_snapshot(twin.state, now))
        self.feed_panel.update(self.feed)
        alerts = twin.alerts.alerts if twin.alerts is not None else None
        self.alerts_panel.update(alerts, twin.loop)
        self.health_panel.update(health_rows(twin), twin.loop)
        self.rul_panel.update(rul_rows(twin))
        self.plan_panel.update(twin.planning, self.ids, now, twin.loop)
        _set(
            self.clock,
            f"<b>t = {_esc(format_time(now))}</b> of {_esc(format_time(self.horizon))}",
        )
        self._running_kpis(twin)

    def _running_kpis(self, twin: TwinLike) -> None:
        s = twin.state
        counts = (
            f"twin's counters: {s.released:,} parts released, {s.exited:,} shipped, "
            f"{s.scrapped:,} scrapped, WIP now {s.wip:,} parts"
        )
        left = s.exited + s.scrapped
        kpis = twin.kpis() if left else {}
        labels = {**{n: KPI_LABELS[n][0] for n in KPI_NAMES}, "maintenance_count": "services"}
        shown = {n: format_kpi(n, kpis.get(n)) for n in KPI_NAMES}
        if getattr(twin.config, "costs", None) is None:  # a 0 would read as measured
            shown["cost_per_good_unit"] = "— (no costs in this factory)"
        cells = "".join(
            f"<tr><td>{_esc(labels[n])}</td>"
            f"<td class='dtwin-running-{n}'><b>{_esc(shown[n])}</b></td></tr>"
            for n in KPI_NAMES
        )
        hours = twin.now / 60.0
        title = f"So far: running averages over the first {hours:,.1f} h (the plant's books)"
        _set(
            self.running_kpis,
            f"<b>{_esc(title)}</b><table class='dtwin-room-table'>{cells}</table>"
            f"<div style='font-size:12px'>{_esc(counts)}</div>",
        )

    def _measured_pace(self) -> str:
        """The speed reached over the last steps (ticks are dropped when steps take longer)."""
        if len(self._pace) < 3:
            return ""
        (wall0, twin0), (wall1, twin1) = self._pace[0], self._pace[-1]
        if wall1 - wall0 <= 0:
            return ""
        return (
            f" (measured over the last steps: {(twin1 - twin0) / 60 / (wall1 - wall0):.1f} h per s)"
        )

    def _set_status(self, text: str) -> None:
        _set(self.status, f"<span style='font-size:12px;color:#555'>{_esc(text)}</span>")
