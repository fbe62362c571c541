"""The plant dashboard: machine status cards, health monitor, material flow and data quality,
four quadrants that follow one day selector (play/pause at 1x, 10x and 100x).

The data come from ``dtwin.warehouse.load_plant_board`` (read once); a day change only cuts
them. The Sankey diagram is plotly's (bqplot has none); it is shown through the JupyterLab
plotly renderer that Voila loads (an Output with plotly's mime type), since plotly's
``FigureWidget`` needs ``anywidget``, which this environment does not install.
"""

from __future__ import annotations

import html
import json
import math
from collections.abc import Callable, Sequence
from datetime import date
from typing import Any

import ipywidgets as w
import pandas as pd

from dtwin.warehouse import (
    PLANT_QUALITY_CHECKS,
    PlantBoard,
    flows_on,
    machine_status,
    quality_on,
)
from widgets.colors import JOB_PALETTE, health_color
from widgets.kpi import MISSING, TimeSeriesChart

# speed label -> (ms between two steps, days per step): 1, 10 and 100 days per second; faster
# speeds take bigger steps instead of asking the kernel for more than a few updates a second
DAY_SPEEDS = {"1×": (1000, 1), "10×": (500, 5), "100×": (250, 25)}
SENSOR_LABELS = {
    "efficiency": ("Efficiency", "%"),
    "temperature_c": ("Temperature", "°C"),
    "pressure_bar": ("Pressure", "bar"),
}
FLAG_COLOR = "#d62728"
PLOTLY_MIME = "application/vnd.plotly.v1+json"


def _fmt(value: float, fmt: str) -> str:
    return MISSING if value is None or not math.isfinite(float(value)) else fmt.format(value)


class DaySelector(w.VBox):
    """A day slider with play/pause and speeds; ``on_day(callback)`` gets each chosen day."""

    def __init__(self, days: Sequence[date] = ()):
        self.days: list[date] = list(days)
        self.play = w.Play(value=0, min=0, max=0, interval=1000, step=1, description="play")
        self.slider = w.IntSlider(value=0, min=0, max=0, readout=False, description="day")
        w.jslink((self.play, "value"), (self.slider, "value"))
        self.speed = w.ToggleButtons(options=list(DAY_SPEEDS), value="1×", description="speed")
        self.speed.style.button_width = "60px"
        self.speed.observe(self._on_speed, "value")
        self.label = w.HTML()
        self.label.add_class("dtwin-day")
        self._callbacks: list[Callable[[date], None]] = []
        self.slider.observe(lambda _: self._changed(), "value")
        super().__init__([w.HBox([self.play, self.slider, self.label]), self.speed])
        self.add_class("dtwin-day-selector")
        self.set_days(self.days)

    def set_days(self, days: Sequence[date]) -> None:
        """Replace the days to choose from and go to the first one."""
        self.play.playing = False
        self.days = list(days)
        self.play.max = self.slider.max = max(len(self.days) - 1, 0)
        self.slider.value = 0
        self._changed()

    @property
    def day(self) -> date | None:
        """The chosen day (None without days)."""
        return self.days[self.slider.value] if self.days else None

    def on_day(self, callback: Callable[[date], None]) -> None:
        self._callbacks.append(callback)

    def _on_speed(self, change: dict) -> None:
        interval, step = DAY_SPEEDS[change["new"]]
        with self.play.hold_sync():
            self.play.interval, self.play.step = interval, step

    def _changed(self) -> None:
        day = self.day
        n = len(self.days)
        self.label.value = (
            f"<b>{day:%Y-%m-%d}</b> (day {self.slider.value + 1} of {n})" if day else "no days"
        )
        if day is not None:
            for callback in self._callbacks:
                callback(day)


class StatusCards(w.HTML):
    """One card per machine: the day's units, OEE, efficiency, coloured by efficiency, with a
    red border and the reason when the machine's history shows wear."""

    def __init__(self) -> None:
        super().__init__()
        self.add_class("dtwin-status-cards")

    def update(self, status: pd.DataFrame) -> None:
        cards = []
        for machine, r in status.iterrows():
            eff = r["efficiency"]
            color = health_color(eff if math.isfinite(eff) else None)
            border = f"3px solid {FLAG_COLOR}" if r["flagged"] else "1px solid #ccc"
            flag = (
                f"<div class='dtwin-flag' style='color:{FLAG_COLOR};font-size:11px'>"
                f"⚠ degrading: {html.escape(r['reason'])}</div>"
                if r["flagged"]
                else "<div style='color:#666;font-size:11px'>"
                f"{html.escape(r['reason'] or 'no wear trend')}</div>"
            )
            cards.append(
                f"<div class='dtwin-machine-card' data-machine='{html.escape(machine)}' "
                f"style='border:{border};border-radius:6px;padding:6px 10px;margin:4px;"
                f"width:190px;border-left:10px solid {color}'>"
                f"<b>{html.escape(machine)}</b>"
                f"<div>units {_fmt(r['units'], '{:,.0f}')} · OEE {_fmt(r['oee'], '{:.1%}')}</div>"
                f"<div>efficiency {_fmt(eff, '{:.1%}')} · defects "
                f"{_fmt(r['defect_rate'], '{:.2%}')}</div>{flag}</div>"
            )
        legend = (
            "<div style='font-size:11px;color:#666'>left bar: the day's mean efficiency "
            f"(<span style='color:{health_color(1.0)}'>■</span> high → "
            f"<span style='color:{health_color(0.0)}'>■</span> low); red border: wear found in "
            "the efficiency or energy-per-unit trend of the days so far</div>"
        )
        self.value = (
            "<div style='display:flex;flex-wrap:wrap'>" + "".join(cards) + "</div>" + legend
        )


