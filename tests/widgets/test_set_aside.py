"""The KPI dashboard's "data set aside" panel: quarantined and rejected rows, "none" when zero."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from dtwin.warehouse import generate_raw, ingest, rejected_counts
from widgets.set_aside import SetAside, SetAsidePanel, rule_label, set_aside, set_aside_html

DAY = "2026-01-01"
# One row per way to be set aside, appended to day 1's production batches of a clean plant.
DAMAGED_BATCHES = [
    # end before start: rejected by end_not_after_start
    "B20260101-S01-900,SMELTER-01,Iron Plate,2026-01-01T05:00:00Z,2026-01-01T04:00:00Z,100,Chen",
    # dated 2099: rejected by outside_window
    "B20260101-S01-901,SMELTER-01,Iron Plate,2099-01-01T05:00:00Z,2099-01-01T06:00:00Z,100,Chen",
    # a machine the plant does not have: rejected by unknown_machine
    "B20260101-S01-902,NO-SUCH-9,Iron Plate,2026-01-01T07:00:00Z,2026-01-01T08:00:00Z,10,Chen",
    # a count that is not a number: quarantined by bronze
    "B20260101-S01-903,SMELTER-01,Iron Plate,2026-01-01T07:00:00Z,2026-01-01T08:00:00Z,n/a,Chen",
]


def _warehouse(root: Path, extra_batches: list[str]) -> Path:
    generate_raw(root, days=2, seed=1, malformed_rows=0)  # a clean plant: nothing garbled
    batches = root / "raw" / DAY / "production_batches.csv"
    batches.write_text(batches.read_text() + "".join(f"{line}\n" for line in extra_batches))
    ingest(root, root / "w.duckdb")
    return root / "w.duckdb"


@pytest.fixture(scope="module")
def damaged(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return _warehouse(tmp_path_factory.mktemp("damaged"), DAMAGED_BATCHES)


@pytest.fixture(scope="module")
def clean(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return _warehouse(tmp_path_factory.mktemp("clean"), [])


def test_counts_match_the_warehouse(damaged: Path):
    summary = set_aside(damaged)
    library = rejected_counts(damaged)
    assert summary.rejected_rows == int(library["rows"].sum()) == 3
    assert set(summary.rejected["rule"]) == {
        "end_not_after_start",
        "outside_window",
        "unknown_machine",
    }
    assert summary.quarantined.to_dict("list")["kind"] == ["production_batches"]
    assert summary.quarantined_rows == 1
    assert "units_produced 'n/a'" in summary.quarantined["example"].iloc[0]
    assert summary.delivered > 0


def test_lines_name_kind_rule_and_count(damaged: Path):
    lines = set_aside(damaged).lines()
    assert lines[0] == "Quarantined (could not be read): 1 row"
    assert lines[1].startswith("  production batches: 1 (e.g. units_produced 'n/a'")
    assert lines[2] == "Rejected (implausible): 3 rows"
    rejected = "\n".join(lines[3:])
    for label in ("does not end after it starts", "dated outside the delivery window"):
        assert f"  production batches · {label}: 1 (e.g. " in rejected, rejected
    assert "unknown machine: 1 (e.g. machine_id 'NO-SUCH-9'" in rejected


def test_headline_says_what_the_kpis_exclude(damaged: Path):
    summary = set_aside(damaged)
    assert summary.headline() == (
        f"4 rows of {summary.delivered:,} delivered are not in these KPIs: "
        "1 quarantined, 3 rejected."
    )


def test_clean_warehouse_says_none(clean: Path):
    summary = set_aside(clean)
    assert summary.lines() == [
        "Quarantined (could not be read): none",
        "Rejected (implausible): none",
    ]
    assert summary.headline() == "None: every delivered row is in these KPIs."
    panel = SetAsidePanel(summary)
    assert panel.value.count("</b> none") == 2
    assert "dtwin-set-aside-table" not in panel.value  # no empty tables


def test_panel_shows_both_groups_and_escapes_reasons():
    summary = SetAside(
        quarantined=pd.DataFrame({"kind": ["qc_checks"], "rows": [2], "example": ["bad <b>"]}),
        rejected=pd.DataFrame(
            {"kind": ["sensor_logs"], "rule": ["not_finite"], "rows": [5], "example": ["nan"]}
        ),
        delivered=1000,
    )
    panel = SetAsidePanel()
    assert panel.value == ""
    panel.update(summary)
    assert panel.summary is summary
    text = panel.value
    assert "Data set aside (not in these KPIs)" in text
    assert "<b>Quarantined (could not be read):</b> 2 rows" in text
    assert "<b>Rejected (implausible):</b> 5 rows" in text
    assert "qc checks" in text and "sensor logs" in text and "value not a finite number" in text
    assert "bad &lt;b&gt;" in text and "bad <b>" not in text
    assert "7 rows of 1,000 delivered are not in these KPIs" in text
    assert set_aside_html(summary) == text


@pytest.mark.parametrize(
    ("rule", "label"),
    [
        ("outside_window", "dated outside the delivery window"),
        ("above_capacity", "above the machine's capacity"),
        ("some_new_rule", "some new rule"),  # a rule added to the library later still reads
    ],
    ids=["known", "known-capacity", "unknown-rule"],
)
def test_rule_labels(rule: str, label: str):
    assert rule_label(rule) == label
