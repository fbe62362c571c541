"""Discovery and calibration from an MES event log: the done-when check, the pieces, the CLI.

The done-when check: the invented plant (``INVENTED_PLANT``, not a shipped file) runs 14 days
as "the real plant"; calibrated on its first 10 days, the routings and machine counts are
recovered exactly, the mean process times within 10% and the MTBF within 35%, and the
calibrated YAML runs with ``dtwin simulate``.
"""

from __future__ import annotations

import json
import math

import numpy as np
import pandas as pd
import pytest
import yaml
from click.testing import CliRunner

from dtwin.cli import main
from dtwin.sim import load_factory, mes_log, parse_factory, simulate, write_mes_log
from dtwin.twin.calibration import calibrate, write_factory
from dtwin.twin.discovery import discover, station_order
from dtwin.twin.fitting import fit_distribution
from dtwin.twin.meslog import read_mes_log
from tests.dtwin.twin.conftest import INVENTED_PLANT

DAY = 1440.0


@pytest.fixture(scope="module")
def real_plant(tmp_path_factory):
    """14 days of the invented plant (seed 7) as a CSV log, and its calibration on 10 days."""
    path = tmp_path_factory.mktemp("real") / "plant.csv"
    write_mes_log(mes_log(INVENTED_PLANT, days=14.0, seed=7), path)
    return path, calibrate(path, until=10 * DAY)


def test_done_when_the_plant_is_recovered_from_its_log(real_plant, tmp_path):
    _, result = real_plant
    truth = parse_factory(INVENTED_PLANT)
    found = result.report
    for prod in truth.products:
        assert found["products"][prod.name]["routing"] == prod.routing
    for st in truth.stations:
        info = found["stations"][st.name]
        assert info["machines"] == st.machines, st.name
        mean = info["process_time"]["mean"]
        assert abs(mean / st.process_time.mean_value - 1) <= 0.10, (st.name, mean)
        if st.failure is not None:
            mtbf = info["failure"]["mtbf_min"]
            assert abs(mtbf / st.failure.ttf.mean_value - 1) <= 0.35, (st.name, mtbf)
        else:
            assert "failure" not in info
    out = write_factory(result.factory, tmp_path / "calibrated.yaml")
    day = simulate(load_factory(out), days=1, seed=1)
    assert day.kpis["throughput_per_hour"] > 0


def test_until_cuts_the_log(real_plant):
    _, result = real_plant
    assert result.report["until"] == result.report["horizon_min"] == 10 * DAY
    parts = result.report["stations"]["cut"]["scrap"]["ended"]
    assert 0.6 * 10 * DAY * (1 / 8 + 1 / 10) < parts < 10 * DAY * (1 / 8 + 1 / 10) * 1.4


def test_the_chosen_families_and_the_report_fields(real_plant):
    _, result = real_plant
    stations = result.report["stations"]
    chosen = {name: info["process_time"]["chosen"] for name, info in stations.items()}
    assert chosen == {"cut": "lognormal", "weld": "triangular", "mill": "weibull",
                      "inspect": "uniform"}  # fmt: skip
    pt = stations["mill"]["process_time"]
    assert pt["ci95"][0] < pt["mean"] < pt["ci95"][1]
    assert pt["distribution"]["dist"] == "weibull" and 0 <= pt["ks_p"] <= 1
    aics = [c["aic"] for c in pt["candidates"]]
    assert aics == sorted(aics) and pt["aic"] == aics[0]
    fail = stations["mill"]["failure"]
    assert fail["mtbf_ci95"][0] < fail["mtbf_min"] < fail["mtbf_ci95"][1]
    assert abs(fail["mttr_min"] / 20.0 - 1) < 0.25
    assert set(fail["per_machine"]) == {"mill-1", "mill-2"}
    assert stations["inspect"]["kind"] == "inspection" and stations["inspect"]["scrap"]["rate"] > 0
    arrival = result.report["products"]["bracket"]["arrival_mean_min"]
    assert abs(arrival / 8.0 - 1) < 0.1


