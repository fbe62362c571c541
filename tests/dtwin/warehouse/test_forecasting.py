"""Statistical forecasts of gold's daily KPIs: models, conformal intervals, backtests, loader."""

from __future__ import annotations

import json

import duckdb
import numpy as np
import pandas as pd
import pytest

from dtwin.errors import ConfigError, DataError
from dtwin.warehouse.forecasting import (
    METRICS,
    MODELS,
    backtest,
    daily_series,
    forecast_metric,
    forecast_series,
    machine_ids,
)
from dtwin.warehouse.forecasting.conformal import conformal_offsets, min_calibration
from dtwin.warehouse.forecasting.models import seasonal_naive
from dtwin.warehouse.forecasting.rolling import mase_scale
from dtwin.warehouse.kpis import kpi_daily

SMOOTHING = ["seasonal_naive", "seasonal_ses", "holt_winters"]


def weekly(days: int, seed: int, noise: float = 3.0, level: float = 100.0) -> np.ndarray:
    """A stationary weekly pattern (a weekday curve and a Saturday bump) plus Gaussian noise."""
    t = np.arange(days)
    rng = np.random.default_rng(seed)
    return level + 10 * np.sin(2 * np.pi * t / 7) + 5 * (t % 7 == 5) + rng.normal(0, noise, days)


def daily(values: np.ndarray, name: str = "output", start: str = "2026-01-01") -> pd.Series:
    return pd.Series(values, index=pd.date_range(start, periods=len(values)), name=name)


@pytest.fixture(scope="module")
def seasonal_report():
    """A 150-day weekly series backtested with H = 7 after four weeks of training."""
    return backtest(daily(weekly(150, seed=0)), 7, min_train=28)


# --- conformal intervals and the MASE scale -------------------------------------------------


def test_conformal_order_statistics() -> None:
    residuals = np.arange(1.0, 40.0)  # 39 residuals: (n + 1) * 0.05 = 2 exactly
    lo, hi, ok = conformal_offsets(residuals, 0.9)
    assert (lo, hi, ok) == (2.0, 38.0, True)
    assert min_calibration(0.9) == 19 and min_calibration(0.8) == 9
    assert conformal_offsets(residuals[:18], 0.9) == (1.0, 18.0, False)  # too few: min/max
    assert conformal_offsets(residuals[:19], 0.9)[2] is True


def test_in_sample_seasonal_naive_has_mase_one_by_definition() -> None:
    y = weekly(60, seed=4)
    one_step_errors = np.abs(y[7:] - y[:-7])  # the in-sample seasonal naive forecast
    assert np.mean(one_step_errors / mase_scale(y, 7)) == pytest.approx(1.0, abs=1e-12)
    assert np.isnan(mase_scale(np.full(30, 2.0), 7))  # a constant series has no scale


def test_out_of_sample_seasonal_naive_mase_is_about_one() -> None:
    mases = [
        backtest(daily(weekly(150, seed)), 7, models=["seasonal_naive"], min_train=28).summary.loc[
            "seasonal_naive", "mase"
        ]
        for seed in range(4)
    ]
    assert 0.9 < np.mean(mases) < 1.15, mases


def test_seasonal_naive_falls_back_to_naive_below_two_seasons() -> None:
    fit = seasonal_naive(np.arange(10.0), 3)
    assert list(fit.forecast) == [9.0, 9.0, 9.0] and fit.params == {"fallback_naive": 1.0}
    assert list(seasonal_naive(np.arange(14.0), 8).forecast) == [7, 8, 9, 10, 11, 12, 13, 7]


# --- the backtest ---------------------------------------------------------------------------


def test_chosen_model_beats_seasonal_naive_on_a_seasonal_series(seasonal_report) -> None:
    summary = seasonal_report.summary
    assert list(summary.index) == [*MODELS, "auto"]
    assert seasonal_report.chosen in ("seasonal_ses", "holt_winters")
    assert summary.loc[seasonal_report.chosen, "mase"] < 1.0
    assert summary.loc["auto", "mase"] < 1.0  # the selection rule, scored out of sample
    assert summary.loc["naive", "mase"] > 2.0  # the weekly swing defeats the last value


