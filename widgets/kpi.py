"""KPI cards and bqplot charts: throughput, OEE and its factors, WIP over time, health lines,
bars per machine."""

from __future__ import annotations

import html
from collections.abc import Mapping, Sequence
from typing import Any

import bqplot as bq
import ipywidgets as w
import numpy as np

from widgets.colors import JOB_PALETTE

# How the KPI names that dtwin produces are shown: (label, format of the value).
KPI_FORMATS: dict[str, tuple[str, str]] = {
    "throughput": ("Throughput", "{:.1f}"),
    "throughput_per_hour": ("Throughput / h", "{:.1f}"),
    "units": ("Units", "{:,.0f}"),
    "defective": ("Defective", "{:,.0f}"),
    "oee": ("OEE", "{:.1%}"),
    "availability": ("Availability", "{:.1%}"),
    "performance": ("Performance", "{:.1%}"),
    "quality": ("Quality", "{:.1%}"),
    "wip": ("WIP", "{:.1f}"),
    "wip_now": ("WIP now", "{:.0f}"),
    "wip_mean": ("Avg WIP", "{:.1f}"),
    "good_per_hour": ("Good / h", "{:.1f}"),
    "lead_time_mean_min": ("Lead time (min)", "{:.1f}"),
    "scrap_rate": ("Scrap rate", "{:.1%}"),
    "energy_kwh_per_part": ("kWh / part", "{:.2f}"),
    "utilization": ("Utilisation", "{:.1%}"),
    "defect_rate": ("Defect rate", "{:.2%}"),
    "energy_kwh": ("Energy kWh", "{:,.0f}"),
    "energy_per_unit": ("kWh / unit", "{:.3f}"),
    "loss_down": ("Loss: down", "{:.1%}"),
    "loss_setup_maintenance": ("Loss: setup & maintenance", "{:.1%}"),
    "loss_blocked": ("Loss: blocked", "{:.1%}"),
    "loss_starved": ("Loss: starved", "{:.1%}"),
    "loss_speed": ("Loss: speed", "{:.1%}"),
    "loss_scrap": ("Loss: scrap", "{:.1%}"),
    "batches": ("Batches", "{:,.0f}"),
    "run_minutes": ("Run minutes", "{:,.0f}"),
    "ideal_minutes": ("Ideal minutes", "{:,.0f}"),
    "avg_temperature_c": ("Avg temperature (°C)", "{:,.1f}"),
    "avg_efficiency": ("Avg efficiency", "{:.1%}"),
}
OEE_FACTORS = ("availability", "performance", "quality", "oee")
MISSING = "—"  # what a figure shows until it is measured


def format_kpi(name: str, value: Any) -> tuple[str, str]:
    """Label and display text of one KPI value."""
    default = "{:.1%}" if name.endswith(("share", "_rate", "utilization")) else "{:.3g}"
    label, fmt = KPI_FORMATS.get(name, (name.replace("_", " ").capitalize(), default))
    if value is None or (isinstance(value, float) and np.isnan(value)):
        return label, MISSING
    try:
        return label, fmt.format(value)
    except (TypeError, ValueError):
        return label, str(value)


def _card_html(label: str, text: str) -> str:
    return (
        '<div style="padding:4px 10px;margin:0 6px 6px 0;border:1px solid #ddd;'
        'border-radius:6px;min-width:90px">'
        f'<div style="font-size:11px;color:#666">{html.escape(label)}</div>'
        f'<div class="dtwin-kpi-value" style="font-size:20px;font-weight:600">'
        f"{html.escape(text)}</div></div>"
    )


def _number(value: Any) -> float:
    """``value`` as a float; NaN when it is missing or not a number."""
    if isinstance(value, bool) or not isinstance(value, int | float | np.number):
        return float("nan")
    return float(value)


class KPIPanel(w.HTML):
    """A row of KPI cards in one HTML widget, so an update is a single message to the browser.

    ``update(kpis)`` changes the values in place; new keys add cards.
    """

    def __init__(self, kpis: Mapping[str, Any] | None = None, keys: Sequence[str] | None = None):
        super().__init__()
        self.add_class("dtwin-kpi-panel")
        self.kpi_names = list(keys) if keys is not None else None
        self.cards: dict[str, str] = {}
        self.values: dict[str, Any] = {}
        if kpis is not None:
            self.update(kpis)

    def update(self, kpis: Mapping[str, Any]) -> None:
        """Show the numeric values of ``kpis`` (only the ``keys`` given at creation, if any).

        A key given at creation but missing from ``kpis`` (or not a number) shows "—": a card
        never keeps the figure of an earlier update.
        """
        names = self.kpi_names
        if names is None:  # every numeric value given (text values are not figures)
            names = [
                k
                for k, v in kpis.items()
                if v is None or (isinstance(v, int | float | np.number) and not isinstance(v, bool))
            ]
        for name in names:
            value = kpis.get(name)
            if not np.isfinite(_number(value)):
                value = None
            self.values[name] = value
            self.cards[name] = _card_html(*format_kpi(name, value))
        value = (
            '<div style="display:flex;flex-wrap:wrap">' + "".join(self.cards.values()) + "</div>"
        )
        if value != self.value:
            self.value = value

    def text(self, name: str) -> str:
        """Display text of one KPI card."""
        return format_kpi(name, self.values.get(name))[1]