def test_the_calibrated_factory_places_scrap_one_step_before_the_inspection(real_plant):
    _, result = real_plant
    stations = {st["name"]: st for st in result.factory["stations"]}
    assert stations["inspect"]["kind"] == "inspection"
    assert stations["inspect"]["detection_rate"] == 1.0
    rate = result.report["stations"]["inspect"]["scrap"]["rate"]
    assert stations["mill"]["defect_rate"] == pytest.approx(rate, rel=1e-5)
    assert stations["mill"]["failure"]["ttf"]["dist"] == "exponential"
    assert [st["name"] for st in result.factory["stations"]] == ["cut", "weld", "mill", "inspect"]


def test_cli_json_and_yaml(real_plant, tmp_path):
    path, _ = real_plant
    out = tmp_path / "calibrated.yaml"
    args = ["twin", "calibrate", str(path), "--until", str(10 * DAY), "--out", str(out)]
    result = CliRunner().invoke(main, [*args, "--json"])
    assert result.exit_code == 0, result.output
    report = json.loads(result.output)
    mill = report["stations"]["mill"]
    assert mill["machines"] == 2 and mill["process_time"]["mean"] > 0
    assert {"distribution", "ci95", "aic", "ks_p", "candidates"} <= set(mill["process_time"])
    assert mill["failure"]["mtbf_min"] > 0 and mill["failure"]["mttr_min"] > 0
    assert report["products"]["housing"]["routing"] == ["cut", "weld", "mill", "inspect"]
    assert report["products"]["housing"]["arrival_mean_min"] > 0
    assert report["out"] == str(out) and report["fitted"] == ["everything"]
    again = CliRunner().invoke(main, ["simulate", str(out), "--days", "0.2", "--replications", "1"])
    assert again.exit_code == 0, again.output
    text = CliRunner().invoke(main, [*args[:-2], "--out", str(tmp_path / "b.yaml")])
    assert text.exit_code == 0 and "mill" in text.output and "MTBF" in text.output


# -- the pieces, on logs written by hand ---------------------------------------------------


def _log(rows):
    cols = ["time_min", "event", "part", "product", "station", "machine"]
    frame = pd.DataFrame([dict(zip(cols, r, strict=True)) for r in rows], columns=cols)
    frame["time_min"] = frame["time_min"].astype(float)
    for c in cols[1:]:
        frame[c] = frame[c].astype("string")
    return frame


def test_downtime_inside_an_operation_is_not_process_time():
    """start 0, failure 2..12, finish 15: 5 minutes of work, 2 + 3 busy before and after."""
    log = _log([
        (0, "release", "1", "p", "a", None), (0, "start", "1", "p", "a", "a-1"),
        (2, "failure", None, None, "a", "a-1"), (12, "repaired", None, None, "a", "a-1"),
        (15, "exit", "1", "p", "a", "a-1"), (20, "release", "2", "p", "a", None),
        (20, "start", "2", "p", "a", "a-1"), (25, "exit", "2", "p", "a", "a-1"),
    ])  # fmt: skip
    found = discover(log)
    a = found.stations["a"]
    assert a["process_time"]["distribution"] == {"dist": "fixed", "value": 5.0}
    assert a["failure"]["failures"] == 1
    assert a["failure"]["operating_min"] == 10.0  # busy minutes, not the 25 of the wall clock
    assert a["failure"]["mtbf_min"] == 10.0 and a["failure"]["mttr_min"] == 10.0
    assert found.products["p"]["arrival_mean_min"] == 20.0


def test_routing_is_the_most_common_sequence_with_its_share():
    rows = []
    for k, route in enumerate([["a", "b"], ["a", "b"], ["a", "c", "b"], ["a", "b"]]):
        t = 10.0 * k
        rows.append((t, "release", str(k), "p", route[0], None))
        for step, st in enumerate(route):
            last = step == len(route) - 1
            end = "exit" if last else "finish"
            rows += [(t + step, "start", str(k), "p", st, f"{st}-1"),
                     (t + step + 0.5, end, str(k), "p", st, f"{st}-1")]  # fmt: skip
    found = discover(_log(rows))
    assert found.products["p"]["routing"] == ["a", "b"]
    assert found.products["p"]["routing_share"] == 0.75
    assert list(found.stations) == ["a", "b", "c"]