def gauge_svg(label: str, value: float, lo: float, hi: float, text: str) -> str:
    """A half-circle gauge from ``lo`` to ``hi`` with ``value`` marked (grey when unknown)."""
    known = value is not None and math.isfinite(value) and hi > lo
    share = min(max((value - lo) / (hi - lo), 0.0), 1.0) if known else 0.0
    angle = math.pi * (1 - share)
    x, y = 50 + 40 * math.cos(angle), 50 - 40 * math.sin(angle)
    arc = (
        f"<path d='M10,50 A40,40 0 0 1 {x:.1f},{y:.1f}' stroke='#4e79a7' stroke-width='9' "
        "fill='none'/>"
        if known and share > 0
        else ""
    )
    return (
        "<svg class='dtwin-gauge' width='110' height='78' viewBox='0 0 100 72'>"
        "<path d='M10,50 A40,40 0 0 1 90,50' stroke='#ddd' stroke-width='9' fill='none'/>"
        f"{arc}<text x='50' y='47' text-anchor='middle' font-size='12' font-weight='600'>"
        f"{html.escape(text)}</text>"
        f"<text x='50' y='64' text-anchor='middle' font-size='9' fill='#555'>"
        f"{html.escape(label)}</text></svg>"
    )


class HealthMonitor(w.VBox):
    """Efficiency, temperature or pressure per machine over the days, a cursor on the chosen
    day, and gauges of the day's means per machine (scale: the machine's range in the data)."""

    def __init__(self) -> None:
        self.sensor = w.ToggleButtons(
            options=[(v[0], k) for k, v in SENSOR_LABELS.items()], value="efficiency"
        )
        self.sensor.style.button_width = "100px"
        self.chart = TimeSeriesChart("", x_label="date", height=230, date_axis=True)
        self.gauges = w.HTML()
        self.gauges.add_class("dtwin-gauges")
        self.sensors = pd.DataFrame()
        self.day: date | None = None
        self.sensor.observe(lambda _: self._draw(), "value")
        super().__init__([self.sensor, self.chart, self.gauges])
        self.add_class("dtwin-health-monitor")

    def set_data(self, sensors: pd.DataFrame) -> None:
        self.sensors = sensors
        self._draw()

    def _draw(self) -> None:
        name = self.sensor.value
        label, unit = SENSOR_LABELS[name]
        wide = self.sensors.pivot_table(index="date", columns="machine_id", values=name)
        if name == "efficiency":
            wide = wide * 100
        self.chart.update_frame(wide)
        self.chart.figure.title = f"{label} ({unit}), daily mean per machine"
        self.chart.figure.axes[1].label = unit
        self.show_day(self.day)

    def show_day(self, day: date | None) -> None:
        self.day = day
        if day is None or self.sensors.empty:
            self.gauges.value = "<i>no day chosen</i>"
            return
        self.chart.set_cursor(pd.Timestamp(day).to_datetime64())
        today = self.sensors[self.sensors["date"] == pd.Timestamp(day)].set_index("machine_id")
        rows = []
        for machine, group in self.sensors.groupby("machine_id"):
            cells = []
            for name, (label, unit) in SENSOR_LABELS.items():
                value = float(today.loc[machine, name]) if machine in today.index else math.nan
                if name == "efficiency":
                    lo, hi, text = 0.0, 1.0, _fmt(value, "{:.1%}")
                else:
                    lo, hi = float(group[name].min()), float(group[name].max())
                    text = _fmt(value, "{:,.4g}") + ("" if text_missing(value) else f" {unit}")
                cells.append(gauge_svg(label, value, lo, hi, text))
            rows.append(
                f"<div style='display:flex;align-items:center'><b style='width:110px'>"
                f"{html.escape(str(machine))}</b>{''.join(cells)}</div>"
            )
        self.gauges.value = (
            f"<div style='font-size:12px'>Gauges for <b>{day:%Y-%m-%d}</b> (temperature and "
            "pressure scaled to each machine's range in these data)</div>" + "".join(rows)
        )


def text_missing(value: float) -> bool:
    return value is None or not math.isfinite(float(value))


