"""A plain matplotlib Gantt chart of a schedule table (see :func:`schedule_frame`)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import pandas as pd
    from matplotlib.figure import Figure


def plot_gantt(
    frame: pd.DataFrame,
    title: str = "",
    ax: Any = None,
    downtime: list[tuple[int, int, int]] | None = None,
) -> Figure:
    """Draw one row per machine and one bar per operation, coloured by job.

    Late jobs get a red edge, moved operations (rescheduling) a hatch, and ``downtime``
    windows ``(machine, start, end)`` a grey band.
    """
    import matplotlib.pyplot as plt

    if ax is None:
        _, ax = plt.subplots(figsize=(11, 0.45 * max(frame["machine"].max() + 1, 3) + 1.2))
    cmap = plt.get_cmap("tab20")
    for row in frame.itertuples(index=False):
        moved = bool(getattr(row, "moved", False))
        ax.barh(
            row.machine,
            row.end - row.start,
            left=row.start,
            height=0.8,
            color=cmap(row.job % 20),
            edgecolor="red" if row.late else "black",
            linewidth=1.5 if row.late else 0.5,
            hatch="//" if moved else None,
        )
        if row.end - row.start >= 0.025 * frame["end"].max():
            ax.text(
                (row.start + row.end) / 2,
                row.machine,
                str(row.job),
                ha="center",
                va="center",
                fontsize=7,
            )
    for machine, start, end in downtime or []:
        ax.barh(machine, end - start, left=start, height=0.95, color="grey", alpha=0.5)
    ax.set_yticks(sorted(frame["machine"].unique()))
    ax.set_yticklabels([f"M{m}" for m in sorted(frame["machine"].unique())])
    ax.invert_yaxis()
    ax.set_xlabel("time")
    ax.set_title(title)
    ax.figure.tight_layout()
    return ax.figure
