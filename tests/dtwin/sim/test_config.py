"""Factory config: the minimal YAML, the demo, distributions and bad input."""

from __future__ import annotations

import random
import statistics

import pytest

from dtwin.errors import ConfigError
from dtwin.sim.config import FactoryConfig, load_factory, parse_factory, with_overrides
from dtwin.sim.distributions import sampler


def test_minimal_yaml_as_written(minimal_path):
    cfg = load_factory(minimal_path)
    assert [s.name for s in cfg.stations] == ["press", "paint"]
    assert cfg.stations[0].machines == 2 and cfg.stations[0].buffer is None
    assert cfg.products[0].routing == ["press", "paint"]
    assert cfg.products[0].arrival.mean_value == 1.0


def test_demo_has_three_lines_and_the_required_parts(demo_path):
    cfg = load_factory(demo_path)
    assert len(cfg.stations) >= 12
    assert {s.line for s in cfg.stations} >= {"A", "B", "C"}
    assert any(s.kind == "inspection" for s in cfg.stations)
    assert any(s.failure for s in cfg.stations)
    assert any(s.maintenance and s.maintenance.policy != "none" for s in cfg.stations)
    assert all(s.position is not None for s in cfg.stations)
    assert cfg.maintenance.technicians == 2


DISTS = [
    ({"dist": "fixed", "value": 2.0}, 2.0),
    ({"dist": "exponential", "mean": 2.0}, 2.0),
    ({"dist": "normal", "mean": 2.0, "std": 0.3}, 2.0),
    ({"dist": "lognormal", "mean": 2.0, "std": 1.0}, 2.0),
    ({"dist": "triangular", "low": 1.0, "mode": 2.0, "high": 3.0}, 2.0),
    ({"dist": "uniform", "low": 1.0, "high": 3.0}, 2.0),
    ({"dist": "weibull", "shape": 2.0, "scale": 2.0}, 1.7724538509055159),
    ({"dist": "empirical", "values": [1.0, 3.0]}, 2.0),
    ({"dist": "empirical", "values": [1.0, 4.0], "weights": [2, 1]}, 2.0),
]


@pytest.mark.parametrize(("spec", "mean"), DISTS, ids=[d["dist"] for d, _ in DISTS])
def test_distributions_sample_their_mean(spec, mean):
    cfg = parse_factory(
        {
            "products": [{"name": "p", "routing": ["s"], "arrival": spec}],
            "stations": [{"name": "s", "process_time": spec}],
        }
    )
    dist = cfg.stations[0].process_time
    assert dist.mean_value == pytest.approx(mean)
    draw = sampler(dist, random.Random(1))
    values = [draw() for _ in range(20000)]
    assert min(values) >= 0
    assert statistics.fmean(values) == pytest.approx(mean, rel=0.03)


def test_bare_number_is_a_fixed_time():
    cfg = parse_factory(
        {
            "products": [{"name": "p", "routing": ["s"], "arrival": 3}],
            "stations": [{"name": "s", "process_time": 2.5}],
        }
    )
    assert cfg.stations[0].process_time.dist == "fixed"
    assert cfg.products[0].arrival.mean_value == 3.0


def _set(data: dict, path: str, value) -> dict:
    node = data
    parts = path.split(".")
    for part in parts[:-1]:
        node = node[int(part)] if isinstance(node, list) else node[part]
    last = parts[-1]
    if value is _DELETE:
        del node[last]
    elif isinstance(node, list):
        node[int(last)] = value
    else:
        node[last] = value
    return data


_DELETE = object()