def sankey_figure(links: pd.DataFrame, title: str) -> dict[str, Any]:
    """A plotly Sankey (as JSON) of the links (source, target, units)."""
    import plotly.graph_objects as go

    nodes = list(dict.fromkeys([*links["source"], *links["target"]]))
    index = {n: i for i, n in enumerate(nodes)}
    colors = [JOB_PALETTE[i % len(JOB_PALETTE)] for i in range(len(nodes))]
    figure = go.Figure(
        go.Sankey(
            node={"label": nodes, "color": colors, "pad": 14},
            link={
                "source": [index[s] for s in links["source"]],
                "target": [index[t] for t in links["target"]],
                "value": links["units"].tolist(),
                "hovertemplate": "%{source.label} → %{target.label}: %{value:,.0f} units"
                "<extra></extra>",
            },
            valueformat=",.0f",
            valuesuffix=" units",
        )
    )
    figure.update_layout(
        title={"text": title, "font": {"size": 13}},
        template="none",  # plotly's default theme would add ~10 kB to every day's message
        height=300,
        margin={"l": 10, "r": 10, "t": 40, "b": 10},
    )
    return json.loads(figure.to_json())


class FlowSankey(w.VBox):
    """The day's material flow as a Sankey: raw material -> machine -> product -> good or
    defective units (the warehouse has no bill of materials, so products do not feed products).
    """

    def __init__(self) -> None:
        self.output = w.Output(layout={"min_height": "300px"})
        self.summary = w.HTML()
        self.summary.add_class("dtwin-flow-summary")
        self.figure: dict[str, Any] = {}
        super().__init__([self.output, self.summary])
        self.add_class("dtwin-flow")

    def show(self, links: pd.DataFrame, day: date) -> None:
        from IPython.display import display

        self.output.clear_output(wait=True)
        if links.empty:
            self.figure = {}
            self.summary.value = f"<i>no production on {day:%Y-%m-%d}</i>"
            return
        self.figure = sankey_figure(links, f"Material flow on {day:%Y-%m-%d} (units)")
        with self.output:
            display({PLOTLY_MIME: self.figure, "text/plain": "material flow"}, raw=True)
        started = links.loc[links["source"] == "raw material", "units"].sum()
        bad = links.loc[links["target"] == "defective units", "units"].sum()
        self.summary.value = (
            f"{started:,.0f} units made on {day:%Y-%m-%d}, {bad:,.0f} defective "
            f"({bad / started:.2%})"
            if started
            else ""
        )


class QualityPanel(w.HTML):
    """The day's data-quality findings: what was found, by which check and rule, and how many
    rows; "none" per check when clean."""

    def __init__(self) -> None:
        super().__init__()
        self.add_class("dtwin-quality")

    def show(self, findings: pd.DataFrame, day: date) -> None:
        rows = []
        for check, meaning in PLANT_QUALITY_CHECKS.items():
            found = findings[findings["check"] == check]
            total = int(found["rows"].sum())
            rules = ", ".join(
                f"{html.escape(str(r.rule))} {r.rows:,}" for r in found.itertuples(index=False)
            )
            rows.append(
                f"<tr><td>{html.escape(meaning)}</td><td style='text-align:right'>"
                f"<b>{total:,}</b></td><td style='color:#555'>{rules or 'none'}</td></tr>"
            )
        self.value = (
            f"<div><b>Data quality of the files delivered on {day:%Y-%m-%d}</b></div>"
            "<table style='font-size:12px'><tr><th>finding</th><th>rows</th>"
            "<th>caught in (table or kind: rule)</th></tr>" + "".join(rows) + "</table>"
        )


def _quadrant(title: str, body: w.Widget) -> w.VBox:
    box = w.VBox(
        [w.HTML(f"<h4 style='margin:4px 0'>{html.escape(title)}</h4>"), body],
        layout={"border": "1px solid #ddd", "padding": "6px", "overflow": "hidden"},
    )
    box.add_class("dtwin-quadrant")
    return box


class PlantDashboard(w.VBox):
    """Four quadrants over a :class:`~dtwin.warehouse.PlantBoard`, following a day selector."""

    def __init__(self, board: PlantBoard):
        self.board = board
        self.cards = StatusCards()
        self.health = HealthMonitor()
        self.flow = FlowSankey()
        self.quality = QualityPanel()
        self.selector = DaySelector()
        grid = w.GridBox(
            [
                _quadrant("Machine status", self.cards),
                _quadrant("Health monitor", self.health),
                _quadrant("Material flow", self.flow),
                _quadrant("Data quality", self.quality),
            ],
            layout={"grid_template_columns": "1fr 1fr", "grid_gap": "8px", "width": "100%"},
        )
        super().__init__([self.selector, grid])
        self.add_class("dtwin-plant-dashboard")
        self.health.set_data(board.sensors)
        self.selector.on_day(self.show_day)
        self.selector.set_days(board.days)

    def show_day(self, day: date) -> None:
        """Show ``day`` in every quadrant."""
        self.cards.update(machine_status(self.board, day))
        self.health.show_day(day)
        self.flow.show(flows_on(self.board, day), day)
        self.quality.show(quality_on(self.board, day), day)