def test_interval_coverage_on_held_out_origins(seasonal_report) -> None:
    summary = seasonal_report.summary
    for model in ("auto", "seasonal_naive", seasonal_report.chosen):
        assert 0.8 <= summary.loc[model, "coverage"] <= 0.98, model
    # every scored interval was calibrated on at least 19 earlier errors
    assert summary.loc["auto", "intervals"] < summary.loc["auto", "forecasts"]


def test_intervals_widen_with_the_horizon_on_a_random_walk() -> None:
    walk = 50 + np.cumsum(np.random.default_rng(2).normal(0, 1, 120))
    series = daily(walk, name="walk")
    report = backtest(series, 7, models=["naive"])
    width = report.by_horizon.loc["naive", "mean_width"]
    assert width.loc[7] > 1.8 * width.loc[1]
    result = forecast_series(series, 7, models=["naive"])
    spread = (result.frame["hi"] - result.frame["lo"]).to_numpy()
    assert spread[-1] > 1.8 * spread[0]


def test_calibration_uses_only_errors_known_at_the_origin() -> None:
    """Changing days after an origin changes nothing forecast or calibrated at that origin."""
    y = weekly(110, seed=5)
    cut = 70
    changed = y.copy()
    changed[cut:] = changed[cut:] * 3 + 40  # a different future
    first = backtest(daily(y), 5, models=SMOOTHING).forecasts
    second = backtest(daily(changed), 5, models=SMOOTHING).forecasts
    seen = first["origin"] < pd.Timestamp("2026-01-01") + pd.Timedelta(days=cut)
    assert seen.sum() > 1000
    columns = ["model", "member", "origin", "horizon", "forecast", "lo", "hi", "calibrated"]
    pd.testing.assert_frame_equal(first.loc[seen, columns], second.loc[seen, columns])
    assert not first.loc[~seen, "hi"].equals(second.loc[~seen, "hi"])


def test_an_interval_is_built_from_earlier_origins_only(seasonal_report) -> None:
    rows = seasonal_report.forecasts
    rows = rows[rows["model"] == "seasonal_naive"]
    row = rows[(rows["origin"] == pd.Timestamp("2026-03-31")) & (rows["horizon"] == 4)].iloc[0]
    earlier = rows[(rows["horizon"] == 4) & (rows["date"] <= row["origin"])]
    lo, hi, ok = conformal_offsets((earlier["actual"] - earlier["forecast"]).to_numpy(), 0.9)
    assert ok and row["calibrated"]
    assert row["lo"] == pytest.approx(row["forecast"] + lo)
    assert row["hi"] == pytest.approx(row["forecast"] + hi)


# --- forecasts ------------------------------------------------------------------------------


def test_forecast_frame_and_json() -> None:
    series = daily(weekly(100, seed=1))
    result = forecast_series(series, 7, coverage=0.8)
    frame = result.frame
    assert list(frame.columns) == ["date", "horizon", "mean", "lo", "hi", "calibrated"]
    assert frame["date"].iloc[0] == pd.Timestamp("2026-04-11") and len(frame) == 7
    assert (frame["lo"] <= frame["mean"]).all() and (frame["mean"] <= frame["hi"]).all()
    assert frame["calibrated"].all()
    data = json.loads(json.dumps(result.to_dict(), allow_nan=False))
    assert data["model"] == result.model and data["coverage"] == 0.8
    assert data["metric"] == "output" and data["backtest"]["chosen"] == result.model
    assert set(data["backtest"]["models"]) == {*MODELS, "auto"}


def test_forecasts_are_deterministic() -> None:
    series = daily(weekly(80, seed=3))
    first = forecast_series(series, 5).to_dict()
    assert forecast_series(series, 5).to_dict() == first


