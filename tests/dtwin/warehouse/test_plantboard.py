"""The plant board: what the dashboard reads from a warehouse and how it cuts it by day."""

from __future__ import annotations

import math
from datetime import date, timedelta
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd
import pytest

from dtwin.errors import WarehouseError
from dtwin.warehouse import (
    PLANT_QUALITY_CHECKS,
    PlantBoard,
    degradation_flags,
    flows_on,
    load_plant_board,
    machine_status,
    quality_on,
)
from dtwin.warehouse.plantboard import DEFECT_NODE, GOOD_NODE, RAW_NODE, SENSORS

from .conftest import DAYS

START = date(2026, 1, 1)


@pytest.fixture(scope="module")
def board(warehouse) -> PlantBoard:  # noqa: ANN001
    return load_plant_board(warehouse.db)


def _daily(efficiency: dict[str, list[float]], energy: float = 2.0) -> pd.DataFrame:
    """A small gold.kpi_machine_daily: one row per machine and day from ``START``."""
    rows = [
        {
            "date": pd.Timestamp(START + timedelta(days=i)),
            "machine_id": machine,
            "units": 100.0 + i,
            "oee": 0.8,
            "defect_rate": 0.01,
            "avg_efficiency": eff,
            "energy_per_unit": energy,
        }
        for machine, values in efficiency.items()
        for i, eff in enumerate(values)
    ]
    return pd.DataFrame(rows)


def test_board_covers_every_day_and_machine(board: PlantBoard) -> None:
    assert board.days == [START + timedelta(days=i) for i in range(DAYS)]
    assert board.machines == ["ASSEMBLER-01", "SMELTER-01", "SMELTER-02"]
    assert set(board.sensors.columns) == {"date", "machine_id", *SENSORS}
    assert len(board.sensors) == DAYS * 3
    assert board.sensors["efficiency"].between(0, 1).all()
    assert set(board.quality["check"]) <= set(PLANT_QUALITY_CHECKS)


def test_flows_conserve_units_each_day(board: PlantBoard) -> None:
    for day in (board.days[0], board.days[-1]):
        links = flows_on(board, day)
        started = links.loc[links["source"] == RAW_NODE, "units"].sum()
        made = links.loc[links["source"].isin(board.machines), "units"].sum()
        finished = links.loc[links["target"].isin([GOOD_NODE, DEFECT_NODE]), "units"].sum()
        assert started > 0 and started == made == finished
        # what raw material feeds each machine is what the gold KPIs say it made that day
        kpis = board.daily[board.daily["date"] == pd.Timestamp(day)].set_index("machine_id")
        fed = links[links["source"] == RAW_NODE].set_index("target")["units"]
        pd.testing.assert_series_equal(
            fed.sort_index(), kpis["units"].astype(float).sort_index(), check_names=False
        )


def test_status_of_last_day_flags_only_the_wearing_smelter(board: PlantBoard) -> None:
    status = machine_status(board, board.days[-1])
    assert list(status.index) == board.machines
    assert status["flagged"].to_dict() == {
        "ASSEMBLER-01": False,
        "SMELTER-01": False,
        "SMELTER-02": True,
    }
    assert "efficiency" in status.loc["SMELTER-02", "reason"]
    assert "per 30 days" in status.loc["SMELTER-02", "reason"]
    assert status.loc["SMELTER-01", "reason"] == ""
    kpis = board.daily[board.daily["date"] == pd.Timestamp(board.days[-1])]
    assert (
        status["units"].to_dict() == kpis.set_index("machine_id")["units"].astype(float).to_dict()
    )


def test_status_of_first_day_has_too_few_days(board: PlantBoard) -> None:
    status = machine_status(board, board.days[0])
    assert not status["flagged"].any()
    assert set(status["reason"]) == {"too few days"}
    sensors = board.sensors[board.sensors["date"] == pd.Timestamp(board.days[0])]
    expected = sensors.set_index("machine_id")["temperature_c"].to_dict()
    assert status["temperature_c"].to_dict() == pytest.approx(expected)


