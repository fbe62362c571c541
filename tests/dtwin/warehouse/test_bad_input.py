"""Bad input against the warehouse (issue 14): the raw reader, silver's plausibility rules
and the ``dtwin data`` command line, one table each, an id per row.

Each row asserts what really happens: how many rows were delivered, loaded, quarantined or
rejected and why, or the one ``error:`` line and exit code 2 of the command.
"""

from __future__ import annotations

import errno
import json
import os
import shutil
from collections.abc import Callable
from pathlib import Path

import duckdb
import pytest
from click.testing import CliRunner

from dtwin import cli
from dtwin.paths import DEMO_FACTORY
from dtwin.warehouse import rejected_counts
from dtwin.warehouse.generate import generate_raw
from dtwin.warehouse.loading import ingest
from dtwin.warehouse.validation import check_against_truth

DAY = "2026-01-02"
BATCH_HEADER = "batch_id,machine_id,product,start_time,end_time,units_produced,operator"


def _query(db: Path, sql: str, params: list | None = None) -> list[tuple]:
    con = duckdb.connect(str(db), read_only=True)
    try:
        return con.execute(sql, params or []).fetchall()
    finally:
        con.close()


def _data_lines(raw: Path, name: str, day: str = DAY) -> list[str]:
    lines = (raw / "raw" / day / name).read_text(encoding="utf-8").split("\n")
    return [line for line in lines if line.strip() and line.strip() not in ("[", "]")][
        0 if name.endswith(".json") else 1 :
    ]


# ---------------------------------------------------------------------------------------------
# 1. The raw reader: line endings, encodings, headers, truncation. Every delivered row counted.
# ---------------------------------------------------------------------------------------------


def _csv(rows: list[str], sep: bytes = b"\n", header: bool = True, end: bool = True) -> bytes:
    lines = [BATCH_HEADER, *rows] if header else rows
    return sep.join(line.encode() for line in lines) + (sep if end else b"")


def _with_operator(row: str, name: str) -> str:
    return ",".join([*row.split(",")[:6], name])


def _mixed(rows: list[str]) -> bytes:
    seps = [b"\n", b"\r\n", b"\r"]
    lines = [BATCH_HEADER, *rows]
    return b"".join(line.encode() + seps[i % 3] for i, line in enumerate(lines))


def _cp1252(rows: list[str]) -> bytes:
    lines = [BATCH_HEADER, *rows]
    lines[2] = _with_operator(lines[2], "Ana \u2013 Silva")  # an en dash
    return b"\n".join(line.encode("cp1252") for line in lines) + b"\n"


def _latin1(rows: list[str]) -> bytes:
    lines = [BATCH_HEADER, *rows]
    lines[1] = _with_operator(lines[1], "Jos\u00e9 M\u00fcller")
    lines[4] = _with_operator(lines[4], "Ren\u00e9e")
    return "\n".join(lines).encode("latin-1") + b"\n"


def _nul_in_row(rows: list[str]) -> bytes:
    lines = [BATCH_HEADER.encode(), *(r.encode() for r in rows)]
    lines[3] = lines[3][:10] + b"\x00\x00" + lines[3][10:]
    return b"\n".join(lines) + b"\n"


def _sensor(rows: list[str], sep: bytes = b"\n") -> bytes:
    body = sep.join(f"{r.rstrip(',')},".encode() for r in rows).rstrip(b",")
    return b"[" + sep + body + sep + b"]" + sep


def _sensor_cp1252(rows: list[str]) -> bytes:
    return _sensor(rows).replace(b'"machine":"', b'"machine":"\x96', 1)


