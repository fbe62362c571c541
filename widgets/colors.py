"""Colour palettes shared by the widgets (jobs, machine states, health)."""

from __future__ import annotations

import math

from dtwin.sim import SNAPSHOT_STATES

# Tableau-20-like categorical palette for jobs (distinct on a white background).
JOB_PALETTE = (
    "#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2", "#7f7f7f",
    "#bcbd22", "#17becf", "#aec7e8", "#ffbb78", "#98df8a", "#ff9896", "#c5b0d5", "#c49c94",
    "#f7b6d2", "#c7c7c7", "#dbdb8d", "#9edae5",
)  # fmt: skip

# one colour per state a snapshot can show (dtwin.sim.SNAPSHOT_STATES: off shift shows as idle)
_STATE_PALETTE = {
    "running": "#2ca02c",
    "idle": "#b0b0b0",
    "blocked": "#ff7f0e",
    "starved": "#f2c94c",
    "down": "#d62728",
    "maintenance": "#1f77b4",
}
STATE_COLORS = {state: _STATE_PALETTE[state] for state in SNAPSHOT_STATES}
# outside every shift: recorded with dtwin.sim.record_snapshots(..., off_shift=True)
STATE_COLORS["off_shift"] = "#424242"
UNKNOWN_COLOR = "#555555"
HIGHLIGHT_COLOR = "#e91e63"
LATE_COLOR = "#d62728"


def job_color(job: int) -> str:
    """Colour of a job, cycling through the palette."""
    return JOB_PALETTE[int(job) % len(JOB_PALETTE)]


def state_color(state: str) -> str:
    """Colour of a machine state (dark grey for an unknown state)."""
    return STATE_COLORS.get(state, UNKNOWN_COLOR)


def health_color(health: float | None) -> str:
    """Red (0) -> amber (0.5) -> green (1) for a health value in [0, 1]; grey
    (``UNKNOWN_COLOR``) when the health is not known (None or NaN)."""
    if health is None or math.isnan(health):
        return UNKNOWN_COLOR
    h = min(max(float(health), 0.0), 1.0)
    if h < 0.5:
        r, g = 215, int(40 + (190 - 40) * h / 0.5)
    else:
        r, g = int(215 - (215 - 44) * (h - 0.5) / 0.5), int(190 - (190 - 160) * (h - 0.5) / 0.5)
    return f"#{r:02x}{g:02x}{40:02x}"
