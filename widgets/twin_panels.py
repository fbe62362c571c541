"""The control room's panels: the twin's floor, event feed, alerts, health, plan and KPIs.

Each panel shows one part of what a running twin believes, from the plain rows of
``dtwin.twin`` (:func:`~dtwin.twin.feed.feed_row`, :func:`~dtwin.twin.feed.health_rows`, ...);
:class:`~widgets.control_room.ControlRoom` builds them, steps the twin and calls their
``update``. :data:`STYLE` is the one style sheet of their tables (in the page once).
"""

from __future__ import annotations

import html
from collections.abc import Mapping, Sequence
from typing import Any

import bqplot as bq
import ipywidgets as w
import numpy as np

from dtwin.sim import SNAPSHOT_STATES
from dtwin.twin import (
    EventFeed,
    FeedRow,
    HealthRow,
    RulRow,
    format_kpi,
    format_time,
    kpi_comparison,
    plan_gantt,
    plan_rows,
)
from widgets.colors import HIGHLIGHT_COLOR, JOB_PALETTE, UNKNOWN_COLOR, health_color, state_color
from widgets.factory3d import QUEUE_COLOR, FactoryView3D
from widgets.gantt import GanttChart

COMPARED = ("open", "closed")
# one style sheet for the room's tables (in the page once), so rows carry class names only
STYLE = """<style>
.dtwin-room-table {font-size:12px;border-collapse:collapse}
.dtwin-room-table th {text-align:left;color:#666;font-weight:normal;padding:1px 6px}
.dtwin-room-table td {padding:1px 6px;border-bottom:1px solid #eee;vertical-align:top}
.dtwin-room-table tr.dtwin-severity-info {color:#0b4a6f}
.dtwin-room-table tr.dtwin-severity-warning {background:#fff4e5;color:#7a4b00}
.dtwin-room-table tr.dtwin-severity-critical {background:#fdecea;color:#8a1c1c;font-weight:600}
.dtwin-room-table tr.dtwin-reschedule {color:HIGHLIGHT}
.dtwin-room-note {font-size:11px;color:#666}
.dtwin-when {white-space:nowrap}
</style>""".replace("HIGHLIGHT", HIGHLIGHT_COLOR)


def _esc(value: Any) -> str:
    return html.escape(str(value))


def _table(header: Sequence[str], rows: Sequence[str], css: str = "") -> str:
    head = "".join(f"<th>{_esc(h)}</th>" for h in header)
    return f"<table class='dtwin-room-table {css}'><tr>{head}</tr>{''.join(rows)}</table>"


def _row(cells: Sequence[str], css: str = "") -> str:
    tds = "".join(f"<td>{c}</td>" for c in cells)
    return f"<tr class='{css}'>{tds}</tr>" if css else f"<tr>{tds}</tr>"


def _when(minutes: float) -> str:
    return f"<span class='dtwin-when'>{_esc(format_time(minutes))}</span>"


def _days(days: float) -> str:
    return f"{days:g} day" + ("" if days == 1 else "s")


def _set(widget: w.HTML, value: str) -> None:
    if widget.value != value:  # an unchanged panel sends nothing to the browser
        widget.value = value


# -- the floor: the twin's belief in 3D -------------------------------------------------


