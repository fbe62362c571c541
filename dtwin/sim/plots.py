"""Matplotlib charts of simulation results (for notebooks; imported lazily)."""

from __future__ import annotations

from typing import Any

import pandas as pd

SHARE_COLORS = {  # one per dtwin.sim.states.STATE_LABELS
    "running": "#2e7d32",
    "idle": "#bdbdbd",
    "starved": "#90caf9",
    "blocked": "#ffb300",
    "down": "#c62828",
    "maintenance": "#6a1b9a",
    "off_shift": "#424242",
}


def plot_state_shares(stations: pd.DataFrame, ax: Any = None, title: str | None = None) -> Any:
    """Stacked horizontal bars: share of time per state for each station."""
    import matplotlib.pyplot as plt

    if ax is None:
        _, ax = plt.subplots(figsize=(8, 0.35 * len(stations) + 1.2))
    left = pd.Series(0.0, index=stations.index)
    shown = 0
    for state, color in SHARE_COLORS.items():
        if state not in stations or not (stations[state] > 0).any():
            continue
        ax.barh(stations["station"], stations[state], left=left, color=color, label=state)
        left = left + stations[state]
        shown += 1
    ax.invert_yaxis()
    ax.set_xlim(0, 1)
    ax.set_xlabel("share of time")
    ax.legend(ncol=max(shown, 1), fontsize=8, loc="lower center", bbox_to_anchor=(0.5, 1.0))
    if title:
        ax.set_title(title, pad=22)
    return ax


def plot_scenarios(summary: pd.DataFrame, metrics: list[str], axes: Any = None) -> Any:
    """One bar chart per metric: mean per scenario with its 95% confidence interval."""
    import matplotlib.pyplot as plt

    from dtwin.sim.kpis import kpi_label

    if axes is None:
        _, axes = plt.subplots(1, len(metrics), figsize=(4 * len(metrics), 3.2))
    axes = [axes] if len(metrics) == 1 else list(axes)
    for ax, metric in zip(axes, metrics, strict=True):
        part = summary[summary["metric"] == metric]
        err = part["half_width"].fillna(0.0)
        ax.bar(part["scenario"], part["mean"], yerr=err, capsize=4, color="#1565c0")
        ax.set_title(kpi_label(metric), fontsize=10)  # with its unit
        ax.tick_params(axis="x", labelrotation=20)
    return axes


def plot_lead_times(lead_times: list[float], ax: Any = None) -> Any:
    """Histogram of lead times with the mean and the 95th percentile marked."""
    import matplotlib.pyplot as plt
    import numpy as np

    if ax is None:
        _, ax = plt.subplots(figsize=(6, 3))
    values = np.asarray(lead_times)
    ax.hist(values, bins=60, color="#90a4ae")
    ax.axvline(values.mean(), color="#1565c0", label=f"mean {values.mean():.1f} min")
    p95 = np.percentile(values, 95)
    ax.axvline(p95, color="#c62828", linestyle="--", label=f"p95 {p95:.1f} min")
    ax.set_xlabel("lead time (min)")
    ax.legend()
    return ax
