"""ForecastAlertsPanel: the alerts the twin's forecast raises, one row per threshold crossed.

It shows the rows of :func:`dtwin.twin.forecast_rows.forecast_alert_rows` (what crossed which
threshold is decided there): severity, kind, subject, when the crossing is forecast, the
forecast figure with its 90% interval and units, and the threshold; with no alert it says so
for the horizon watched.
"""

from __future__ import annotations

import html
from collections.abc import Sequence
from typing import Any

import ipywidgets as w

from dtwin.twin import format_time

STYLE = """<style>
.dtwin-fa-table {font-size:12px;border-collapse:collapse}
.dtwin-fa-table th {text-align:left;color:#666;font-weight:normal;padding:1px 6px}
.dtwin-fa-table td {padding:1px 6px;border-bottom:1px solid #eee;vertical-align:top}
.dtwin-fa-table tr.dtwin-severity-warning {background:#fff4e5;color:#7a4b00}
.dtwin-fa-table tr.dtwin-severity-critical {background:#fdecea;color:#8a1c1c;font-weight:600}
.dtwin-fa-note {font-size:11px;color:#666}
</style>"""
HEADER = ["severity", "kind", "subject", "when", "forecast (90% PI)", "threshold"]


def _esc(value: Any) -> str:
    return html.escape(str(value))


def _num(value: float | None) -> str:
    return "—" if value is None else f"{value:,.4g}" if abs(value) < 1000 else f"{value:,.0f}"


def _when(row: Any) -> str:
    if row.when_min is not None:
        return format_time(row.when_min)
    return row.when_date or "—"


def _cells(row: Any) -> list[str]:
    figure = f"{_num(row.mean)} ({_num(row.lo)}–{_num(row.hi)}) {row.unit}"
    threshold = f"{row.threshold_label} {_num(row.threshold)}"
    return [row.severity, row.kind.replace("_", " "), row.subject, _when(row), figure, threshold]


class ForecastAlertsPanel(w.HTML):
    """Forecast alerts (ForecastAlertRow), most severe first; ``shown`` rows at most."""

    def __init__(self, shown: int = 12) -> None:
        super().__init__()
        self.shown = shown
        self.add_class("dtwin-forecast-alerts")
        self.value = "<b>Forecast alerts</b><div><i>no forecast yet</i></div>"

    def update(self, rows: Sequence[Any], hours: float, note: str = "") -> None:
        """Show ``rows`` for a forecast of the next ``hours``; ``note``: where it comes from."""
        title = f"<b>Forecast alerts</b> (next {hours:g} h)"
        foot = f"<div class='dtwin-fa-note'>{_esc(note)}</div>" if note else ""
        if not rows:
            body = f"<div><i>no forecast alerts in the next {hours:g} h</i></div>"
            self.value = f"{STYLE}{title}{body}{foot}"
            return
        rank = {"critical": 0, "warning": 1, "info": 2}
        ordered = sorted(rows, key=lambda r: rank.get(r.severity, 3))[: self.shown]
        head = "".join(f"<th>{_esc(h)}</th>" for h in HEADER)
        lines = "".join(
            f"<tr class='dtwin-fa-row dtwin-severity-{_esc(r.severity)}'>"
            + "".join(f"<td>{_esc(c)}</td>" for c in _cells(r))
            + "</tr>"
            for r in ordered
        )
        more = len(rows) - len(ordered)
        extra = f"<div class='dtwin-fa-note'>and {more} more</div>" if more else ""
        counts = ", ".join(
            f"{n} {s}" for s in rank if (n := sum(r.severity == s for r in rows)) > 0
        )
        table = f"<table class='dtwin-fa-table'><tr>{head}</tr>{lines}</table>"
        self.value = f"{STYLE}{title}: {counts}{table}{extra}{foot}"