def test_station_order_follows_the_routings_not_the_products():
    routes = {"x": {"routing": ["cut", "mill", "inspect"]},
              "y": {"routing": ["cut", "weld", "mill", "inspect"]}}  # fmt: skip
    assert station_order(routes, _log([])) == ["cut", "weld", "mill", "inspect"]
    loop = {"x": {"routing": ["a", "b", "a", "c"]}}
    assert station_order(loop, _log([])) == ["a", "b", "c"]


@pytest.mark.parametrize(
    "draw,family",
    [
        (lambda g: g.lognormal(1.0, 0.4, 3000), "lognormal"),
        (lambda g: 4.0 * g.weibull(3.0, 3000), "weibull"),
        (lambda g: g.triangular(1.0, 1.5, 4.0, 3000), "triangular"),
        (lambda g: g.exponential(2.0, 3000), "exponential"),
        (lambda g: g.uniform(2.0, 3.0, 3000), "uniform"),
    ],
    ids=["lognormal", "weibull", "triangular", "exponential", "uniform"],
)
def test_fit_distribution_finds_the_family(draw, family):
    x = draw(np.random.default_rng(11))
    fit = fit_distribution(x)
    assert fit["chosen"] == family
    assert fit["distribution"]["dist"] == family
    assert fit["ci95"][0] < np.mean(x) < fit["ci95"][1]
    parse_factory({"products": [{"name": "p", "routing": ["s"], "arrival": 1}],
                   "stations": [{"name": "s", "process_time": fit["distribution"]}]})  # fmt: skip


def test_gamma_is_ranked_but_never_chosen():
    fit = fit_distribution(np.random.default_rng(2).gamma(2.0, 1.5, 4000))
    names = [c["name"] for c in fit["candidates"]]
    assert "gamma" in names and fit["chosen"] != "gamma"
    gamma = next(c for c in fit["candidates"] if c["name"] == "gamma")
    assert gamma["writable"] is False and gamma["distribution"] is None
    if names[0] == "gamma":
        assert "gamma fits better" in fit["note"]


def test_equal_samples_are_fixed():
    fit = fit_distribution([3.0, 3.0, 3.0])
    assert fit["distribution"] == {"dist": "fixed", "value": 3.0}
    assert fit["candidates"] == [] and fit["aic"] is None
    clock = np.array([1234.5678 + 5.0, 98765.4321 + 5.0]) - np.array([1234.5678, 98765.4321])
    assert fit_distribution(clock)["chosen"] == "fixed"  # equal but for their last bits


# -- with a skeleton -----------------------------------------------------------------------