class TimeSeriesChart(w.VBox):
    """Lines over time, one per series, with an optional vertical time cursor."""

    def __init__(
        self,
        title: str = "",
        x_label: str = "time",
        y_label: str = "",
        y_range: tuple[float, float] | None = None,
        height: int = 240,
        date_axis: bool = False,
    ):
        self.x_scale = bq.DateScale() if date_axis else bq.LinearScale()
        self.y_scale = bq.LinearScale()
        if y_range is not None:
            self.y_scale.min, self.y_scale.max = map(float, y_range)
        scales = {"x": self.x_scale, "y": self.y_scale}
        self.lines = bq.Lines(
            x=np.zeros(2), y=np.zeros(2), scales=scales, display_legend=True, stroke_width=2
        )
        self.cursor = bq.Lines(
            x=np.zeros(2), y=np.zeros(2), scales=scales, colors=["#444"], visible=False
        )
        self.figure = bq.Figure(
            marks=[self.lines, self.cursor],
            axes=[
                bq.Axis(scale=self.x_scale, label=x_label),
                bq.Axis(scale=self.y_scale, side="left", label=y_label),
            ],
            title=title,
            legend_location="top-left",
            fig_margin={"top": 40, "bottom": 40, "left": 70, "right": 15},
            layout=w.Layout(width="100%", height=f"{height}px"),
        )
        self.series: dict[str, np.ndarray] = {}
        self.date_axis = date_axis
        self.note = w.HTML()
        self.note.add_class("dtwin-chart-note")
        super().__init__([self.note, self.figure], layout=w.Layout(width="100%"))
        self.add_class("dtwin-chart")

    def update(
        self, x: Sequence[Any], series: Mapping[str, Sequence[float]], empty: str = "no data"
    ) -> None:
        """Replace the data: ``x`` shared by every series in ``series`` (name -> values).

        Without data the lines (and their legend) are hidden and ``empty`` is shown instead.
        A single x value is drawn as points on a padded axis (a line needs two).
        """
        self.series = {k: np.asarray(v, float) for k, v in series.items()}
        if not self.series or len(x) == 0:
            with self.lines.hold_sync():  # a hidden mark keeps its legend: drop both
                self.lines.visible = self.lines.display_legend = False
                self.lines.labels = []
            self.cursor.visible = False
            self.note.value = f"<i class='dtwin-empty'>{html.escape(empty)}</i>"
            return
        self.note.value = ""
        x = np.asarray(x)
        self._pad_single(x)
        names = list(self.series)
        if not self.cursor.visible:  # an idle cursor must not stretch the x scale
            values = np.concatenate([v[np.isfinite(v)] for v in self.series.values()] or [[0.0]])
            self.cursor.x = np.array([x[0], x[0]])
            self.cursor.y = np.array([values.min(initial=0.0), values.max(initial=0.0)])
        y = np.vstack([self.series[n] for n in names])
        marker = "circle" if len(x) < 3 else None
        if len(x) == 1:  # bqplot draws one series only from one x value: give each two
            x, y = np.repeat(x, 2), np.repeat(y, 2, axis=1)
        with self.lines.hold_sync():
            self.lines.x = x
            self.lines.y = y
            self.lines.labels = names
            self.lines.colors = [JOB_PALETTE[i % len(JOB_PALETTE)] for i in range(len(names))]
            self.lines.marker = marker
            self.lines.visible = self.lines.display_legend = True

    def _pad_single(self, x: np.ndarray) -> None:
        """One x value: an axis from half a step before to half after it; else automatic."""
        if len(x) != 1:
            self.x_scale.min = self.x_scale.max = None
            return
        if self.date_axis:
            centre = np.datetime64(x[0], "ns")
            pad = np.timedelta64(12, "h")
            lo, hi = (
                (centre - pad).astype("datetime64[ms]"),
                (centre + pad).astype("datetime64[ms]"),
            )
            self.x_scale.min, self.x_scale.max = lo.item(), hi.item()
        else:
            self.x_scale.min, self.x_scale.max = float(x[0]) - 0.5, float(x[0]) + 0.5

    def update_frame(self, frame: Any, empty: str = "no data") -> None:
        """Replace the data with a wide DataFrame: its index as x, one line per column."""
        self.update(
            frame.index.to_numpy(), {str(c): frame[c].to_numpy() for c in frame.columns}, empty
        )

    def set_cursor(self, t: float | None) -> None:
        """Draw the vertical time cursor at ``t`` (None hides it)."""
        if t is None or not self.series:
            self.cursor.visible = False
            return
        values = np.concatenate([v[np.isfinite(v)] for v in self.series.values()] or [[0.0]])
        lo = self.y_scale.min if self.y_scale.min is not None else float(values.min(initial=0))
        hi = self.y_scale.max if self.y_scale.max is not None else float(values.max(initial=1))
        with self.cursor.hold_sync():
            # a date axis takes dates: a float cast would put the cursor in 1970
            kind = "datetime64[ms]" if self.date_axis else float
            self.cursor.x = np.array([t, t], dtype=kind)
            self.cursor.y = np.array([lo, hi], dtype=float)
            self.cursor.visible = True


