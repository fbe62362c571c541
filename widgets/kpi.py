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
}
OEE_FACTORS = ("availability", "performance", "quality", "oee")


def format_kpi(name: str, value: Any) -> tuple[str, str]:
    """Label and display text of one KPI value."""
    default = "{:.1%}" if name.endswith(("share", "_rate", "utilization")) else "{:.3g}"
    label, fmt = KPI_FORMATS.get(name, (name.replace("_", " ").capitalize(), default))
    if value is None or (isinstance(value, float) and np.isnan(value)):
        return label, "–"
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
        """Show the numeric values of ``kpis`` (only the ``keys`` given at creation, if any)."""
        names = self.kpi_names if self.kpi_names is not None else list(kpis)
        for name in names:
            if name not in kpis or not isinstance(kpis[name], int | float | np.number):
                continue
            self.values[name] = kpis[name]
            self.cards[name] = _card_html(*format_kpi(name, kpis[name]))
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
            fig_margin={"top": 40, "bottom": 40, "left": 55, "right": 15},
            layout=w.Layout(width="100%", height=f"{height}px"),
        )
        self.series: dict[str, np.ndarray] = {}
        super().__init__([self.figure], layout=w.Layout(width="100%"))
        self.add_class("dtwin-chart")

    def update(self, x: Sequence[Any], series: Mapping[str, Sequence[float]]) -> None:
        """Replace the data: ``x`` shared by every series in ``series`` (name -> values)."""
        self.series = {k: np.asarray(v, float) for k, v in series.items()}
        if not self.series or len(x) == 0:
            self.lines.visible = False
            return
        x = np.asarray(x)
        names = list(self.series)
        if not self.cursor.visible:  # an idle cursor must not stretch the x scale
            values = np.concatenate([v[np.isfinite(v)] for v in self.series.values()] or [[0.0]])
            self.cursor.x = np.array([x[0], x[0]])
            self.cursor.y = np.array([values.min(initial=0.0), values.max(initial=0.0)])
        with self.lines.hold_sync():
            self.lines.x = x
            self.lines.y = np.vstack([self.series[n] for n in names])
            self.lines.labels = names
            self.lines.colors = [JOB_PALETTE[i % len(JOB_PALETTE)] for i in range(len(names))]
            self.lines.visible = True

    def update_frame(self, frame: Any) -> None:
        """Replace the data with a wide DataFrame: its index as x, one line per column."""
        self.update(frame.index.to_numpy(), {str(c): frame[c].to_numpy() for c in frame.columns})

    def set_cursor(self, t: float | None) -> None:
        """Draw the vertical time cursor at ``t`` (None hides it)."""
        if t is None or not self.series:
            self.cursor.visible = False
            return
        values = np.concatenate([v[np.isfinite(v)] for v in self.series.values()] or [[0.0]])
        lo = self.y_scale.min if self.y_scale.min is not None else float(values.min(initial=0))
        hi = self.y_scale.max if self.y_scale.max is not None else float(values.max(initial=1))
        with self.cursor.hold_sync():
            self.cursor.x = np.array([t, t], dtype=float)
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
        super().__init__([self.figure], layout=w.Layout(width="100%"))
        self.add_class("dtwin-chart")
        if kpis is not None:
            self.update(kpis)

    def update(self, kpis: Mapping[str, Any]) -> None:
        """Show the OEE factors found in ``kpis`` (missing ones as 0)."""
        values = [float(kpis.get(k) or 0.0) for k in OEE_FACTORS]
        if not kpis.get("oee") and all(kpis.get(k) for k in OEE_FACTORS[:3]):
            values[3] = values[0] * values[1] * values[2]
        self.bars.y = np.clip(np.nan_to_num(values), 0.0, 1.0)


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
        super().__init__([self.figure], layout=w.Layout(width="100%"))
        self.add_class("dtwin-chart")

    def update(self, values: Mapping[str, float] | Any, title: str | None = None) -> None:
        """Show ``values`` (a mapping or Series: label -> value) as bars, in their order."""
        items = values.items() if hasattr(values, "items") else values
        labels, heights = zip(*items, strict=True) if len(values) else ((), ())
        with self.bars.hold_sync():
            self.bars.x, self.bars.y = [str(k) for k in labels], np.asarray(heights, float)
        if title is not None:
            self.figure.title = title