def test_a_skeleton_keeps_stations_machines_and_routings(plant_log, tmp_path):
    skeleton = {
        "name": "our plant",
        "products": [{"name": "bracket", "routing": ["cut", "mill", "inspect"], "arrival": 99,
                      "process_times": {"cut": 9}},
                     {"name": "housing", "routing": ["cut", "weld", "mill", "inspect"],
                      "arrival": 99}],
        "stations": [{"name": "cut", "process_time": 1, "buffer": 30},
                     {"name": "weld", "process_time": 1, "failure": {"ttf": 100, "repair": 5}},
                     {"name": "mill", "machines": 3, "process_time": 1},
                     {"name": "inspect", "process_time": 1},
                     {"name": "pack", "process_time": 0.5}],
    }  # fmt: skip
    path = tmp_path / "skeleton.yaml"
    path.write_text(yaml.safe_dump(skeleton), encoding="utf-8")
    result = calibrate(plant_log, skeleton=load_factory(path), skeleton_source=str(path))
    stations = {st["name"]: st for st in result.factory["stations"]}
    assert list(stations) == ["cut", "weld", "mill", "inspect", "pack"]
    assert stations["mill"]["machines"] == 3 and stations["cut"]["buffer"] == 30
    assert stations["pack"]["process_time"] == {"dist": "fixed", "value": 0.5}
    assert stations["cut"]["process_time"]["dist"] == "lognormal"
    assert "failure" not in stations["weld"] and "failure" in stations["mill"]
    prods = {p["name"]: p for p in result.factory["products"]}
    assert "process_times" not in prods["bracket"]
    assert math.isclose(prods["bracket"]["arrival"]["mean"], 8, rel_tol=0.3)
    report = result.report
    assert report["factory"] == str(path)
    assert (
        "stations.mill.machines" in report["kept"] and "products.housing.routing" in report["kept"]
    )
    assert "stations.pack (not in the log)" in report["kept"]
    assert "stations.cut.process_time" in report["fitted"]
    assert "stations.weld.failure (removed: not in the log)" in report["fitted"]
    assert "products.bracket.arrival" in report["fitted"]
    simulate(parse_factory(result.factory), days=0.2, seed=0)


def test_read_back_and_calibrate_agree(plant_log):
    """A frame and its file give the same calibration."""
    by_path = calibrate(plant_log)
    by_frame = calibrate(read_mes_log(plant_log), source=str(plant_log))
    assert by_path.factory == by_frame.factory


# -- a product with its own process time at a shared station ---------------------------------

TWO_SPEEDS = {
    "name": "two speeds",
    "products": [
        {"name": "p", "routing": ["a", "b"], "arrival": {"dist": "exponential", "mean": 6.0}},
        {"name": "q", "routing": ["a", "b"], "arrival": {"dist": "exponential", "mean": 6.0},
         "process_times": {"b": {"dist": "uniform", "low": 3.0, "high": 4.0}}},
    ],
    "stations": [
        {"name": "a", "process_time": {"dist": "uniform", "low": 1.0, "high": 2.0}},
        {"name": "b", "process_time": {"dist": "uniform", "low": 1.5, "high": 2.5}},
    ],
}  # fmt: skip


def test_a_product_with_its_own_time_gets_its_own_fit():
    found = calibrate(mes_log(TWO_SPEEDS, days=3.0, seed=2))
    b = found.report["stations"]["b"]
    own = b["process_time_by_product"]
    assert len(own) == 1  # the product with more operations there keeps the station's time
    products = {p["name"]: p for p in found.factory["products"]}
    for name, true_mean in (("p", 2.0), ("q", 3.5)):
        fitted = own[name]["mean"] if name in own else b["process_time"]["mean"]
        assert fitted == pytest.approx(true_mean, rel=0.05), name
        assert ("process_times" in products[name]) == (name in own)
    # station a: the same time for both products, one pooled fit
    assert "process_time_by_product" not in found.report["stations"]["a"]


def test_services_in_the_log_become_a_periodic_policy():
    plant = {
        "name": "serviced",
        "products": [{"name": "p", "routing": ["a"], "arrival": {"dist": "exponential",
                                                               "mean": 3.0}}],
        "stations": [{"name": "a", "process_time": {"dist": "uniform", "low": 1.0, "high": 2.0},
                      "maintenance": {"policy": "periodic", "interval": 600.0,
                                      "duration": {"dist": "fixed", "value": 30.0}}}],
    }  # fmt: skip
    found = calibrate(mes_log(plant, days=3.0, seed=1))
    service = found.report["stations"]["a"]["maintenance"]
    assert service["services"] >= 5
    assert service["interval_min"] == pytest.approx(600.0, rel=0.05)
    assert service["duration"]["mean"] == pytest.approx(30.0, rel=0.01)
    written = found.factory["stations"][0]["maintenance"]
    assert written["policy"] == "periodic"
    assert written["interval"] == pytest.approx(600.0, rel=0.05)
    parse_factory(found.factory)  # runs with dtwin simulate