class HealthChart(TimeSeriesChart):
    """Health (0..1) of each machine over time."""

    def __init__(self, title: str = "Machine health", height: int = 240):
        super().__init__(title, "time", "health", y_range=(0.0, 1.0), height=height)


class OEEChart(w.VBox):
    """Bars of availability, performance, quality and OEE (0..1)."""

    def __init__(
        self, kpis: Mapping[str, Any] | None = None, title: str = "OEE", height: int = 220
    ):
        self.x_scale = bq.OrdinalScale()
        self.y_scale = bq.LinearScale(min=0.0, max=1.0)
        self.bars = bq.Bars(
            x=list(OEE_FACTORS),
            y=np.zeros(len(OEE_FACTORS)),
            scales={"x": self.x_scale, "y": self.y_scale},
            colors=["#4e79a7", "#f28e2b", "#59a14f", "#222222"],
            color_mode="group",
            labels=list(OEE_FACTORS),
        )
        self.figure = bq.Figure(
            marks=[self.bars],
            axes=[
                bq.Axis(scale=self.x_scale),
                bq.Axis(scale=self.y_scale, side="left", tick_format=".0%"),
            ],
            title=title,
            fig_margin={"top": 40, "bottom": 30, "left": 50, "right": 10},
            layout=w.Layout(width="100%", height=f"{height}px"),
        )
        self.readout = w.HTML()
        self.readout.add_class("dtwin-oee-readout")
        super().__init__([self.figure, self.readout], layout=w.Layout(width="100%"))
        self.add_class("dtwin-chart")
        if kpis is not None:
            self.update(kpis)

    def update(self, kpis: Mapping[str, Any], empty: str = "no data") -> None:
        """Show the OEE factors found in ``kpis``; a missing factor draws no bar and reads "—"
        (OEE is the product of the three when only they are given). Nothing known: ``empty``.
        """
        values = [_number(kpis.get(k)) for k in OEE_FACTORS]
        if not np.isfinite(values[3]) and all(np.isfinite(values[:3])):
            values[3] = values[0] * values[1] * values[2]
        known = np.isfinite(values)
        self.bars.y = np.clip(np.where(known, values, 0.0), 0.0, 1.0)
        self.bars.visible = bool(known.any())
        self.readout.value = (
            " · ".join(
                f"{format_kpi(k, v)[0]} <b>{format_kpi(k, v)[1]}</b>"
                for k, v in zip(OEE_FACTORS, values, strict=True)
            )
            if known.any()
            else f"<i class='dtwin-empty'>{html.escape(empty)}</i>"
        )


class MachineBarChart(w.VBox):
    """One bar per machine (or any category): e.g. the mean of a KPI by machine."""

    def __init__(self, title: str = "by machine", height: int = 260, color: str = "#4e79a7"):
        self.x_scale = bq.OrdinalScale()
        self.y_scale = bq.LinearScale(min=0.0)
        self.bars = bq.Bars(
            x=["–"], y=[0.0], scales={"x": self.x_scale, "y": self.y_scale}, colors=[color]
        )
        self.figure = bq.Figure(
            marks=[self.bars],
            axes=[bq.Axis(scale=self.x_scale), bq.Axis(scale=self.y_scale, side="left")],
            title=title,
            layout=w.Layout(width="100%", height=f"{height}px"),
        )
        self.note = w.HTML()
        self.note.add_class("dtwin-chart-note")
        super().__init__([self.note, self.figure], layout=w.Layout(width="100%"))
        self.add_class("dtwin-chart")

    def update(
        self,
        values: Mapping[str, float] | Any,
        title: str | None = None,
        empty: str = "no data",
        y_label: str | None = None,
    ) -> None:
        """Show ``values`` (a mapping or Series: label -> value) as bars, in their order;
        nothing to show hides the bars and says ``empty``."""
        items = values.items() if hasattr(values, "items") else values
        labels, heights = zip(*items, strict=True) if len(values) else ((), ())
        with self.bars.hold_sync():
            self.bars.x, self.bars.y = [str(k) for k in labels], np.asarray(heights, float)
            self.bars.visible = bool(labels)
        self.note.value = "" if labels else f"<i class='dtwin-empty'>{html.escape(empty)}</i>"
        if y_label is not None:
            self.figure.axes[1].label = y_label
        if title is not None:
            self.figure.title = title
