"""GanttChart: machines x time bars coloured by job, with due dates, late and moved operations."""

from __future__ import annotations

import html
from collections.abc import Sequence
from typing import Any

import bqplot as bq
import ipywidgets as w
import numpy as np
import pandas as pd

from widgets.colors import HIGHLIGHT_COLOR, LATE_COLOR, job_color

REQUIRED_COLUMNS = ("job", "op", "machine", "start", "end", "due_date", "late")
BAR_HALF_HEIGHT = 0.38


def rectangles(frame: pd.DataFrame) -> tuple[np.ndarray, np.ndarray]:
    """Closed 5-point outlines (x, y) of one bar per row: [start, end] at the machine's row."""
    start = frame["start"].to_numpy(float)
    end = frame["end"].to_numpy(float)
    row = frame["machine"].to_numpy(float)
    lo, hi = row - BAR_HALF_HEIGHT, row + BAR_HALF_HEIGHT
    x = np.stack([start, end, end, start, start], axis=1)
    y = np.stack([lo, lo, hi, hi, lo], axis=1)
    return x, y


def check_frame(frame: pd.DataFrame) -> pd.DataFrame:
    """Return the frame with a ``moved`` column; raise ValueError naming missing columns."""
    missing = [c for c in REQUIRED_COLUMNS if c not in frame.columns]
    if missing:
        raise ValueError(
            f"schedule frame lacks column(s) {', '.join(missing)}; "
            f"expected {', '.join(REQUIRED_COLUMNS)} (and optionally moved)"
        )
    frame = frame.reset_index(drop=True).copy()
    if "moved" not in frame.columns:
        frame["moved"] = False
    frame["moved"] = frame["moved"].fillna(False).astype(bool)
    frame["late"] = frame["late"].fillna(False).astype(bool)
    return frame


def _lines(scales: dict[str, bq.Scale], visible: bool = False, **style: Any) -> bq.Lines:
    """An empty set of lines on ``scales``, hidden unless ``visible`` (``update`` fills them)."""
    return bq.Lines(x=np.zeros((1, 2)), y=np.zeros((1, 2)), scales=scales, visible=visible, **style)