class TwinFloor(FactoryView3D):
    """The 3D floor coloured by the twin's status or health *estimate* (grey: no estimate).

    The room moves it with ``show_snapshot``; the snapshot player's own controls are hidden.
    """

    def __init__(self, layout: Any, width: int = 640, height: int = 360) -> None:
        super().__init__(layout, kpi_keys=[], width=width, height=height)
        # the room has its own controls and clock
        for control in (self.play, self.slider, self.speed, self.kpi_panel, self.time_label):
            control.layout.display = "none"
        self.add_class("dtwin-twin-floor")

    def set_color_legend(self) -> None:
        """Legend of the current colour mode, saying that colours show the twin's belief."""
        if self.color_toggle.value == "health":
            items = [(health_color(h), f"estimate {h:.2f}") for h in (1.0, 0.75, 0.5, 0.25, 0.0)]
            items.append((UNKNOWN_COLOR, "no estimate yet"))
            title = "twin's health estimate (1 = new)"
        else:
            items = [(state_color(s), s) for s in SNAPSHOT_STATES]
            title = "status, as the twin knows it"
        items.append((QUEUE_COLOR, "queue (stack height)"))
        rows = "".join(
            f'<div><span style="display:inline-block;width:12px;height:12px;background:{c};'
            f'margin-right:6px"></span>{_esc(s)}</div>'
            for c, s in items
        )
        _set(self.legend, f'<div style="font-size:12px"><b>{_esc(title)}</b>{rows}</div>')

    def _show_selection(self) -> None:
        if self.selected is None or self.current is None:
            return
        station, slot = self.selected
        machine = next(
            (m for m in self.current.machines if (m.station, m.machine) == (station, slot)), None
        )
        if machine is None:
            return
        estimate = "—" if machine.health is None else f"{machine.health:.2f}"
        if machine.health_std is not None:
            estimate += f" ± {machine.health_std:.2f}"
        rows = [
            ("machine", machine.id),
            ("status", machine.state),
            ("health estimate", estimate),
            ("part", "—" if machine.part is None else str(machine.part)),
            ("queue", f"{self.current.queues.get(station, 0)} parts"),
        ]
        body = "".join(
            f"<tr><td style='color:#666;padding-right:8px'>{_esc(k)}</td><td><b>{_esc(v)}</b></td>"
            "</tr>"
            for k, v in rows
        )
        _set(self.selection_info, f"<table style='font-size:12px'>{body}</table>")


# -- panels --------------------------------------------------------------------------------


class FeedPanel(w.VBox):
    """The last events, newest first; routine ones (part moves, state changes) on request."""

    def __init__(self) -> None:
        self.routine = w.Checkbox(
            value=False,
            description="show part moves and state changes",
            indent=False,
            layout={"width": "auto"},
        )
        self.body = w.HTML("<i>the feed starts with the twin</i>")
        self.feed: EventFeed | None = None
        self.routine.observe(lambda _: self.update(self.feed), "value")
        super().__init__([w.HTML("<b>Live event feed</b>"), self.routine, self.body])
        self.add_class("dtwin-feed")

    def update(self, feed: EventFeed | None) -> None:
        """Show the rows ``feed`` keeps (None: no twin yet)."""
        self.feed = feed
        if feed is None:
            _set(self.body, "<i>the feed starts with the twin</i>")
            return
        rows: list[FeedRow] = feed.rows(routine=self.routine.value)
        seen = feed.total if self.routine.value else feed.notable
        head = (
            f"<div class='dtwin-feed-head' style='font-size:12px;color:#555'>last {len(rows)} "
            f"of {seen:,} {'events' if self.routine.value else 'notable events'} "
            f"({feed.total:,} events in all)</div>"
        )
        lines = [
            _row(
                [_when(r.time), _esc(r.source), _esc(r.text)],
                f"dtwin-feed-row dtwin-severity-{r.severity}",
            )
            for r in rows
        ]
        table = _table(["time", "source", "event"], lines, "dtwin-feed-table") if rows else ""
        _set(self.body, f"{head}<div style='max-height:300px;overflow-y:auto'>{table}</div>")


class AlertsPanel(w.HTML):
    """The alert agent's alerts, newest first, with severity, time and message."""

    def __init__(self, shown: int = 8) -> None:
        super().__init__()
        self.shown = shown
        self.add_class("dtwin-alerts")
        self.value = "<b>Alerts</b><div><i>alerts start with the twin</i></div>"

    def update(self, alerts: Sequence[Any] | None, loop: str = "") -> None:
        """Show ``alerts`` (AlertRaised events); None: this twin has no alert agent."""
        if alerts is None:
            text = "<i>no alert agent" + (f" in the {_esc(loop)} loop" if loop else "") + "</i>"
            _set(self, f"<b>Alerts</b><div>{text}</div>")
            return
        counts = {s: sum(a.severity == s for a in alerts) for s in ("critical", "warning", "info")}
        summary = " · ".join(f"{n} {s}" for s, n in counts.items() if n) or "none yet"
        lines = [
            _row(
                [_esc(a.severity), _when(a.time), _esc(a.message)],
                f"dtwin-alert-row dtwin-severity-{a.severity}",
            )
            for a in reversed(alerts[-self.shown :])
        ]
        table = _table(["severity", "time", "message"], lines, "dtwin-alert-table") if lines else ""
        _set(self, f"<b>Alerts</b> <span style='font-size:12px'>({summary})</span>{table}")