def test_flags_do_not_see_the_future(board: PlantBoard) -> None:
    day = board.days[10]
    past = board.daily[board.daily["date"] <= pd.Timestamp(day)]
    pd.testing.assert_frame_equal(degradation_flags(board.daily, day), degradation_flags(past, day))
    assert (degradation_flags(board.daily, day)["days"] == 11).all()


def test_quality_on_a_day_leaves_out_clean_checks(board: PlantBoard) -> None:
    day = board.days[1]
    findings = quality_on(board, day)
    assert list(findings.columns) == ["check", "rule", "rows"]
    assert (findings["rows"] > 0).all()
    everything = board.quality[board.quality["date"] == pd.Timestamp(day)]
    assert findings["rows"].sum() == everything["rows"].sum()


def test_a_day_outside_the_data_is_empty(board: PlantBoard) -> None:
    before = board.days[0] - timedelta(days=1)
    assert flows_on(board, before).empty
    assert list(flows_on(board, before).columns) == ["source", "target", "units"]
    assert quality_on(board, before).empty
    status = machine_status(board, before)
    assert list(status.index) == board.machines
    assert status["units"].isna().all() and status["efficiency"].isna().all()
    assert set(status["reason"]) == {"no data"} and not status["flagged"].any()
    assert degradation_flags(board.daily, before).empty


@pytest.mark.parametrize(
    ("efficiency", "energy", "flagged", "reason"),
    [
        (np.linspace(0.95, 0.70, 10).tolist(), 2.0, True, "efficiency"),
        ([0.9] * 10, None, True, "energy per unit"),
        ([0.9] * 10, 2.0, False, ""),
        (np.linspace(0.95, 0.70, 6).tolist(), 2.0, False, "too few days"),
        ([0.9], 2.0, False, "too few days"),
    ],
    ids=["falling-efficiency", "rising-energy", "steady", "six-days", "one-day"],
)
def test_degradation_flags_table(
    efficiency: list[float], energy: float | None, flagged: bool, reason: str
) -> None:
    daily = _daily({"M1": efficiency})
    if energy is None:  # energy per unit rising by half over the period
        daily["energy_per_unit"] = np.linspace(2.0, 3.0, len(daily))
    flags = degradation_flags(daily, START + timedelta(days=len(efficiency) - 1))
    row = flags.loc["M1"]
    assert row["days"] == len(efficiency)
    assert bool(row["flagged"]) is flagged
    assert row["reason"].startswith(reason) if reason else row["reason"] == ""


def test_one_day_trend_is_unknown_not_zero() -> None:
    flags = degradation_flags(_daily({"M1": [0.9]}), START)
    assert math.isnan(flags.loc["M1", "efficiency_trend"])


def test_falling_efficiency_reason_names_the_trend() -> None:
    flags = degradation_flags(
        _daily({"M1": np.linspace(0.95, 0.70, 10).tolist()}), START + timedelta(days=9)
    )
    trend = flags.loc["M1", "efficiency_trend"]
    assert trend < -0.05
    assert flags.loc["M1", "reason"] == f"efficiency {trend:+.0%} per 30 days"


def test_a_machine_missing_on_a_day_shows_no_numbers() -> None:
    daily = _daily({"A": [0.9, 0.9], "B": [0.9]})
    sensors = pd.DataFrame(
        {"date": daily["date"], "machine_id": daily["machine_id"], **{s: 1.0 for s in SENSORS}}
    )
    empty = pd.DataFrame(columns=["date", "source", "target", "units"])
    board = PlantBoard(
        daily, sensors, empty, pd.DataFrame(columns=["date", "check", "rule", "rows"])
    )
    status = machine_status(board, START + timedelta(days=1))
    assert status.loc["A", "units"] == 101.0 and status.loc["A", "pressure_bar"] == 1.0
    assert math.isnan(status.loc["B", "units"]) and math.isnan(status.loc["B", "pressure_bar"])


def test_missing_database_is_refused(tmp_path: Path) -> None:
    with pytest.raises(WarehouseError, match="no such warehouse"):
        load_plant_board(tmp_path / "nothing.duckdb")


def test_database_without_gold_layer_is_refused(tmp_path: Path) -> None:
    db = tmp_path / "empty.duckdb"
    duckdb.connect(str(db)).close()
    with pytest.raises(WarehouseError, match="no gold layer"):
        load_plant_board(db)