class GanttChart(w.VBox):
    """Machines x time Gantt chart of a schedule frame; ``update(df)`` changes it in place.

    Bars are coloured by job; late operations get a red outline, rescheduled (``moved``)
    operations a thick pink outline; dashed vertical lines mark each job's due date and grey
    blocks machine downtime. Hovering a bar shows its job, operation, machine and times; in
    pan/zoom mode the mouse wheel zooms the time axis and dragging pans it.
    """

    def __init__(
        self,
        frame: pd.DataFrame | None = None,
        title: str = "",
        height: int = 360,
        time_unit: str = "time units",
    ):
        self.x_scale = bq.LinearScale()
        self.y_scale = bq.LinearScale(min=-0.6, max=0.6)
        scales = {"x": self.x_scale, "y": self.y_scale}
        self.hover_info = w.HTML()
        self.bars = _lines(
            scales, True, fill="inside", stroke_width=1, close_path=True, tooltip=self.hover_info
        )
        self.late_outline = _lines(scales, colors=[LATE_COLOR], stroke_width=2)
        self.moved_outline = _lines(scales, colors=[HIGHLIGHT_COLOR], stroke_width=4)
        self.due_lines = _lines(scales, line_style="dashed", stroke_width=2)
        self.downtime = _lines(
            scales,
            fill="inside",
            colors=["#555555"],
            fill_colors=["#bbbbbb"],
            fill_opacities=[0.6],
            close_path=True,
        )
        self.x_axis = bq.Axis(scale=self.x_scale, label=f"time ({time_unit})")
        self.y_axis = bq.Axis(
            scale=self.y_scale, side="left", label="machine (index)", tick_format="d"
        )
        self.zoom = bq.interacts.PanZoom(scales={"x": [self.x_scale]})
        self.figure = bq.Figure(
            marks=[
                self.downtime,
                self.due_lines,
                self.bars,
                self.late_outline,
                self.moved_outline,
            ],
            axes=[self.x_axis, self.y_axis],
            title=title,
            fig_margin={"top": 40, "bottom": 40, "left": 60, "right": 20},
            layout=w.Layout(width="100%", height=f"{height}px"),
        )
        self.summary = w.HTML()
        self.legend = w.HTML()
        self.legend.add_class("dtwin-gantt-legend")
        self.reset_button = w.Button(description="Reset zoom", icon="search-minus")
        self.reset_button.on_click(lambda _: self.reset_zoom())
        # bqplot's pan/zoom layer catches the mouse, so it is a mode: off, bars show tooltips
        self.zoom_toggle = w.ToggleButton(value=False, description="Pan/zoom", icon="arrows")
        self.zoom_toggle.observe(self._on_zoom_toggle, "value")
        self.frame = pd.DataFrame(columns=[*REQUIRED_COLUMNS, "moved"])
        self.downtimes: list[tuple[int, float, float]] = []
        self.bars.on_hover(self._on_hover)
        super().__init__(
            [
                self.figure,
                self.legend,
                w.HBox([self.zoom_toggle, self.reset_button, self.summary]),
            ],
            layout=w.Layout(width="100%"),
        )
        self.add_class("dtwin-gantt")
        if frame is not None:
            self.update(frame)

    def update(
        self, frame: pd.DataFrame, downtimes: Sequence[tuple[int, float, float]] = ()
    ) -> None:
        """Show ``frame`` (columns job, op, machine, start, end, due_date, late[, moved]).

        ``downtimes`` are (machine, start, end) windows drawn as grey blocks.
        """
        frame = check_frame(frame)
        self.frame = frame
        self.downtimes = [(int(m), float(a), float(b)) for m, a, b in downtimes]
        self._set_downtime()
        if frame.empty:
            self.bars.visible = False
            self.late_outline.visible = self.moved_outline.visible = False
            self.due_lines.visible = False
            self.y_axis.tick_values = np.array([], dtype=float)  # no machine rows to label
            self.summary.value = "no operations"
            self.legend.value = ""
            return
        x, y = rectangles(frame)
        colors = [job_color(j) for j in frame["job"]]
        with self.bars.hold_sync():
            self.bars.x, self.bars.y = x, y
            self.bars.colors = colors
            self.bars.fill_colors = colors
            self.bars.labels = [f"J{j}.{o}" for j, o in zip(frame["job"], frame["op"], strict=True)]
            self.bars.visible = True
        self._set_outline(self.late_outline, frame[frame["late"]])
        self._set_outline(self.moved_outline, frame[frame["moved"]])
        self._set_due_lines(frame)
        machines = int(frame["machine"].max()) + 1
        with self.y_scale.hold_sync():
            self.y_scale.min, self.y_scale.max = -0.6, machines - 0.4
        self.y_axis.tick_values = np.arange(machines)
        self.reset_zoom()
        self.summary.value = self._summary_html(frame)
        self.legend.value = self._legend_html(frame)

    def reset_zoom(self) -> None:
        """Show the whole time range again."""
        if self.frame.empty:
            return
        end = float(self.frame["end"].max())
        due = self.frame["due_date"].dropna()
        if not due.empty:
            end = max(end, float(due.max()))
        end = max([end] + [b for _, _, b in self.downtimes])
        with self.x_scale.hold_sync():
            self.x_scale.min, self.x_scale.max = 0.0, end * 1.02 + 1e-9

    @property
    def makespan(self) -> float:
        """Largest end time shown (0 when empty)."""
        return 0.0 if self.frame.empty else float(self.frame["end"].max())

    def _set_downtime(self) -> None:
        if not self.downtimes:
            self.downtime.visible = False
            return
        rows = pd.DataFrame(self.downtimes, columns=["machine", "start", "end"])
        x, y = rectangles(rows)
        with self.downtime.hold_sync():
            self.downtime.x, self.downtime.y = x, y
            self.downtime.visible = True

    def _set_outline(self, mark: bq.Lines, rows: pd.DataFrame) -> None:
        if rows.empty:
            mark.visible = False
            return
        x, y = rectangles(rows)
        with mark.hold_sync():
            mark.x, mark.y = x, y
            mark.visible = True

    def _set_due_lines(self, frame: pd.DataFrame) -> None:
        due = frame.groupby("job")["due_date"].first().dropna()
        if due.empty:
            self.due_lines.visible = False
            return
        top = float(frame["machine"].max()) + 0.5
        x = np.stack([due.to_numpy(float)] * 2, axis=1)
        y = np.tile([-0.5, top], (len(due), 1))
        with self.due_lines.hold_sync():
            self.due_lines.x, self.due_lines.y = x, y
            self.due_lines.colors = [job_color(j) for j in due.index]
            self.due_lines.visible = True

    def _legend_html(self, frame: pd.DataFrame) -> str:
        swatch = (
            "<span style='display:inline-block;width:11px;height:11px;margin:0 3px 0 8px;"
            "background:{c};{extra}'></span>{t}"
        )
        items = [
            swatch.format(c=job_color(j), extra="", t=f"job {j}")
            for j in sorted(frame["job"].unique())
        ]
        if frame["late"].any():
            items.append(swatch.format(c="white", extra=f"border:2px solid {LATE_COLOR}", t="late"))
        if frame["moved"].any():
            items.append(
                swatch.format(c="white", extra=f"border:3px solid {HIGHLIGHT_COLOR}", t="moved")
            )
        if self.downtimes:
            items.append(swatch.format(c="#bbbbbb", extra="", t="machine down"))
        if frame["due_date"].notna().any():
            items.append("<span style='margin-left:8px'>dashed line: due date</span>")
        return "<div style='font-size:11px;line-height:18px'>" + "".join(items) + "</div>"

    def _summary_html(self, frame: pd.DataFrame) -> str:
        late_jobs = frame.loc[frame["late"], "job"].nunique()
        moved = int(frame["moved"].sum())
        parts = [
            f"makespan <b>{self.makespan:g}</b>",
            f"{frame['job'].nunique()} jobs",
            f"{len(frame)} operations",
            f"late jobs <b>{late_jobs}</b>",
        ]
        if moved:
            parts.append(f'<span style="color:{HIGHLIGHT_COLOR}">moved ops <b>{moved}</b></span>')
        return "<span class='dtwin-gantt-summary'>" + " · ".join(parts) + "</span>"

    def _on_zoom_toggle(self, change: dict) -> None:
        self.figure.interaction = self.zoom if change["new"] else None

    def _on_hover(self, _mark: Any, event: dict) -> None:
        index = (event.get("data") or {}).get("index")
        if index is None or index >= len(self.frame):
            return
        row = self.frame.iloc[int(index)]
        due = "" if pd.isna(row["due_date"]) else f"<br>due {row['due_date']:g}"
        flags = " (late)" if row["late"] else ""
        flags += " (moved)" if row["moved"] else ""
        self.hover_info.value = (
            html.escape(f"job {row['job']} op {row['op']}{flags}")
            + f"<br>machine {row['machine']}<br>{row['start']:g} → {row['end']:g}{due}"
        )
