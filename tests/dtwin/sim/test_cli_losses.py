"""``dtwin simulate --json``: the OEE losses of dtwin.sim.kpis, as shares of planned time."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from dtwin.cli import main
from dtwin.sim.kpis import LOSS_COLUMNS
from tests.dtwin.sim.conftest import MINIMAL_YAML

STOPS = ("loss_down", "loss_setup_maintenance", "loss_blocked", "loss_starved")


@pytest.fixture(scope="module")
def report(tmp_path_factory):
    path = tmp_path_factory.mktemp("losses") / "minimal.yaml"
    path.write_text(MINIMAL_YAML, encoding="utf-8")
    args = ["simulate", str(path), "--days", "0.5", "--warmup-days", "0.1"]
    result = CliRunner().invoke(main, [*args, "--replications", "2", "--seed", "3", "--json"])
    assert result.exit_code == 0, result.output
    return json.loads(result.output)


def test_json_has_every_loss_in_unit_range(report):
    kpis, half = report["kpis"], report["half_width"]["kpis"]
    for name in LOSS_COLUMNS:
        assert isinstance(kpis[name], float), name
        assert 0.0 <= kpis[name] <= 1.0, (name, kpis[name])
        assert half[name] >= 0.0
    assert sum(kpis[n] for n in LOSS_COLUMNS) > 0.0


def test_losses_and_oee_are_consistent(report):
    k = report["kpis"]
    assert sum(k[n] for n in LOSS_COLUMNS) + k["oee"] == pytest.approx(1.0, abs=1e-9)
    assert 1.0 - sum(k[n] for n in STOPS) == pytest.approx(k["availability"], abs=1e-9)
    assert k["oee"] + k["loss_speed"] + k["loss_scrap"] == pytest.approx(k["availability"])


def test_json_has_station_oee(report):
    for name, values in report["stations"].items():
        assert 0.0 <= values["oee"] <= 1.0, name
        assert report["half_width"]["stations"][name]["oee"] >= 0.0