# id, file name, content builder (from 5 real rows), source rows, bronze rows, quarantined,
# the quarantine reason, the quarantined line numbers.
READER_CASES: list[tuple[str, str, Callable[[list[str]], bytes], int, int, int, str, list]] = [
    ("lf", "b", lambda r: _csv(r), 5, 5, 0, "", []),
    ("crlf", "b", lambda r: _csv(r, b"\r\n"), 5, 5, 0, "", []),
    ("cr-only-old-mac", "b", lambda r: _csv(r, b"\r"), 5, 5, 0, "", []),
    ("mixed-endings", "b", _mixed, 5, 5, 0, "", []),
    ("no-final-newline", "b", lambda r: _csv(r, end=False), 5, 5, 0, "", []),
    (
        "truncated-last-line",
        "b",
        lambda r: _csv([*r[:4], ",".join(r[4].split(",")[:3])], end=False),
        5,
        4,
        1,
        "expected 7 fields, found 3",
        [6],
    ),
    ("cp1252-dash-in-one-row", "b", _cp1252, 5, 4, 1, "byte 96 at byte", [3]),
    ("latin1-file", "b", _latin1, 5, 3, 2, "is not UTF-8 text", [2, 5]),
    ("utf8-bom", "b", lambda r: b"\xef\xbb\xbf" + _csv(r), 5, 5, 0, "", []),
    ("utf8-bom-cr-only", "b", lambda r: b"\xef\xbb\xbf" + _csv(r, b"\r"), 5, 5, 0, "", []),
    ("utf16-with-bom", "b", lambda r: _csv(r).decode().encode("utf-16"), 5, 5, 0, "", []),
    ("empty-file", "b", lambda r: b"", 0, 0, 0, "", []),
    ("header-only", "b", lambda r: _csv([]), 0, 0, 0, "", []),
    ("header-only-no-newline", "b", lambda r: _csv([], end=False), 0, 0, 0, "", []),
    (
        "blank-and-space-lines",
        "b",
        lambda r: _csv([r[0], "", "   ", r[1], "\t", *r[2:]], b"\r\n"),
        5,
        5,
        0,
        "",
        [],
    ),
    ("blank-line-before-header", "b", lambda r: b"\n\n" + _csv(r), 5, 5, 0, "", []),
    (
        "header-repeated-mid-file",
        "b",
        lambda r: _csv([*r[:2], BATCH_HEADER, *r[2:]]),
        6,
        5,
        1,
        "repeats the file header",
        [4],
    ),
    ("nul-bytes-in-a-row", "b", _nul_in_row, 5, 4, 1, "NUL bytes", [4]),
    (
        "nul-padding-after-a-crash",
        "b",
        lambda r: _csv(r) + b"\x00" * 64,
        6,
        5,
        1,
        "NUL bytes",
        [7],
    ),
    (
        "semicolon-delimiter",
        "b",
        lambda r: _csv(r).replace(b",", b";"),
        6,
        0,
        6,
        "fields separated by ';'",
        [1, 2, 3, 4, 5, 6],
    ),
    (
        "tab-delimiter",
        "b",
        lambda r: _csv(r).replace(b",", b"\t"),
        6,
        0,
        6,
        "fields separated by tabs",
        [1, 2, 3, 4, 5, 6],
    ),
    (
        "no-header",
        "b",
        lambda r: _csv(r, header=False),
        5,
        0,
        5,
        "the header line is missing?",
        [1, 2, 3, 4, 5],
    ),
    (
        "binary-garbage",
        "b",
        lambda r: b"PK\x03\x04\xff\xfe\x00\x01\r\n\x89PNG\xff\n",
        2,
        0,
        2,
        "is not UTF-8 text",
        [1, 2],
    ),
    ("sensor-cr-only", "s", lambda r: _sensor(r, b"\r"), 5, 5, 0, "", []),
    ("sensor-crlf-bom", "s", lambda r: b"\xef\xbb\xbf" + _sensor(r, b"\r\n"), 5, 5, 0, "", []),
    ("sensor-cp1252-byte", "s", _sensor_cp1252, 5, 4, 1, "is not UTF-8 text", [2]),
    (
        "sensor-whole-array-on-one-line",
        "s",
        lambda r: ("[" + ",".join(x.rstrip(",") for x in r) + "]\n").encode(),
        1,
        0,
        1,
        "whole JSON array",
        [1],
    ),
    (
        "sensor-string-nan",
        "s",
        lambda r: _sensor([r[0].replace('"power_kw":', '"power_kw":"NaN","x":'), *r[1:]]),
        5,
        4,
        1,
        "power_kw 'NaN' is not a number or null",
        [2],
    ),
]