class HealthPanel(w.VBox):
    """Per machine that wears: the twin's estimate (mean ± std band) against the true health.

    One chart over twin hours (solid: estimate, band: ± 1 std, dashed: truth, dotted: the
    maintenance threshold) and a table of the figures now.
    """

    def __init__(self, height: int = 240) -> None:
        self.x_scale = bq.LinearScale(min=0.0)
        self.y_scale = bq.LinearScale(min=0.0, max=1.0)
        self.figure = bq.Figure(
            marks=[],
            axes=[
                bq.Axis(scale=self.x_scale, label="twin time (h)"),
                bq.Axis(scale=self.y_scale, side="left", label="health (1 = new)"),
            ],
            title="Health: twin's estimate vs the simulator's truth",
            legend_location="bottom-left",
            fig_margin={"top": 40, "bottom": 40, "left": 55, "right": 15},
            layout=w.Layout(width="100%", height=f"{height}px"),
        )
        self.table = w.HTML("<i>no twin yet</i>")
        self.table.add_class("dtwin-health-table")
        self.history: dict[str, list[tuple[float, float | None, float | None, float]]] = {}
        self.marks: dict[str, tuple[bq.Lines, bq.Lines, bq.Lines, bq.Lines]] = {}
        super().__init__([self.figure, self.table], layout=w.Layout(width="100%"))
        self.add_class("dtwin-health")

    def set_machines(self, machines: Sequence[str]) -> None:
        """Start an empty history for ``machines`` (one colour each)."""
        self.history = {m: [] for m in machines}
        self.marks = {}
        scales = {"x": self.x_scale, "y": self.y_scale}
        for i, m in enumerate(machines):
            color = JOB_PALETTE[i % len(JOB_PALETTE)]
            empty = {"x": np.zeros(2), "y": np.zeros(2), "scales": scales, "visible": False}
            band = bq.Lines(
                **{**empty, "y": np.zeros((2, 2))}, fill="between", colors=[color],
                fill_colors=[color], fill_opacities=[0.2], opacities=[0.0, 0.0],
                labels=[f"{m} ± 1 std"],
            )  # fmt: skip
            mean = bq.Lines(**empty, colors=[color], stroke_width=2, labels=[f"{m} estimate"])
            truth = bq.Lines(**empty, colors=[color], line_style="dashed", labels=[f"{m} truth"])
            limit = bq.Lines(
                **empty, colors=["#888"], line_style="dotted", labels=[f"{m} maintenance below"]
            )
            self.marks[m] = (band, mean, truth, limit)
        self.figure.marks = [mark for group in self.marks.values() for mark in group]
        for mark in self.figure.marks:
            mark.display_legend = True
        self.figure.layout.display = None if machines else "none"
        self.show_table([], "")

    def update(self, rows: Sequence[HealthRow], loop: str = "") -> None:
        """Add one sample per row to the history and redraw."""
        for r in rows:
            self.history.setdefault(r.machine, []).append((r.time, r.estimate, r.std, r.truth))
            if r.machine in self.marks:
                self._draw(r)
        self.show_table(rows, loop)

    def _draw(self, row: HealthRow) -> None:
        band, mean, truth, limit = self.marks[row.machine]
        samples = self.history[row.machine]
        hours = np.array([t for t, *_ in samples]) / 60.0
        with truth.hold_sync():
            truth.x, truth.y = hours, np.array([s[3] for s in samples])
            truth.visible = len(samples) > 0
        known = [(t / 60.0, m, s) for t, m, s, _ in samples if m is not None]
        if known:
            x = np.array([k[0] for k in known])
            m = np.array([k[1] for k in known])
            s = np.array([k[2] or 0.0 for k in known])
            with mean.hold_sync():
                mean.x, mean.y, mean.visible = x, m, True
            with band.hold_sync():
                band.x = x
                band.y = np.vstack([np.clip(m - s, 0, 1), np.clip(m + s, 0, 1)])
                band.visible = True
        if row.threshold is not None and len(hours):
            with limit.hold_sync():
                limit.x = np.array([0.0, max(hours[-1], 1e-6)])
                limit.y = np.array([row.threshold] * 2)
                limit.visible = True

    def show_table(self, rows: Sequence[HealthRow], loop: str) -> None:
        """The figures now: estimate, truth, error, verdicts and threshold per machine."""
        if not self.history:
            _set(self.table, "<i>no machine in this factory wears (no health model)</i>")
            return
        lines = [
            _row(
                [
                    _esc(r.machine),
                    "<span class='dtwin-health-estimate'>"
                    + _esc("—" if r.estimate is None else f"{r.estimate:.2f} ± {r.std or 0:.2f}")
                    + "</span>",
                    f"<span class='dtwin-health-truth'>{r.truth:.2f}</span>",
                    _esc("—" if r.error is None else f"{r.error:+.2f}"),
                    _esc("—" if r.observations is None else f"{r.observations} parts"),
                    _esc("never" if r.threshold is None else f"below {r.threshold:g}"),
                ]
            )
            for r in rows
        ]
        note = (
            "health: 1 = new, 0 = worn out. The truth comes from the simulator for teaching; "
            "the twin estimates health from the camera's verdicts alone."
        )
        if loop and loop != "closed":
            note += f" The {_esc(loop)} loop has no health agent, so no estimate."
        header = [
            "machine",
            "twin's estimate (mean ± std)",
            "true health (simulator)",
            "estimate − truth",
            "verdicts since last service or repair",
            "maintenance when",
        ]
        table = _table(header, lines, "dtwin-health-figures")
        _set(self.table, f"{table}<div class='dtwin-room-note'>{note}</div>")


