"""Bad input for ``dtwin twin calibrate``: one ``error:`` line naming the file or field, exit 2.

Each row builds what it needs in ``tmp_path`` from the invented plant's two-day log
(``plant_log``); the library rows are what a notebook would call.
"""

from __future__ import annotations

import math

import pytest
import yaml
from click.testing import CliRunner

from dtwin.cli import main
from dtwin.errors import DataError
from dtwin.twin.calibration import calibrate
from dtwin.twin.meslog import read_mes_log
from tests.cli_checks import assert_one_error_line
from tests.dtwin.twin.conftest import INVENTED_PLANT


def _edit(log, tmp, name, change):
    """A copy of ``log`` whose lines went through ``change(lines)``."""
    lines = log.read_text(encoding="utf-8").splitlines()
    path = tmp / name
    path.write_text("\n".join(change(lines)) + "\n", encoding="utf-8")
    return path


def _skeleton(tmp, change):
    data = yaml.safe_load(yaml.safe_dump(INVENTED_PLANT))
    change(data)
    path = tmp / "skeleton.yaml"
    path.write_text(yaml.safe_dump(data), encoding="utf-8")
    return path


def _drop_station(data, name="weld"):
    data["stations"] = [st for st in data["stations"] if st["name"] != name]
    for prod in data["products"]:
        prod["routing"] = [s for s in prod["routing"] if s != name]


def _drop_product(data):
    data["products"] = data["products"][:1]


def _fewer_machines(data):
    data["stations"][2]["machines"] = 1


# (id, extra arguments built from (log, tmp), words of the error line)
CLI_ROWS = [
    ("missing-log", lambda log, tmp: [str(tmp / "nope.csv")], ["nope.csv", "no such file"]),
    ("missing-column", lambda log, tmp: [str(_edit(log, tmp, "cols.csv",
                                                    lambda ls: [",".join(x.split(",")[:5])
                                                                for x in ls]))],
     ["cols.csv", "missing column(s) machine"]),
    ("unknown-event", lambda log, tmp: [str(_edit(log, tmp, "ev.csv",
                                                   lambda ls: [ls[0], ls[1].replace(
                                                       "release", "arrived"), *ls[2:]]))],
     ["ev.csv", "line 2", "event 'arrived' is unknown"]),
    ("negative-time", lambda log, tmp: [str(_edit(log, tmp, "neg.csv",
                                                   lambda ls: [ls[0], "-" + ls[1], *ls[2:]]))],
     ["neg.csv", "line 2", "time_min"]),
    ("until-negative", lambda log, tmp: [str(log), "--until", "-1"], ["--until", "-1"]),
    ("until-nan", lambda log, tmp: [str(log), "--until", "nan"], ["--until", "finite"]),
    ("until-before-every-event", lambda log, tmp: [str(log), "--until", "0"],
     ["plant.csv", "no events with time_min <= 0"]),
    ("out-in-missing-folder", lambda log, tmp: [str(log), "--out", str(tmp / "no" / "c.yaml")],
     ["--out", "does not exist"]),
    ("skeleton-lacks-a-station", lambda log, tmp: [str(log), "--factory",
                                                    str(_skeleton(tmp, _drop_station))],
     ["skeleton.yaml", "does not match the log", "station 'weld' is in the log"]),
    ("skeleton-lacks-a-product", lambda log, tmp: [str(log), "--factory",
                                                    str(_skeleton(tmp, _drop_product))],
     ["skeleton.yaml", "product 'housing' is in the log"]),
    ("skeleton-has-fewer-machines", lambda log, tmp: [str(log), "--factory",
                                                       str(_skeleton(tmp, _fewer_machines))],
     ["skeleton.yaml", "stations.mill.machines", "mill-1, mill-2"]),
    ("skeleton-missing", lambda log, tmp: [str(log), "--factory", str(tmp / "none.yaml")],
     ["none.yaml"]),
]  # fmt: skip


@pytest.mark.parametrize("make,words", [r[1:] for r in CLI_ROWS], ids=[r[0] for r in CLI_ROWS])
def test_cli_bad_input_is_one_error_line(plant_log, tmp_path, make, words):
    args = make(plant_log, tmp_path)
    out = [] if "--out" in args else ["--out", str(tmp_path / "calibrated.yaml")]
    result = CliRunner().invoke(main, ["twin", "calibrate", *args, *out, "--json"])
    assert_one_error_line(result, *words)
    assert not (tmp_path / "calibrated.yaml").exists()


@pytest.mark.parametrize("until", [-1.0, math.nan, math.inf], ids=["negative", "nan", "inf"])
def test_library_until_must_be_a_time(plant_log, until):
    with pytest.raises(DataError, match="until: must be a finite time"):
        calibrate(read_mes_log(plant_log), until=until)


def test_library_names_the_log_when_a_product_cannot_be_fitted(tmp_path):
    path = tmp_path / "one.csv"
    path.write_text(
        "time_min,event,part,product,station,machine\n"
        "0,release,1,p,a,\n0,start,1,p,a,a-1\n2,exit,1,p,a,a-1\n",
        encoding="utf-8",
    )
    with pytest.raises(DataError, match=r"one.csv: product 'p': needs at least 2 releases"):
        calibrate(path)