@pytest.fixture(scope="module")
def reader_db(small_raw: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One folder per reader case (raw/<id>/<file>), ingested together once."""
    out = tmp_path_factory.mktemp("reader")
    batches = _data_lines(small_raw, "production_batches.csv")[:5]
    sensors = _data_lines(small_raw, "sensor_logs.json")[:5]
    for case, name, build, *_ in READER_CASES:
        folder = out / "raw" / case
        folder.mkdir(parents=True)
        rows = batches if name == "b" else sensors
        file = "production_batches.csv" if name == "b" else "sensor_logs.json"
        (folder / file).write_bytes(build(rows))
    ingest(out, out / "w.duckdb")
    return out / "w.duckdb"


@pytest.mark.parametrize(
    ("case", "name", "build", "source", "bronze", "quarantined", "reason", "lines"),
    READER_CASES,
    ids=[c[0] for c in READER_CASES],
)
def test_raw_reader_counts_every_delivered_row(
    reader_db: Path,
    case: str,
    name: str,
    build: Callable,
    source: int,
    bronze: int,
    quarantined: int,
    reason: str,
    lines: list[int],
) -> None:
    file = f"raw/{case}/" + ("production_batches.csv" if name == "b" else "sensor_logs.json")
    (counts,) = _query(
        reader_db,
        "SELECT source_rows, bronze_rows, quarantined_rows FROM bronze.ingested_files "
        "WHERE source_file = ?",
        [file],
    )
    assert counts == (source, bronze, quarantined)
    found = _query(
        reader_db,
        "SELECT line, reason, raw, raw_hex FROM bronze.quarantine WHERE source_file = ? "
        "ORDER BY line",
        [file],
    )
    assert [r[0] for r in found] == lines
    assert all(reason in r[1] for r in found)


def test_a_non_utf8_row_keeps_its_bytes(reader_db: Path) -> None:
    ((line, reason, raw, raw_hex),) = _query(
        reader_db,
        "SELECT line, reason, raw, raw_hex FROM bronze.quarantine WHERE source_file = ?",
        ["raw/cp1252-dash-in-one-row/production_batches.csv"],
    )
    original = bytes.fromhex(raw_hex)
    assert b"Ana \x96 Silva" in original and "Ana \ufffd Silva" in raw
    assert original.decode("cp1252").endswith("Ana \u2013 Silva")
    assert "cp1252 or Latin-1" in reason


# ---------------------------------------------------------------------------------------------
# 2. Silver plausibility: rows that parse but cannot be true go to silver.rejected, not gold.
# ---------------------------------------------------------------------------------------------


def _batch(template: str, **changes: str) -> str:
    names = BATCH_HEADER.split(",")
    values = dict(zip(names, template.split(","), strict=True))
    values.update(changes)
    return ",".join(values[n] for n in names)


def _qc(template: str, **changes: str) -> str:
    names = ["qc_id", "batch_id", "checked_at", "inspected_units", "defective_units"]
    names += ["inspector", "result"]
    values = dict(zip(names, template.split(","), strict=True))
    values.update(changes)
    return ",".join(values[n] for n in names)


def _log(template: str, **changes: str) -> str:
    cells = template.split(",")
    names = ["log_id", "timestamp", "machine_id"]
    values = dict(zip(names, cells[:3], strict=True))
    values.update(changes)
    return ",".join([*(values[n] for n in names), *cells[3:]])


def _reading(template: str, **changes: str) -> str:
    record = json.loads(template.rstrip(","))
    record.update(changes)
    text = json.dumps(record, separators=(",", ":"))
    for literal in ("NaN", "Infinity", "1e999"):  # json.dumps cannot write these as numbers
        text = text.replace(f'"{literal}"', literal)
    return text


BATCH_START, BATCH_END = "2026-01-02T10:00:00Z", "2026-01-02T11:00:00Z"
# id, file, (kind of template, changes), rule, part of the reason
PLAUSIBILITY_CASES: list[tuple[str, str, dict[str, str], str, str]] = [
    (
        "batch-dated-2099",
        "production_batches.csv",
        {"start_time": "2099-03-01T10:00:00Z", "end_time": "2099-03-01T11:00:00Z"},
        "outside_window",
        "start_time 2099-03-01T10:00:00Z is outside the delivery window 2025-12-26..2026-01-03",
    ),
    (
        "batch-dated-1999",
        "production_batches.csv",
        {"start_time": "1999-03-01T10:00:00+01:00", "end_time": "1999-03-01T11:00:00+01:00"},
        "outside_window",
        "start_time 1999-03-01T09:00:00Z is outside",
    ),
    ("batch-units-5.5", "production_batches.csv", {"units_produced": "5.5"}, "not_whole", "5.5"),
    (
        "batch-units-negative",
        "production_batches.csv",
        {"units_produced": "-3"},
        "out_of_range",
        "units_produced -3.0 is outside the physical range 0..1000000000",
    ),
    (
        "batch-units-nan",
        "production_batches.csv",
        {"units_produced": "nan"},
        "not_finite",
        "units_produced nan is not a finite number",
    ),
    (
        "batch-units-1e999",
        "production_batches.csv",
        {"units_produced": "1e999"},
        "not_finite",
        "inf is not a finite number",
    ),
    (
        "batch-units-1e308",
        "production_batches.csv",
        {"units_produced": "1e308"},
        "out_of_range",
        "units_produced 1e+308 is outside the physical range",
    ),
    (
        "batch-above-capacity",
        "production_batches.csv",
        {"units_produced": "90000"},
        "above_capacity",
        "exceeds the 1687.0 that SMELTER-01 can make in 60.0 min",
    ),
    (
        "batch-end-before-start",
        "production_batches.csv",
        {"start_time": BATCH_END, "end_time": BATCH_START},
        "end_not_after_start",
        "end_time 2026-01-02T10:00:00Z is not after start_time 2026-01-02T11:00:00Z",
    ),
    (
        "batch-runs-two-days",
        "production_batches.csv",
        {"start_time": "2026-01-01T00:00:00Z", "end_time": "2026-01-03T00:00:00Z"},
        "too_long",
        "the batch runs 48.0 h",
    ),
    (
        "batch-unknown-machine",
        "production_batches.csv",
        {"machine_id": "PRESS-07"},
        "unknown_machine",
        "machine_id 'PRESS-07' is not a machine of the plant",
    ),
    (
        "batch-machine-id-garbled",
        "production_batches.csv",
        {"machine_id": "#?!"},
        "unknown_machine",
        "machine_id '#?!' is not a machine",
    ),
    (
        "batch-unknown-product",
        "production_batches.csv",
        {"product": "Unobtainium"},
        "unknown_product",
        "product 'Unobtainium' is not a product of the plant (Iron Plate, Gear Wheel)",
    ),
    (
        "qc-defective-exceeds-inspected",
        "qc_checks.csv",
        {"inspected_units": "10", "defective_units": "11"},
        "defective_exceeds_inspected",
        "defective_units 11.0 exceeds inspected_units 10.0",
    ),
    ("qc-inspected-1.5", "qc_checks.csv", {"inspected_units": "1.5"}, "not_whole", "1.5"),
    (
        "qc-checked-in-2099",
        "qc_checks.csv",
        {"checked_at": "2099-01-02T10:00:00Z"},
        "outside_window",
        "checked_at 2099-01-02T10:00:00Z",
    ),
    (
        "log-unknown-machine",
        "operator_logs.csv",
        {"machine_id": "ROBOT-99"},
        "unknown_machine",
        "'ROBOT-99'",
    ),
    (
        "log-dated-2099",
        "operator_logs.csv",
        {"timestamp": "2099-01-02T06:00:00Z"},
        "outside_window",
        "timestamp 2099",
    ),
    (
        "sensor-nan",
        "sensor_logs.json",
        {"temperature_c": "NaN"},
        "not_finite",
        "temperature_c nan",
    ),
    (
        "sensor-energy-1e999",
        "sensor_logs.json",
        {"energy_kwh": "1e999"},
        "not_finite",
        "energy_kwh inf",
    ),
    (
        "sensor-power-infinity",
        "sensor_logs.json",
        {"power_kw": "Infinity"},
        "not_finite",
        "power_kw inf",
    ),
    (
        "sensor-energy-1e308",
        "sensor_logs.json",
        {"energy_kwh": 1e308},
        "out_of_range",
        "energy_kwh 1e+308 is outside the physical range 0..45.0 kWh per slot",
    ),
    (
        "sensor-negative-power",
        "sensor_logs.json",
        {"power_kw": -5.0},
        "out_of_range",
        "power_kw -5.0 is outside the physical range 0..180.0 kW",
    ),
    (
        "sensor-negative-efficiency",
        "sensor_logs.json",
        {"efficiency": -0.2},
        "out_of_range",
        "efficiency -0.2 is outside the physical range 0.0..1.0",
    ),
    (
        "sensor-efficiency-above-1",
        "sensor_logs.json",
        {"efficiency": 1.7},
        "out_of_range",
        "efficiency 1.7",
    ),
    (
        "sensor-temperature-5000",
        "sensor_logs.json",
        {"temperature_c": 5000.0},
        "out_of_range",
        "temperature_c 5000.0 is outside the physical range -50.0..2000.0 degrees C",
    ),
    (
        "sensor-unknown-machine",
        "sensor_logs.json",
        {"machine": "OVEN-03"},
        "unknown_machine",
        "machine 'OVEN-03' is not a machine of the plant",
    ),
    (
        "sensor-reading-in-2099",
        "sensor_logs.json",
        {"ts": "2099-01-02T10:07:30Z"},
        "outside_window",
        "ts 2099-01-02T10:07:30Z",
    ),
]


def _damaged_line(case: str, file: str, changes: dict[str, str], raw: Path) -> str:
    template = _data_lines(raw, file)[0]
    if file == "production_batches.csv":
        fixed = {"batch_id": f"BX-{case}", "machine_id": "SMELTER-01", "product": "Iron Plate"}
        fixed |= {"start_time": BATCH_START, "end_time": BATCH_END, "units_produced": "100"}
        return _batch(template, **{**fixed, **changes})
    if file == "qc_checks.csv":
        return _qc(template, qc_id=f"QX-{case}", batch_id=f"BX-{case}", **changes)
    if file == "operator_logs.csv":
        return _log(template, **{"log_id": f"LX-{case}", "machine_id": "SMELTER-01", **changes})
    # A reading of an existing slot, placed first: it would replace the true one if kept.
    return _reading(template, **{"machine": "SMELTER-01", **changes})


@pytest.fixture(scope="module")
def plausibility(small_raw: Path, tmp_path_factory: pytest.TempPathFactory) -> dict:
    """The 3-day plant with every implausible row of the table added to day 2, ingested."""
    out = tmp_path_factory.mktemp("implausible")
    shutil.copytree(small_raw, out, dirs_exist_ok=True)
    where: dict[str, tuple[str, int, str]] = {}
    for file in ("production_batches.csv", "qc_checks.csv", "operator_logs.csv"):
        path = out / "raw" / DAY / file
        lines = path.read_text(encoding="utf-8").rstrip("\n").split("\n")
        for case, f, changes, *_ in PLAUSIBILITY_CASES:
            if f == file:
                lines.append(_damaged_line(case, f, changes, out))
                where[case] = (f"raw/{DAY}/{file}", len(lines), lines[-1])
        path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    path = out / "raw" / DAY / "sensor_logs.json"
    lines = path.read_text(encoding="utf-8").rstrip("\n").split("\n")
    damaged = [
        (case, _damaged_line(case, f, changes, out))
        for case, f, changes, *_ in PLAUSIBILITY_CASES
        if f == "sensor_logs.json"
    ]
    for offset, (case, line) in enumerate(damaged):
        where[case] = (f"raw/{DAY}/sensor_logs.json", offset + 2, line + ",")
    lines[1:1] = [line + "," for _, line in damaged]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    db = out / "w.duckdb"
    result = ingest(out, db)
    return {"out": out, "db": db, "where": where, "result": result}


KEPT_IN = {
    "production_batches.csv": ("gold.fact_production", "batch_id"),
    "qc_checks.csv": ("gold.fact_quality", "qc_id"),
    "operator_logs.csv": ("silver.operator_logs", "log_id"),
}


@pytest.mark.parametrize(
    ("case", "file", "changes", "rule", "reason"),
    PLAUSIBILITY_CASES,
    ids=[c[0] for c in PLAUSIBILITY_CASES],
)
def test_implausible_rows_are_rejected_not_loaded(
    plausibility: dict, case: str, file: str, changes: dict, rule: str, reason: str
) -> None:
    db = plausibility["db"]
    source_file, line, delivered = plausibility["where"][case]
    found = _query(
        db,
        "SELECT rule, reason, raw FROM silver.rejected WHERE source_file = ? AND line = ?",
        [source_file, line],
    )
    assert len(found) == 1, found
    assert found[0][0] == rule
    assert reason in found[0][1]
    assert found[0][2] == delivered
    quarantined = _query(
        db,
        "SELECT count(*) FROM bronze.quarantine WHERE source_file = ? AND line = ?",
        [source_file, line],
    )
    assert quarantined == [(0,)]  # it parsed: bronze has it, silver set it aside
    if file in KEPT_IN:
        table, column = KEPT_IN[file]
        ident = delivered.split(",")[0]
        assert _query(db, f"SELECT count(*) FROM {table} WHERE {column} = ?", [ident]) == [(0,)]


def test_rejected_rows_never_reach_gold(plausibility: dict) -> None:
    db, out = plausibility["db"], plausibility["out"]
    assert plausibility["result"].rows_rejected == len(PLAUSIBILITY_CASES)
    assert _query(db, "SELECT count(*) FROM gold.dim_date") == [(3,)]  # not 26,665 days
    (energy,) = _query(db, "SELECT max(energy_kwh), min(power_kw) FROM gold.fact_energy")
    assert energy[0] < 100 and energy[1] >= 0
    report = check_against_truth(db, out)
    assert report.passed, report.per_level_metric  # gold still equals the ground truth


def test_every_row_is_accounted_for(plausibility: dict) -> None:
    """delivered = quarantined + rejected + kept (silver rows + duplicates removed)."""
    db = plausibility["db"]
    kinds = {
        "production_batches": "silver.production_batches",
        "qc_checks": "silver.qc_checks",
        "operator_logs": "silver.operator_logs",
        "sensor_logs": "silver.sensor_readings",
    }
    for kind, table in kinds.items():
        ((source, bronze, quarantined),) = _query(
            db,
            "SELECT sum(source_rows), sum(bronze_rows), sum(quarantined_rows) "
            "FROM bronze.ingested_files WHERE kind = ?",
            [kind],
        )
        ((rejected,),) = _query(db, "SELECT count(*) FROM silver.rejected WHERE kind = ?", [kind])
        ((kept,),) = _query(db, f"SELECT count(*) + sum(duplicates_removed) FROM {table}")
        assert source == bronze + quarantined, kind
        assert bronze == rejected + kept, kind


def test_rejected_counts_per_kind_and_rule(plausibility: dict) -> None:
    counts = rejected_counts(plausibility["db"])
    assert list(counts.columns) == ["kind", "rule", "rows", "example"]
    assert counts["rows"].sum() == len(PLAUSIBILITY_CASES)
    by_rule = counts.groupby("rule")["rows"].sum().to_dict()
    expected: dict[str, int] = {}
    for *_, rule, _ in PLAUSIBILITY_CASES:
        expected[rule] = expected.get(rule, 0) + 1
    assert by_rule == expected


def test_validate_reports_rejected_counts(plausibility: dict) -> None:
    db, out = str(plausibility["db"]), str(plausibility["out"])
    runner = CliRunner()
    text = runner.invoke(cli.main, ["data", "validate", "--db", db, "--raw", out])
    assert text.exit_code == 0, text.output
    assert f"rejected rows (implausible, kept out of gold): {len(PLAUSIBILITY_CASES)}" in (
        text.stdout
    )
    assert "outside_window" in text.stdout
    as_json = runner.invoke(cli.main, ["data", "validate", "--db", db, "--raw", out, "--json"])
    summary = json.loads(as_json.stdout, parse_constant=lambda c: pytest.fail(f"{c} in JSON"))
    assert summary["rejected_rows"] == len(PLAUSIBILITY_CASES)
    assert summary["rejected"]["production_batches:outside_window"] == 2
    assert summary["quality"]["rejected_rows:sensor_logs"] == 10


# Generated data at the edges of the chaos rates: nothing may be rejected, gold stays exact.
EDGE_RATES = [
    ("local-offset-plus-14h", {"local_offset_minutes": 840, "mixed_timezones": 1.0}),
    ("local-offset-minus-12h", {"local_offset_minutes": -720, "mixed_timezones": 1.0}),
    ("drift-7-min-late-rows", {"timestamp_drift": 1.0, "drift_minutes": 7, "late_rows": 0.5}),
    ("heavy-wear", {"degradation": 0.05, "duplicates": 0.3}),
]


@pytest.mark.parametrize("rates", [r for _, r in EDGE_RATES], ids=[i for i, _ in EDGE_RATES])
def test_generated_edge_cases_are_not_rejected(tmp_path: Path, rates: dict) -> None:
    out = tmp_path / "plant"
    generate_raw(out, days=3, start="2026-03-01", seed=5, **rates)
    result = ingest(out, tmp_path / "w.duckdb")
    assert result.rows_rejected == 0
    report = check_against_truth(tmp_path / "w.duckdb", out)
    assert report.passed and report.rejected_rows == 0


# ---------------------------------------------------------------------------------------------
# 3. The command line: one `error:` line naming the culprit, exit code 2, nothing half-written.
# ---------------------------------------------------------------------------------------------


class _FailingDisk:
    """A DuckDB connection on a disk that fills up: COMMIT (or a write) fails, then ROLLBACK
    fails too, as DuckDB does once a failed write has ended the transaction."""

    def __init__(self, con: duckdb.DuckDBPyConnection, fail_commit: bool) -> None:
        self._con = con
        self._fail_commit = fail_commit
        self._began = 0

    def execute(self, query: str, *args: object) -> object:
        statement = query.strip().upper()
        if statement == "BEGIN TRANSACTION":
            self._began += 1
        if statement == "COMMIT" and self._fail_commit and self._began >= 2:
            raise duckdb.IOException(
                'IO Error: Could not write file "w.duckdb.wal": No space left on device'
            )
        if statement == "ROLLBACK":
            self._con.execute("ROLLBACK")
            raise duckdb.TransactionException(
                "TransactionContext Error: cannot rollback - no transaction is active"
            )
        return self._con.execute(query, *args)

    def __getattr__(self, name: str) -> object:
        return getattr(self._con, name)


def _full_disk(fail_commit: bool) -> Callable:
    def setup(tmp: Path, raw: Path, monkeypatch: pytest.MonkeyPatch) -> list[str]:
        import dtwin.warehouse.loading as loading

        real_connect = loading.connect
        monkeypatch.setattr(
            loading, "connect", lambda *a, **k: _FailingDisk(real_connect(*a, **k), fail_commit)
        )
        if not fail_commit:

            def no_space(*args: object, **kwargs: object) -> None:
                raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

            monkeypatch.setattr(loading, "load_files", no_space)
        return ["data", "ingest", str(raw), "--db", str(tmp / "w.duckdb")]

    return setup


def _foreign_db(tmp: Path) -> Path:
    path = tmp / "other.duckdb"
    con = duckdb.connect(str(path))
    con.execute("CREATE TABLE invoices (id INTEGER, amount DOUBLE)")
    con.execute("INSERT INTO invoices VALUES (1, 9.5)")
    con.close()
    return path


def _other_bronze_db(tmp: Path) -> Path:
    path = tmp / "old.duckdb"
    con = duckdb.connect(str(path))
    con.execute("CREATE SCHEMA bronze")
    con.execute("CREATE TABLE bronze.ingested_files (source_file VARCHAR, size BIGINT)")
    con.close()
    return path


def _text_file(tmp: Path) -> Path:
    path = tmp / "notes.duckdb"
    path.write_text("not a database\n")
    return path


def _raw_folder(name: str) -> Callable:
    def setup(tmp: Path, raw: Path, monkeypatch: pytest.MonkeyPatch) -> list[str]:
        shutil.copytree(raw / "raw" / "2026-01-03", raw / "raw" / name)
        return ["data", "ingest", str(raw), "--db", str(tmp / "w.duckdb")]

    return setup


def _generate(*args: str) -> Callable:
    return lambda tmp, raw, mp: ["data", "generate", str(tmp / "gen"), *args]


def _validate(*args: str) -> Callable:
    return lambda tmp, raw, mp: ["data", "validate", "--raw", str(raw), *args]


def _ingest_into(make_db: Callable[[Path], Path]) -> Callable:
    return lambda tmp, raw, mp: ["data", "ingest", str(raw), "--db", str(make_db(tmp))]


def _validate_db(make_db: Callable[[Path], Path]) -> Callable:
    return lambda tmp, raw, mp: ["data", "validate", "--raw", str(raw), "--db", str(make_db(tmp))]


_COLLIDING = """
products: [{name: part, routing: [cut], arrival: 5}]
stations: [{name: cut, machines: 2, machine_ids: [CUT-01, cut-1], process_time: 2}]
"""
_BAD_DIST = """
products: [{name: part, routing: [cut], arrival: 5}]
stations: [{name: cut, process_time: {dist: gamma, k: 2}}]
"""


def _factory_file(text: str) -> Callable[[Path], Path]:
    def write(tmp: Path) -> Path:
        path = tmp / "factory.yaml"
        path.write_text(text)
        return path

    return write


def _generate_factory(make: Callable[[Path], Path], *args: str) -> Callable:
    return lambda tmp, raw, mp: ["data", "generate", str(tmp / "gen"), "--factory",
                                 str(make(tmp)), *args]  # fmt: skip


def _ingest_factory(make: Callable[[Path], Path]) -> Callable:
    return lambda tmp, raw, mp: ["data", "ingest", str(raw), "--db", str(tmp / "w.duckdb"),
                                 "--factory", str(make(tmp))]  # fmt: skip


_DEMO = lambda tmp: DEMO_FACTORY  # noqa: E731
_MISSING = lambda tmp: tmp / "nope.yaml"  # noqa: E731

# id, setup(tmp, raw copy, monkeypatch) -> argv, what the error line must say
CLI_CASES: list[tuple[str, Callable, str]] = [
    ("raw-folder-2026-13-45", _raw_folder("2026-13-45"), "2026-13-45"),
    ("raw-folder-2026-02-30", _raw_folder("2026-02-30"), "day is out of range for month"),
    ("raw-folder-year-0001", _raw_folder("0001-01-01"), "day 0001-01-01 is outside"),
    ("db-of-another-schema", _ingest_into(_foreign_db), "not a dtwin warehouse"),
    ("db-with-other-bronze", _ingest_into(_other_bronze_db), "lacks column(s)"),
    ("db-not-duckdb", _ingest_into(_text_file), "cannot open as a DuckDB database"),
    ("db-is-a-folder", _ingest_into(lambda tmp: tmp), "is a directory"),
    ("validate-db-of-another-schema", _validate_db(_foreign_db), "not a dtwin warehouse"),
    ("validate-db-not-duckdb", _validate_db(_text_file), "cannot open as a DuckDB database"),
    ("start-9999-12-30", _generate("--start", "9999-12-30"), "outside the supported days"),
    ("start-runs-past-2999", _generate("--start", "2999-12-31", "--days", "2"), "run past"),
    ("start-2026-02-30", _generate("--start", "2026-02-30"), "'2026-02-30' is not a date"),
    ("start-not-a-date", _generate("--start", "yesterday"), "'yesterday' is not a date"),
    ("seed-minus-1", _generate("--seed", "-1"), "'--seed': -1 is not in the range"),
    ("seed-too-big", _generate("--seed", "99999999999"), "'--seed'"),
    ("seed-not-a-number", _generate("--seed", "abc"), "'--seed'"),
    ("days-0", _generate("--days", "0"), "'--days'"),
    ("days-nan", _generate("--days", "nan"), "'--days'"),
    ("rate-nan", _generate("--rate", "sensor_nulls=nan"), "sensor_nulls"),
    ("rate-inf", _generate("--rate", "duplicates=.inf"), "duplicates"),
    ("rate-unknown", _generate("--rate", "gremlins=0.1"), "gremlins"),
    ("tolerance-minus-1", _validate("--db", "w.duckdb", "--tolerance", "-1"), "'--tolerance'"),
    ("tolerance-nan", _validate("--db", "w.duckdb", "--tolerance", "nan"), "not a finite"),
    ("tolerance-inf", _validate("--db", "w.duckdb", "--tolerance", "inf"), "not a finite"),
    ("full-disk-during-load", _full_disk(fail_commit=False), "No space left on device"),
    ("full-disk-at-commit", _full_disk(fail_commit=True), "No space left on device"),
    ("sensor-interval-7", _generate("--sensor-interval-min", "7"), "7 minutes does not divide"),
    ("sensor-interval-0", _generate("--sensor-interval-min", "0"), "1<=x<=1440"),
    ("sensor-interval-abc", _generate("--sensor-interval-min", "abc"), "--sensor-interval-min"),
    (
        "factory-sensor-interval-50",
        _generate_factory(_DEMO, "--sensor-interval-min", "50"),
        "sensor_interval_min: 50 minutes",
    ),
    ("factory-missing", _generate_factory(_MISSING), "nope.yaml"),
    ("factory-ids-collide", _generate_factory(_factory_file(_COLLIDING)), "collide"),
    ("factory-bad-dist", _generate_factory(_factory_file(_BAD_DIST)), "process_time"),
    ("ingest-factory-missing", _ingest_factory(_MISSING), "nope.yaml"),
    ("ingest-factory-ids-collide", _ingest_factory(_factory_file(_COLLIDING)), "'CUT-01' and"),
    ("ingest-factory-bad-dist", _ingest_factory(_factory_file(_BAD_DIST)), "stations.cut"),
]


@pytest.mark.parametrize(
    ("setup", "message"), [c[1:] for c in CLI_CASES], ids=[c[0] for c in CLI_CASES]
)
def test_cli_bad_input_is_one_error_line(
    raw_copy: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    setup: Callable,
    message: str,
) -> None:
    monkeypatch.chdir(tmp_path)
    args = setup(tmp_path, raw_copy, monkeypatch)
    result = CliRunner().invoke(cli.main, args)
    assert result.exit_code == 2, result.output
    assert "Traceback" not in result.output
    assert result.exception is None or isinstance(result.exception, SystemExit)
    errors = [line for line in result.stderr.splitlines() if "error" in line.lower()]
    assert len(errors) == 1 and errors[0].startswith("error: "), result.stderr
    assert result.stderr.rstrip().splitlines()[-1] == errors[0]
    assert message in errors[0]
    assert "rollback" not in errors[0] and "beyond" not in errors[0]


def test_refused_generate_writes_nothing(tmp_path: Path) -> None:
    out = tmp_path / "gen"
    for args in (["--start", "9999-12-30"], ["--start", "2999-12-20", "--days", "30"]):
        result = CliRunner().invoke(cli.main, ["data", "generate", str(out), *args])
        assert result.exit_code == 2
        assert not out.exists()  # no half-written day left behind


def test_foreign_database_is_left_untouched(raw_copy: Path, tmp_path: Path) -> None:
    db = _foreign_db(tmp_path)
    before = db.read_bytes()
    result = CliRunner().invoke(cli.main, ["data", "ingest", str(raw_copy), "--db", str(db)])
    assert result.exit_code == 2
    assert str(db) in result.stderr
    assert _query(db, "SELECT count(*) FROM duckdb_schemas() WHERE schema_name = 'bronze'") == [
        (0,)
    ]
    assert db.read_bytes() == before


@pytest.mark.parametrize("fail_commit", [False, True], ids=["during-load", "at-commit"])
def test_full_disk_leaves_nothing_half_loaded(
    raw_copy: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, fail_commit: bool
) -> None:
    args = _full_disk(fail_commit)(tmp_path, raw_copy, monkeypatch)
    assert CliRunner().invoke(cli.main, args).exit_code == 2
    monkeypatch.undo()
    db = tmp_path / "w.duckdb"
    assert _query(db, "SELECT count(*) FROM bronze.ingested_files") == [(0,)]
    result = ingest(raw_copy, db)  # the disk has room again: the next run does the job
    assert result.files_loaded == 12 and result.rebuilt


def test_warehouse_of_an_older_version_is_upgraded(raw_copy: Path, tmp_path: Path) -> None:
    db = tmp_path / "old.duckdb"
    ingest(raw_copy, db)
    con = duckdb.connect(str(db))
    con.execute("DROP TABLE silver.rejected")
    con.execute("ALTER TABLE bronze.quarantine DROP COLUMN raw_hex")
    con.execute("ALTER TABLE bronze.production_batches DROP COLUMN _raw")
    con.close()
    assert rejected_counts(db).empty  # readable before the upgrade
    result = ingest(raw_copy, db)
    assert result.files_loaded == 0 and result.rebuilt
    assert _query(db, "SELECT count(*) FROM silver.rejected") == [(0,)]


def test_sim_events_database_accepts_plant_data(raw_copy: Path, tmp_path: Path) -> None:
    import pandas as pd

    from dtwin.warehouse.events import load_event_log

    db = tmp_path / "twin.duckdb"
    events = pd.DataFrame(
        {"time": [0.0], "entity": ["job-1"], "station": ["press"], "machine": [0], "event": ["x"]}
    )
    load_event_log(db, events, run_id="r1")
    assert ingest(raw_copy, db).files_loaded == 12