class RulPanel(w.HTML):
    """Each machine's predicted remaining useful life with its interval (the RUL agent's)."""

    def __init__(self) -> None:
        super().__init__()
        self.layout.display = "none"  # shown once a twin with a RUL agent predicts

    def update(self, rows: Sequence[RulRow]) -> None:
        """The latest prediction per machine: cycles [interval], hours at its pace."""
        if not rows:
            return
        self.layout.display = None
        lines = [
            _row(
                [
                    _esc(r.machine),
                    f"{r.rul:.0f} [{r.lo:.0f}, {r.hi:.0f}]",
                    "—" if r.minutes is None else f"{r.minutes / 60.0:.1f} h",
                    str(r.cycle),
                ]
            )
            for r in rows
        ]
        header = ["machine", "RUL, cycles [90% interval]", "≈ time left", "readings"]
        _set(self, "<b>Remaining useful life</b>" + _table(header, lines))


class PlanPanel(w.VBox):
    """The current plan as a Gantt chart, with the plans before it and reschedules marked."""

    def __init__(self, shown: int = 6) -> None:
        self.shown = shown
        self.gantt = GanttChart(title="Current plan", height=260)
        self.gantt.summary.layout.display = "none"  # ours below gives the units
        self.summary = w.HTML("<i>no plan yet</i>")
        self.summary.add_class("dtwin-plan-summary")
        self.history = w.HTML()
        self.history.add_class("dtwin-plans")
        self.plan_id: str | None = None
        super().__init__([self.summary, self.gantt, self.history], layout=w.Layout(width="100%"))
        self.add_class("dtwin-plan")

    def update(self, planning: Any, ids: Sequence[str], now: float, loop: str = "") -> None:
        """Show ``planning.plans`` (a PlanningAgent; None: the twin makes no plans)."""
        if planning is None:
            self.plan_id = None
            loop_note = f" in the {_esc(loop)} loop" if loop else ""
            _set(self.summary, f"<i>no scheduling agent{loop_note}: no plan</i>")
            _set(self.history, "")
            return
        plan = planning.current
        if plan is None:
            _set(self.summary, "<i>no plan yet (the first comes with the first part)</i>")
            return
        if plan.id != self.plan_id:
            self.plan_id = plan.id
            frame, downtimes = plan_gantt(plan)
            self.gantt.update(frame, downtimes)
            self.gantt.x_axis.label = f"minutes after the plan's start (t = {plan.origin:,.0f} min)"
        self._summary(plan, ids, now)
        self._history(planning.plans)

    def _summary(self, plan: Any, ids: Sequence[str], now: float) -> None:
        row = plan_rows([plan])[0]
        kind = (
            f"<span style='color:{HIGHLIGHT_COLOR}'><b>reschedule</b> after {_esc(row.reason)}: "
            f"{row.moved} operations moved (pink outline)</span>"
            if row.rescheduled
            else "fresh plan of the parts in the factory"
        )
        legend = ", ".join(f"{k} = {_esc(m)}" for k, m in enumerate(ids))
        _set(
            self.summary,
            f"<b>{_esc(row.id)}</b>: {kind} · made at {_esc(format_time(row.time))} · "
            f"{row.jobs} jobs, {row.operations} operations · makespan {row.makespan:,} min · "
            f"now {max(now - row.origin, 0):,.0f} min after its start"
            f"<div class='dtwin-room-note'>machine rows: {legend}</div>",
        )

    def _history(self, plans: Sequence[Any]) -> None:
        rows = plan_rows(plans, last=self.shown)
        lines = [
            _row(
                [
                    _esc(r.id),
                    _when(r.time),
                    _esc(r.reason),
                    f"{r.jobs}",
                    f"{r.makespan:,} min",
                    f"{r.moved} ops" if r.rescheduled else "—",
                ],
                "dtwin-plan-row" + (" dtwin-reschedule" if r.rescheduled else ""),
            )
            for r in rows
        ]
        rescheduled = sum(p.schedule.moved is not None for p in plans)
        head = f"{len(plans)} plans so far, {rescheduled} of them reschedules; the latest:"
        header = ["plan", "made at", "reason", "jobs", "makespan", "moved"]
        _set(self.history, f"<div style='font-size:12px'>{head}</div>" + _table(header, lines))


