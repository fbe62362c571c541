"""How a plan and a reschedule are described on a page: solver status, gap to the lower bound,
what a breakdown costs the plan as it stands and what rescheduling recovers.

A reschedule is a new solve with more search time, so it can beat the original plan even when
the breakdown touched nothing; these texts never present that gain as the breakdown's doing.
"""

from __future__ import annotations

import html
import math
from typing import Any

from widgets.kpi import MISSING


def gap_text(schedule: Any) -> str:
    """``"OPTIMAL, gap 0.0% to the lower bound 55"`` (or "no lower bound")."""
    gap = getattr(schedule, "gap", None)
    if gap is None:
        return f"{schedule.status}, no lower bound"
    return f"{schedule.status}, gap {gap:.1%} to the lower bound {schedule.lower_bound:g}"


def reschedule_verdict(original: Any, result: Any, time_limit: float) -> str:
    """One paragraph (HTML): the breakdown's cost on the plan as it stands (right-shift
    repair), what the reschedule recovers and moves, and, when the new plan beats the original,
    that the gain comes from the extra search, not from the breakdown."""
    extra = (
        f" It is better than the original plan only because the re-solve searched another "
        f"{time_limit:g} s starting from it (the original was {html.escape(gap_text(original))})"
        ": that gain is not the breakdown's doing."
    )
    better = result.objective < original.value
    if result.repair_delayed == 0:
        text = (
            "<b>The breakdown hits no operation of the plan</b>: keep the plan as it is "
            "(it costs 0)."
        )
        if result.moved:
            text += f" The reschedule below moves {result.moved} operations all the same."
        return text + (extra if better else "")
    cost = result.repair_objective - original.value
    gain = result.repair_objective - result.objective
    text = (
        f"The breakdown delays <b>{result.repair_delayed}</b> operations and costs "
        f"<b>{cost:+g}</b> on the plan as it stands (right-shift repair); rescheduling "
        f"recovers <b>{gain:g}</b> of it and moves {result.moved} operations."
    )
    return text + (extra if better else "")


def comparison_html(
    original: Any, result: Any, objective: str, stability_weight: int, time_limit: float
) -> str:
    """The verdict and a table: original, right-shift repair and rescheduled plan, each with
    makespan, objective value, moved operations and solver status."""
    new = result.schedule
    new_status = (
        gap_text(new)
        if stability_weight == 0
        else f"{new.status}; no gap: its objective includes the stability term"
    )

    def row(name: str, makespan: float, value: float, moved: str, status: str) -> str:
        return (
            f"<tr><td>{html.escape(name)}</td>"
            f"<td>{f'{makespan:g}' if math.isfinite(makespan) else MISSING}</td><td>{value:g}</td>"
            f"<td>{html.escape(moved)}</td><td>{html.escape(status)}</td></tr>"
        )

    repaired = result.repaired.makespan if result.repaired is not None else float("nan")
    return (
        f"<div class='dtwin-verdict'>{reschedule_verdict(original, result, time_limit)}</div>"
        "<table class='dtwin-comparison'><tr><th>plan</th><th>makespan</th>"
        f"<th>objective ({html.escape(objective)})</th><th>moved operations</th>"
        "<th>solver status</th></tr>"
        + row("original", original.makespan, original.value, "", gap_text(original))
        + row(
            "right-shift repair",
            repaired,
            result.repair_objective,
            f"{result.repair_delayed} delayed",
            "no solver: the old sequences pushed later",
        )
        + row(
            f"rescheduled (stability {stability_weight})",
            new.makespan,
            result.objective,
            str(result.moved),
            new_status,
        )
        + "</table>"
    )
