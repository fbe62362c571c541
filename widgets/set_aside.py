"""The rows a warehouse set aside, which its KPIs therefore exclude: quarantined and rejected.

Bronze quarantines a delivered row it cannot read (``bronze.quarantine``); silver rejects a row
that reads but cannot be true (``silver.rejected``, see ``dtwin.warehouse.rejected_counts``).
Neither reaches gold, so a KPI page shows them next to the figures: per file kind, and for
rejected rows per rule, with an explicit "none" when there are none.
"""

from __future__ import annotations

import html
from dataclasses import dataclass
from pathlib import Path

import ipywidgets as w
import pandas as pd

# What each plausibility rule of dtwin/warehouse/plausibility.py means to a reader of the KPIs.
RULE_LABELS: dict[str, str] = {
    "outside_window": "dated outside the delivery window",
    "not_finite": "value not a finite number",
    "out_of_range": "value outside the physical range",
    "not_whole": "count not a whole number",
    "unknown_machine": "unknown machine",
    "unknown_product": "unknown product",
    "end_not_after_start": "does not end after it starts",
    "too_long": "runs implausibly long",
    "above_capacity": "above the machine's capacity",
    "defective_exceeds_inspected": "more defective than inspected",
}
QUARANTINED = "Quarantined (could not be read)"
REJECTED = "Rejected (implausible)"
EXAMPLES_READ = 2000  # quarantined rows read for one example reason per kind


def kind_label(kind: str) -> str:
    """A file kind as shown: ``sensor_logs`` -> ``sensor logs``."""
    return str(kind).replace("_", " ")


def rule_label(rule: str) -> str:
    """A plausibility rule as shown (its name with spaces when it has no label)."""
    return RULE_LABELS.get(str(rule), str(rule).replace("_", " "))


@dataclass(frozen=True)
class SetAside:
    """Rows kept out of gold: ``quarantined`` (kind, rows, example) and ``rejected`` (kind,
    rule, rows, example), most rows first, zero-row groups left out; ``delivered`` rows in all."""

    quarantined: pd.DataFrame
    rejected: pd.DataFrame
    delivered: int = 0

    @property
    def quarantined_rows(self) -> int:
        return int(self.quarantined["rows"].sum()) if len(self.quarantined) else 0

    @property
    def rejected_rows(self) -> int:
        return int(self.rejected["rows"].sum()) if len(self.rejected) else 0

    def headline(self) -> str:
        """One line: how many rows the KPIs exclude, or that they exclude none."""
        total = self.quarantined_rows + self.rejected_rows
        if total == 0:
            return "None: every delivered row is in these KPIs."
        of = f" of {self.delivered:,} delivered" if self.delivered else ""
        return (
            f"{_rows(total)}{of} {'is' if total == 1 else 'are'} not in these KPIs: "
            f"{self.quarantined_rows:,} quarantined, "
            f"{self.rejected_rows:,} rejected."
        )

    def lines(self) -> list[str]:
        """The panel as plain text: a heading per group, then one line per kind (and rule)."""
        out = [f"{QUARANTINED}: {_count(self.quarantined_rows)}"]
        for row in self.quarantined.itertuples(index=False):
            out.append(f"  {kind_label(row.kind)}: {row.rows:,}" + _example(row.example))
        out.append(f"{REJECTED}: {_count(self.rejected_rows)}")
        for row in self.rejected.itertuples(index=False):
            out.append(
                f"  {kind_label(row.kind)} · {rule_label(row.rule)}: {row.rows:,}"
                + _example(row.example)
            )
        return out


def _rows(rows: int) -> str:
    return f"{rows:,} row" + ("" if rows == 1 else "s")


def _count(rows: int) -> str:
    return "none" if rows == 0 else _rows(rows)


def _example(example: object) -> str:
    return f" (e.g. {example})" if isinstance(example, str) and example else ""