@pytest.mark.parametrize(
    "name,level,noise",
    [
        pytest.param("defect_rate", 0.01, 0.01, id="rate-near-zero"),
        pytest.param("defect_rate", 0.99, 0.01, id="rate-near-one"),
        pytest.param("output", 3.0, 4.0, id="count-near-zero"),
        pytest.param("energy_kwh", 2.0, 3.0, id="energy-near-zero"),
    ],
)
def test_forecasts_stay_inside_the_metric_range(name: str, level: float, noise: float) -> None:
    lower, upper = METRICS[name].lower, METRICS[name].upper or np.inf
    values = np.clip(level + np.random.default_rng(0).normal(0, noise, 60), lower, upper)
    result = forecast_series(daily(values, name=name), 7)
    for frame, columns in (
        (result.frame, ["mean", "lo", "hi"]),
        (result.backtest.forecasts, ["forecast", "lo", "hi"]),
    ):
        values = frame[columns].to_numpy()
        assert np.nanmin(values) >= lower and np.nanmax(values) <= upper


def test_gaps_are_interpolated_and_ragged_ends_dropped() -> None:
    values = weekly(60, seed=6)
    values[[0, 30, 31, 59]] = np.nan
    result = forecast_series(daily(values), 3)
    assert result.imputed_days == 2
    assert result.history_first == pd.Timestamp("2026-01-02")
    assert result.frame["date"].iloc[0] == pd.Timestamp("2026-03-01")  # day 59 dropped


def test_a_constant_series_gets_a_flat_forecast() -> None:
    result = forecast_series(daily(np.full(40, 5.0)), 4)
    assert np.allclose(result.frame[["mean", "lo", "hi"]].to_numpy(), 5.0)
    assert np.isnan(result.backtest.summary["mase"]).all()


# --- bad input ------------------------------------------------------------------------------

LONG = daily(weekly(40, seed=0))


@pytest.mark.parametrize(
    "series,kwargs,error,match",
    [
        pytest.param(daily(weekly(20, 0)), {}, DataError, "20 days.*needs at least", id="short"),
        pytest.param(daily(np.full(40, np.nan)), {}, DataError, "no finite value", id="all-nan"),
        pytest.param(LONG, {"horizon_days": -3}, ConfigError, "horizon_days: -3", id="neg-h"),
        pytest.param(LONG, {"horizon_days": 0}, ConfigError, "horizon_days: 0", id="zero-h"),
        pytest.param(LONG, {"horizon_days": 2.5}, ConfigError, "2.5", id="float-h"),
        pytest.param(LONG, {"coverage": 1.5}, ConfigError, "coverage: 1.5", id="coverage"),
        pytest.param(LONG, {"models": ["arima"]}, ConfigError, "arima", id="unknown-model"),
        pytest.param(LONG, {"min_train": 5}, ConfigError, "min_train: 5", id="min-train"),
        pytest.param(LONG, {"step": 0}, ConfigError, "step: 0", id="step"),
        pytest.param(LONG.replace(LONG.iloc[3], np.inf), {}, DataError, "infinite", id="infinite"),
        pytest.param(
            pd.concat([LONG, LONG.iloc[:1]]), {}, DataError, "2026-01-01 appears twice", id="dup"
        ),
        pytest.param([1.0, 2.0], {}, DataError, "pandas Series", id="not-a-series"),
        pytest.param(
            pd.Series(weekly(40, 0)), {}, DataError, "index must be dates", id="int-index"
        ),
    ],
)
def test_bad_input_names_the_value(series, kwargs, error, match) -> None:
    options = {"horizon_days": 7, **kwargs}
    with pytest.raises(error, match=match):
        forecast_series(series, **options)


# --- the gold loader ------------------------------------------------------------------------


