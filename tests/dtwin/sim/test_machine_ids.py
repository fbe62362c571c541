"""A station may name its machines (``machine_ids``): the one id the sim's MES log, the twin and
calibration use."""

from __future__ import annotations

import pytest

from dtwin.errors import ConfigError
from dtwin.sim import mes_log, parse_factory

BASE = {
    "name": "named",
    "products": [{"name": "p", "routing": ["press", "pack"],
                  "arrival": {"dist": "exponential", "mean": 2.0}}],
    "stations": [
        {"name": "press", "machines": 2, "process_time": {"dist": "fixed", "value": 3.0},
         "machine_ids": ["P-101", "P-102"]},
        {"name": "pack", "process_time": {"dist": "fixed", "value": 1.0}},
    ],
}  # fmt: skip


def _with(**press):
    data = {**BASE, "stations": [{**BASE["stations"][0], **press}, BASE["stations"][1]]}
    return parse_factory(data)


def test_named_machines_appear_in_the_mes_log_and_the_twin():
    from dtwin.twin import machine_ids

    cfg = _with()
    log = mes_log(cfg, days=0.2, seed=1)
    pressed = set(log.loc[log["station"] == "press", "machine"].dropna())
    assert pressed == {"P-101", "P-102"}
    assert set(log.loc[log["station"] == "pack", "machine"].dropna()) == {"pack-1"}
    assert machine_ids(cfg).ids == ("P-101", "P-102", "pack-1")


@pytest.mark.parametrize(
    ("press", "words"),
    [
        ({"machine_ids": ["P-101"]}, ["stations.press.machine_ids", "1 ids for 2 machines"]),
        ({"machine_ids": ["P-1", "P-1"]}, ["machine_ids", "unique", "P-1"]),
        ({"machine_ids": ["P-1", "  "]}, ["machine_ids", "blank"]),
        ({"machine_ids": ["pack-1", "P-2"]}, ["'pack-1'", "station 'press'", "unique"]),
    ],
    ids=["wrong-count", "twice", "blank", "clash-with-default"],
)
def test_bad_machine_ids_are_refused_naming_the_field(press, words):
    with pytest.raises(ConfigError) as caught:
        _with(**press)
    for word in words:
        assert word in str(caught.value)


def test_calibration_keeps_the_logs_own_machine_names(tmp_path):
    from dtwin.sim import load_factory, simulate
    from dtwin.twin import calibrate, write_factory

    log = mes_log(_with(), days=1.0, seed=2)
    factory = calibrate(log).factory
    press = next(st for st in factory["stations"] if st["name"] == "press")
    assert press["machine_ids"] == ["P-101", "P-102"] and press["machines"] == 2
    path = write_factory(factory, tmp_path / "cal.yaml")
    assert simulate(load_factory(path), days=0.2).kpis["finished"] > 0