def set_aside(db_path: str | Path) -> SetAside:
    """What the warehouse at ``db_path`` set aside, from its quality report and rejected rows."""
    from dtwin.warehouse import quality_report, read_quarantine, rejected_counts
    from dtwin.warehouse.loading import connect

    con = connect(db_path, read_only=True)  # one connection for the report and the counts
    try:
        quality = quality_report(con)
        rejected = rejected_counts(con)
    finally:
        con.close()
    per_kind = quality[quality["check"] == "quarantined_rows"]
    delivered = int(quality.loc[quality["check"] == "source_rows", "rows"].sum())
    quarantined = pd.DataFrame(
        {"kind": per_kind["table"].astype(str), "rows": per_kind["rows"].astype("int64")}
    )
    quarantined = quarantined[quarantined["rows"] > 0]
    if len(quarantined):
        examples = read_quarantine(db_path, limit=EXAMPLES_READ).groupby("kind")["reason"].first()
        quarantined = quarantined.assign(example=quarantined["kind"].map(examples).fillna(""))
    else:
        quarantined = quarantined.assign(example=pd.Series(dtype=str))
    quarantined = quarantined.sort_values(["rows", "kind"], ascending=[False, True])
    rejected = rejected[rejected["rows"] > 0]
    return SetAside(quarantined.reset_index(drop=True), rejected.reset_index(drop=True), delivered)


def _rows_html(rows: list[tuple[str, str, int, str]]) -> str:
    td = "<td style='padding:1px 10px 1px 0'>"
    cells = "".join(
        f"<tr>{td}{html.escape(kind)}</td>{td}{html.escape(rule)}</td>"
        f"<td style='padding:1px 10px 1px 0;text-align:right'>{count:,}</td>"
        f"<td style='color:#666'>{'e.g. ' + html.escape(example) if example else ''}</td></tr>"
        for kind, rule, count, example in rows
    )
    style = "border-collapse:collapse;margin:2px 0 4px 12px"
    return f"<table class='dtwin-set-aside-table' style='{style}'>{cells}</table>"


def _group_html(title: str, css: str, total: int, rows: list[tuple[str, str, int, str]]) -> str:
    head = f"<div class='{css}'><b>{html.escape(title)}:</b> {_count(total)}"
    return head + (_rows_html(rows) if rows else "") + "</div>"


def set_aside_html(summary: SetAside) -> str:
    """The panel's HTML: the headline, then quarantined rows per kind and rejected per rule."""
    quarantined = [
        (kind_label(r.kind), "", int(r.rows), str(r.example or ""))
        for r in summary.quarantined.itertuples(index=False)
    ]
    rejected = [
        (kind_label(r.kind), rule_label(r.rule), int(r.rows), str(r.example or ""))
        for r in summary.rejected.itertuples(index=False)
    ]
    return (
        "<div class='dtwin-set-aside' style='padding:6px 10px;border:1px solid #ddd;"
        "border-radius:4px;margin:6px 0'>"
        "<div style='font-weight:600'>Data set aside (not in these KPIs)</div>"
        f"<div class='dtwin-set-aside-headline'>{html.escape(summary.headline())}</div>"
        + _group_html(
            QUARANTINED, "dtwin-set-aside-quarantined", summary.quarantined_rows, quarantined
        )
        + _group_html(REJECTED, "dtwin-set-aside-rejected", summary.rejected_rows, rejected)
        + "</div>"
    )


class SetAsidePanel(w.HTML):
    """The "data set aside" panel of a KPI page; ``update`` it with a ``SetAside``."""

    def __init__(self, summary: SetAside | None = None, **kwargs: object) -> None:
        super().__init__(**kwargs)
        self.summary: SetAside | None = None
        self.add_class("dtwin-set-aside-panel")
        if summary is not None:
            self.update(summary)

    def update(self, summary: SetAside) -> None:
        """Show ``summary``."""
        self.summary = summary
        self.value = set_aside_html(summary)