def test_daily_series_matches_gold(warehouse) -> None:
    kpis = kpi_daily(warehouse.db)
    machine = "SMELTER-02"
    rows = kpis[kpis["machine_id"] == machine].set_index("date")
    units = daily_series(warehouse.db, "output", machine)
    assert len(units) == 24 and units.index.freqstr == "D"
    assert units.attrs == {"metric": "output", "machine": machine, "unit": "units/day"}
    np.testing.assert_allclose(units.to_numpy(), rows["units"].to_numpy())
    good = daily_series(warehouse.db, "good_output", machine).to_numpy()
    np.testing.assert_allclose(good, (rows["units"] - rows["defective"]).to_numpy())
    rate = daily_series(warehouse.db, "defect_rate", machine)
    np.testing.assert_allclose(rate.to_numpy(), rows["defect_rate"].to_numpy())
    plant = daily_series(warehouse.db, "energy_kwh")
    assert plant.attrs["machine"] == "plant"
    np.testing.assert_allclose(plant.to_numpy(), kpis.groupby("date")["energy_kwh"].sum())
    assert set(machine_ids(warehouse.db)) == set(kpis["machine_id"]) - {"UNKNOWN"}


def test_daily_series_reads_an_open_connection(warehouse) -> None:
    con = duckdb.connect(str(warehouse.db), read_only=True)
    try:
        series = daily_series(con, "output")
        assert con.execute("SELECT 1").fetchone() == (1,)  # left open
    finally:
        con.close()
    assert len(series) == 24 and (series > 0).all()


def test_forecast_metric_on_the_warehouse(warehouse) -> None:
    result = forecast_metric(warehouse.db, "defect_rate", "SMELTER-01", horizon_days=3)
    data = result.to_dict()
    assert data["unit"] == "fraction" and data["machine"] == "SMELTER-01"
    assert len(data["forecast"]) == 3
    assert all(0 <= row["lo"] <= row["mean"] <= row["hi"] <= 1 for row in data["forecast"])


@pytest.mark.parametrize(
    "metric,machine,error,match",
    [
        pytest.param("yield", None, ConfigError, "metric: 'yield'.*output", id="metric"),
        pytest.param("output", "PRESS-09", DataError, "'PRESS-09'.*SMELTER-01", id="machine"),
    ],
)
def test_loader_rejects_unknown_names(warehouse, metric, machine, error, match) -> None:
    with pytest.raises(error, match=match):
        daily_series(warehouse.db, metric, machine)


def test_loader_needs_a_gold_layer(tmp_path) -> None:
    db = tmp_path / "empty.duckdb"
    duckdb.connect(str(db)).close()
    with pytest.raises(DataError, match="no gold KPI views"):
        daily_series(db, "output")


# -- dtwin data forecast ------------------------------------------------------------------------


def _cli(*args):
    from click.testing import CliRunner

    from dtwin.cli import main

    return CliRunner().invoke(main, ["data", "forecast", *map(str, args)])


def test_the_forecast_command_prints_json_and_text(warehouse):
    import json

    result = _cli("--db", warehouse.db, "--metric", "energy_kwh", "--machine", "SMELTER-02",
                  "--horizon-days", 3, "--json")  # fmt: skip
    assert result.exit_code == 0, result.output
    report = json.loads(result.output)
    assert report["metric"] == "energy_kwh" and report["machine"] == "SMELTER-02"
    assert [row["horizon"] for row in report["forecast"]] == [1, 2, 3]
    assert all(row["lo"] <= row["mean"] <= row["hi"] for row in report["forecast"])
    text = _cli("--db", warehouse.db, "--metric", "defect_rate", "--horizon-days", 2)
    assert text.exit_code == 0, text.output
    assert "plant defect_rate" in text.output and "backtest MASE" in text.output


@pytest.mark.parametrize(
    ("args", "needle"),
    [
        (("--metric", "output", "--machine", "NOPE-9"), "NOPE-9"),
        (("--metric", "output", "--horizon-days", 0), "--horizon-days"),
        (("--metric", "output", "--coverage", 1.5), "--coverage"),
        (("--metric", "speed"), "--metric"),
    ],
)
def test_bad_forecast_options_are_one_error_line(warehouse, args, needle):
    from tests.cli_checks import assert_one_error_line

    assert_one_error_line(_cli("--db", warehouse.db, *args), needle)


def test_a_missing_database_is_one_error_line(tmp_path):
    from tests.cli_checks import assert_one_error_line

    assert_one_error_line(_cli("--db", tmp_path / "no.duckdb", "--metric", "output"), "no.duckdb")