class KpiComparePanel(w.HTML):
    """Open- vs closed-loop KPIs (mean ± 95% half-width) from background ``run_twin`` runs."""

    def __init__(self, loops: Sequence[str] = COMPARED, enabled: bool = True) -> None:
        super().__init__()
        self.loops = tuple(loops)
        self.enabled = enabled
        self.status: dict[str, str] = dict.fromkeys(self.loops, "—" if enabled else "not run")
        self.reports: dict[str, Mapping[str, Any] | None] = dict.fromkeys(self.loops)
        self.add_class("dtwin-kpi-compare")
        self.render()

    def set_status(self, loop: str, status: str, report: Mapping[str, Any] | None = None) -> None:
        """``status``: ``—`` (not run), ``running…``, ``done`` or a failure's message."""
        self.status[loop] = status
        self.reports[loop] = report
        self.render()

    def render(self) -> None:
        """Redraw the table from the reports and statuses."""
        rows = kpi_comparison(self.reports)
        a, b = (self.loops + ("", ""))[:2]
        lines = []
        for row in rows:
            cells = []
            for loop in self.loops:
                cell = row.cells.get(loop)
                text = self.status[loop] if cell is None else format_kpi(row.name, *cell)
                cells.append(f"<span class='dtwin-kpi-cell'>{_esc(text)}</span>")
            apart = row.apart(a, b)
            verdict = {None: "—", True: "apart", False: "overlap"}[apart]
            lines.append(_row([_esc(row.label), *cells, verdict]))
        header = ["KPI", *(f"{loop} loop" for loop in self.loops), "95% intervals"]
        done = next((r for r in self.reports.values() if r is not None), None)
        if not self.enabled:
            runs = "the comparison is off (compare_days = 0)"
        elif done is not None:
            runs = (
                f"{done['replications']} replications × {_days(done['days'])} each after "
                f"{_days(done['warmup_days'])} of warm-up, seed {done['seed']}"
            )
        else:
            runs = "replications of each loop run in the background"
        note = (
            f"<div class='dtwin-room-note'>{_esc(runs)}; mean ± half-width of the 95% "
            "confidence interval over replications. 'apart': the intervals do not overlap.</div>"
        )
        _set(self, "<b>Open vs closed loop</b>" + _table(header, lines) + note)