BAD = [
    # (path, value, words the message must contain)
    (
        "products.0.routing",
        ["press", "pant"],
        ["products.part.routing[1]", "'pant'", "press, paint"],
    ),
    ("stations.0.machines", -1, ["stations.press.machines", "greater than or equal to 1"]),
    ("stations.1.process_time.mean", -0.6, ["stations.paint.process_time.mean", "greater than 0"]),
    ("stations.0.process_time", _DELETE, ["stations.press.process_time", "Field required"]),
    ("stations.0.process_time.mean", _DELETE, ["stations.press.process_time.mean", "required"]),
    (
        "stations.0.process_time",
        {"dist": "gamma", "mean": 1},
        ["stations.press.process_time", "'gamma'", "exponential, normal"],
    ),
    ("stations.0.process_time", {"mean": 1}, ["stations.press.process_time", "missing 'dist'"]),
    ("stations.0.buffer", -2, ["stations.press.buffer", "greater than or equal to 0"]),
    ("time_unit", "hours", ["time_unit", "'minutes'"]),
    ("products.0.arrival", _DELETE, ["products.part.arrival", "jobs"]),
    ("stations.0.colour", "red", ["stations.press.colour", "Extra inputs"]),
    ("stations.0.kind", "oven", ["stations.press.kind", "'process' or 'inspection'"]),
    (
        "maintenance",
        {"policy": "weekly"},
        ["maintenance.policy", "'periodic'", "'health_threshold'"],
    ),
    ("maintenance", {"policy": "periodic", "duration": 5}, ["interval"]),
    (
        "stations.0.process_time",
        {"dist": "triangular", "low": 3, "mode": 1, "high": 4},
        ["stations.press.process_time", "low <= mode <= high"],
    ),
]


@pytest.mark.parametrize(
    ("path", "value", "words"),
    BAD,
    ids=[
        "unknown-station",
        "negative-machines",
        "negative-mean",
        "missing-process-time",
        "missing-mean",
        "unknown-dist",
        "no-dist",
        "negative-buffer",
        "bad-time-unit",
        "no-release",
        "unknown-field",
        "bad-kind",
        "bad-policy",
        "periodic-no-interval",
        "triangular-order",
    ],
)
def test_bad_input_names_field_and_choices(minimal_data, path, value, words):
    data = _set(minimal_data, path, value)
    with pytest.raises(ConfigError) as err:
        parse_factory(data, source="f.yaml")
    message = str(err.value)
    assert message.startswith("f.yaml: ")
    for word in words:
        assert word in message, message


def test_zero_buffer_on_a_cycle_is_a_deadlock(minimal_data):
    data = minimal_data
    data["products"][0]["routing"] = ["press", "paint", "press"]
    data["stations"][0]["buffer"] = 0
    with pytest.raises(
        ConfigError,
        match=r"stations.press.buffer: capacity 0 deadlocks.*"
        r"press -> paint -> press.*null \(unbounded\) or an integer >= 1",
    ):
        parse_factory(data)


def test_zero_buffer_in_a_serial_line_is_allowed(minimal_data):
    data = minimal_data
    data["stations"][1]["buffer"] = 0
    assert parse_factory(data).stations[1].buffer == 0


def test_overrides_by_dotted_path_and_name(minimal_data):
    cfg = parse_factory(minimal_data)
    new = with_overrides(cfg, {"stations.press.machines": 3, "stations.paint.buffer": 4})
    assert new.station("press").machines == 3 and new.station("paint").buffer == 4
    assert cfg.station("press").machines == 2  # original untouched
    with pytest.raises(ConfigError, match="no item named 'pres'.*choices: press, paint"):
        with_overrides(cfg, {"stations.pres.machines": 3})
    with pytest.raises(ConfigError, match="stations.press.machines"):
        with_overrides(cfg, {"stations.press.machines": 0})


def test_config_round_trips_through_json(demo_path):
    cfg = load_factory(demo_path)
    again = FactoryConfig.model_validate(cfg.model_dump(mode="json"))
    assert again == cfg


def test_package_import_is_light():
    import subprocess
    import sys

    code = (
        "import sys, dtwin.sim; "
        "print(sorted(m for m in ('simpy', 'pandas', 'dask', 'torch') if m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"
