"""Bronze ingestion: lineage, nothing dropped, quarantine, idempotence, crash safety."""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import duckdb
import pandas as pd
import pytest

from dtwin.errors import WarehouseError
from dtwin.warehouse.loading import ingest
from dtwin.warehouse.validation import read_quarantine


def table_fingerprints(db: Path) -> dict[str, tuple[int, int]]:
    """(row count, content hash) of every table in the warehouse (views are derived)."""
    con = duckdb.connect(str(db), read_only=True)
    try:
        names = con.execute(
            "SELECT table_schema, table_name FROM information_schema.tables "
            "WHERE table_schema IN ('bronze', 'silver', 'gold') AND table_type = 'BASE TABLE' "
            "ORDER BY 1, 2"
        ).fetchall()
        prints = {}
        for schema, name in names:
            count, digest = con.execute(
                f'SELECT count(*), coalesce(sum(hash(t)), 0) FROM "{schema}"."{name}" t'
            ).fetchone()
            prints[f"{schema}.{name}"] = (int(count), int(digest))
        return prints
    finally:
        con.close()


def _source_rows(out: Path) -> int:
    """Count the data rows of every raw file independently of the warehouse code."""
    total = 0
    for path in (out / "raw").rglob("*"):
        if not path.is_file():
            continue
        lines = [line for line in path.read_text().split("\n") if line.strip()]
        if path.suffix == ".json":
            total += sum(1 for line in lines if line.strip() not in ("[", "]"))
        else:
            total += len(lines) - 1  # the header
    return total


def _scalar(db: Path, query: str, params: list | None = None) -> object:
    con = duckdb.connect(str(db), read_only=True)
    try:
        return con.execute(query, params or []).fetchone()[0]
    finally:
        con.close()


def test_bronze_rows_carry_lineage(warehouse) -> None:  # noqa: ANN001
    con = duckdb.connect(str(warehouse.db), read_only=True)
    row = con.execute(
        "SELECT _source_file, _line, _loaded_at, _row_hash FROM bronze.production_batches "
        "WHERE _line = 2 ORDER BY _source_file LIMIT 1"
    ).fetchone()
    con.close()
    assert row[0] == "raw/2026-01-01/production_batches.csv"
    assert row[2] is not None and len(row[3]) == 32
    second_line = (warehouse.out / row[0]).read_text().split("\n")[1]
    assert row[3] == hashlib.md5(second_line.encode()).hexdigest()


def test_nothing_is_dropped(warehouse) -> None:  # noqa: ANN001
    bronze = sum(
        _scalar(warehouse.db, f"SELECT count(*) FROM bronze.{kind}")
        for kind in ("sensor_logs", "production_batches", "qc_checks", "operator_logs")
    )
    quarantined = _scalar(warehouse.db, "SELECT count(*) FROM bronze.quarantine")
    assert quarantined > 0
    assert _source_rows(warehouse.out) == bronze + quarantined
    assert warehouse.ingested.rows_loaded == bronze


def test_generated_malformed_lines_are_quarantined(warehouse) -> None:  # noqa: ANN001
    meta = json.loads((warehouse.out / "ground_truth" / "chaos.json").read_text())
    quarantined = _scalar(warehouse.db, "SELECT count(*) FROM bronze.quarantine")
    assert quarantined == meta["injected"]["malformed_rows"]
    sample = read_quarantine(warehouse.db, limit=5)
    assert list(sample.columns) == ["source_file", "line", "kind", "reason", "raw", "raw_hex"]
    first = sample.iloc[0]
    line = (warehouse.out / first["source_file"]).read_text().split("\n")[first["line"] - 1]
    assert line == first["raw"] and first["reason"]


def test_a_malformed_row_lands_in_quarantine_with_file_line_and_reason(raw_copy: Path) -> None:
    path = raw_copy / "raw" / "2026-01-02" / "production_batches.csv"
    lines = path.read_text().rstrip("\n").split("\n")
    good = lines[1].split(",")
    lines.insert(3, ",".join([*good[:5], "twelve", good[6]]))  # becomes line 4
    lines.insert(5, ",".join(good[:3]))  # becomes line 6
    lines.insert(7, lines[1].replace(",", ',"', 1))  # an unbalanced quote, line 8
    path.write_text("\n".join(lines) + "\n")
    db = raw_copy / "w.duckdb"
    ingest(raw_copy, db)
    con = duckdb.connect(str(db), read_only=True)
    rows = con.execute(
        "SELECT line, reason FROM bronze.quarantine WHERE source_file = ? ORDER BY line",
        ["raw/2026-01-02/production_batches.csv"],
    ).fetchall()
    con.close()
    assert rows[0] == (4, "units_produced 'twelve' is not a number (a count is expected)")
    assert rows[1] == (6, "expected 7 fields, found 3")
    assert rows[2][0] == 8 and "quote" in rows[2][1]


@pytest.mark.parametrize(
    ("name", "content", "reason"),
    [
        ("qc_checks.csv", "id,batch\nQC-1,B-1\n", "file header"),
        ("notes.txt", "hello\n", "unknown file name"),
        ("operator_logs.csv", b"log_id\xff\xfe\n", "not UTF-8"),
        (
            "sensor_logs.json",
            '[\n{"machine": "SMELTER-01", "ts": "2026-01-04T00:07:30Z"\n]\n',
            "not a JSON object",
        ),
    ],
    ids=["wrong-header", "unknown-file", "not-utf8", "truncated-json"],
)
def test_malformed_files_are_quarantined(
    raw_copy: Path, name: str, content: str | bytes, reason: str
) -> None:
    folder = raw_copy / "raw" / "2026-01-04"
    folder.mkdir()
    path = folder / name
    path.write_bytes(content if isinstance(content, bytes) else content.encode())
    db = raw_copy / "w.duckdb"
    ingest(raw_copy, db)
    con = duckdb.connect(str(db), read_only=True)
    found = con.execute(
        "SELECT reason FROM bronze.quarantine WHERE source_file = ?", [f"raw/2026-01-04/{name}"]
    ).fetchall()
    con.close()
    assert found and all(reason in r[0] for r in found)


def test_byte_order_mark_and_crlf_are_tolerated(raw_copy: Path) -> None:
    path = raw_copy / "raw" / "2026-01-02" / "qc_checks.csv"
    text = path.read_text()
    path.write_bytes(b"\xef\xbb\xbf" + text.replace("\n", "\r\n").encode())
    db = raw_copy / "w.duckdb"
    ingest(raw_copy, db)
    loaded = _scalar(
        db,
        "SELECT count(*) FROM bronze.qc_checks WHERE _source_file = ?",
        ["raw/2026-01-02/qc_checks.csv"],
    )
    assert loaded == len(text.strip().split("\n")) - 1
    quarantined = _scalar(
        db,
        "SELECT count(*) FROM bronze.quarantine WHERE source_file = ?",
        ["raw/2026-01-02/qc_checks.csv"],
    )
    assert quarantined == 0


def test_reingest_changes_no_table(warehouse, tmp_path: Path) -> None:  # noqa: ANN001
    db = tmp_path / "again.duckdb"
    shutil.copy(warehouse.db, db)
    before = table_fingerprints(db)
    result = ingest(warehouse.out, db)
    assert (result.files_loaded, result.rows_loaded, result.rebuilt) == (0, 0, False)
    assert table_fingerprints(db) == before


def test_incremental_loading_equals_one_shot(raw_copy: Path, tmp_path: Path) -> None:
    partial = tmp_path / "partial"
    (partial / "raw").mkdir(parents=True)
    db = tmp_path / "inc.duckdb"
    for day in ("2026-01-01", "2026-01-02", "2026-01-03"):
        shutil.copytree(raw_copy / "raw" / day, partial / "raw" / day)
        result = ingest(partial, db)
        assert result.files_loaded == 4
    once = tmp_path / "once.duckdb"
    ingest(raw_copy, once)
    for table in ("gold.fact_production", "gold.fact_quality", "gold.fact_energy"):
        frames = [
            duckdb.connect(str(p), read_only=True)
            .execute(f"SELECT * FROM {table} ORDER BY ALL")
            .df()
            for p in (db, once)
        ]
        pd.testing.assert_frame_equal(frames[0], frames[1], rtol=1e-9)


CHANGES = [
    ("row-edited", "qc_checks.csv", lambda t: t.replace(",pass", ",fail", 1)),
    ("row-removed", "qc_checks.csv", lambda t: "\n".join(t.split("\n")[:-2]) + "\n"),
    ("last-line-extended", "operator_logs.csv", lambda t: t.rstrip("\n") + "x\nL-9,,,,,\n"),
    ("record-edited", "sensor_logs.json", lambda t: t.replace('"SMELTER-01"', '"X-1"', 1)),
    (
        "record-inserted",
        "sensor_logs.json",
        lambda t: t.replace("[\n", '[\n{"machine":"S1"},\n', 1),
    ),
]


@pytest.mark.parametrize(("name", "change"), [c[1:] for c in CHANGES], ids=[c[0] for c in CHANGES])
def test_changed_file_is_refused(raw_copy: Path, name: str, change) -> None:  # noqa: ANN001
    db = raw_copy / "w.duckdb"
    ingest(raw_copy, db)
    path = raw_copy / "raw" / "2026-01-02" / name
    path.write_text(change(path.read_text()))
    with pytest.raises(WarehouseError, match=f"{name}: already ingested with other"):
        ingest(raw_copy, db)


def _split(path: Path, keep: int) -> list[str]:
    """Cut ``path`` to its first ``keep`` data rows (a valid file); return the rows cut off."""
    text = path.read_text()
    if path.suffix == ".json":
        records = text.strip()[1:-1].strip().split(",\n")
        path.write_text("[\n" + ",\n".join(records[:keep]) + "\n]\n")
        return records[keep:]
    lines = text.rstrip("\n").split("\n")
    path.write_text("\n".join(lines[: keep + 1]) + "\n")
    return lines[keep + 1 :]


def test_appended_rows_load_and_gold_equals_one_shot(raw_copy: Path, tmp_path: Path) -> None:
    once = tmp_path / "once.duckdb"
    ingest(raw_copy, once)
    day = raw_copy / "raw" / "2026-01-02"
    csv, sensors = day / "production_batches.csv", day / "sensor_logs.json"
    full_csv, full_json = csv.read_text(), sensors.read_text()
    rest_csv, rest_json = _split(csv, 10), _split(sensors, 100)
    db = tmp_path / "grown.duckdb"
    first = ingest(raw_copy, db)
    csv.write_text(csv.read_text() + "\n".join(rest_csv) + "\n")  # rows added at the end
    body = sensors.read_text().rstrip()[:-1].rstrip()  # the array without its closing bracket
    sensors.write_text(body + ",\n" + ",\n".join(rest_json) + "\n]\n")
    assert (csv.read_text(), sensors.read_text()) == (full_csv, full_json)
    grown = ingest(raw_copy, db)
    assert grown.files_loaded == 2 and grown.rebuilt
    assert grown.rows_loaded + grown.rows_quarantined == len(rest_csv) + len(rest_json)
    assert (
        first.rows_loaded + grown.rows_loaded == ingest(raw_copy, tmp_path / "x.duckdb").rows_loaded
    )
    queries = (
        "SELECT * FROM gold.kpi_machine_daily ORDER BY ALL",
        "SELECT source_file, bytes, source_rows, bronze_rows, quarantined_rows "
        "FROM bronze.ingested_files ORDER BY ALL",
        # (the old last record was delivered without its comma: only its _raw differs)
        "SELECT * EXCLUDE (_loaded_at, _load_id, _raw, _row_hash) FROM bronze.sensor_logs "
        "ORDER BY ALL",
    )
    for query in queries:
        frames = [duckdb.connect(str(p), read_only=True).execute(query).df() for p in (db, once)]
        pd.testing.assert_frame_equal(frames[0], frames[1], rtol=1e-9)
    again = ingest(raw_copy, db)
    assert (again.files_loaded, again.rows_loaded, again.rebuilt) == (0, 0, False)


def test_failed_rebuild_rolls_back_and_rerun_completes(
    raw_copy: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import dtwin.warehouse.loading as loading

    def broken(con) -> None:  # noqa: ANN001
        con.execute("CREATE OR REPLACE TABLE gold.fact_production AS SELECT 1 AS half_built")
        raise RuntimeError("power cut")

    db = raw_copy / "w.duckdb"
    monkeypatch.setattr(loading, "build_gold", broken)
    with pytest.raises(RuntimeError, match="power cut"):
        ingest(raw_copy, db)
    tables = _scalar(
        db, "SELECT count(*) FROM information_schema.tables WHERE table_name = 'fact_production'"
    )
    assert tables == 0  # the half-built gold table was rolled back with its transaction
    assert _scalar(db, "SELECT count(*) FROM bronze.ingested_files") == 12  # bronze committed
    monkeypatch.undo()
    result = ingest(raw_copy, db)
    assert result.files_loaded == 0 and result.rebuilt
    assert _scalar(db, "SELECT count(*) FROM gold.fact_production") > 0


CRASH = """
import os, sys
from dtwin.warehouse.loading import ingest

def crash(group):
    if group == 2:
        os._exit(9)  # like a kill: no cleanup, no commit

ingest(sys.argv[1], sys.argv[2], days_per_transaction=1, on_group_loaded=crash)
"""


def test_killed_ingest_leaves_consistent_db_and_rerun_completes(
    raw_copy: Path, tmp_path: Path
) -> None:
    db = tmp_path / "crash.duckdb"
    root = Path(__file__).resolve().parents[3]
    env = {
        **os.environ,
        "PYTHONPATH": os.pathsep.join([str(root), os.environ.get("PYTHONPATH", "")]),
    }
    done = subprocess.run(
        [sys.executable, "-c", CRASH, str(raw_copy), str(db)],
        capture_output=True,
        timeout=120,
        env=env,
    )
    assert done.returncode == 9, done.stderr.decode()
    con = duckdb.connect(str(db))
    files = con.execute("SELECT source_file FROM bronze.ingested_files").fetchall()
    assert sorted(f[0][:14] for f in files) == ["raw/2026-01-01"] * 4  # only group 1 committed
    per_file = con.execute(
        "SELECT f.source_rows, (SELECT count(*) FROM bronze.sensor_logs s "
        "WHERE s._source_file = f.source_file) + (SELECT count(*) FROM bronze.production_batches b "
        "WHERE b._source_file = f.source_file) + (SELECT count(*) FROM bronze.qc_checks q "
        "WHERE q._source_file = f.source_file) + (SELECT count(*) FROM bronze.operator_logs o "
        "WHERE o._source_file = f.source_file) + (SELECT count(*) FROM bronze.quarantine x "
        "WHERE x.source_file = f.source_file) FROM bronze.ingested_files f"
    ).fetchall()
    stray = con.execute(
        "SELECT count(*) FROM bronze.sensor_logs WHERE _source_file NOT LIKE 'raw/2026-01-01/%'"
    ).fetchone()[0]
    con.close()
    assert all(source == loaded for source, loaded in per_file)
    assert stray == 0
    result = ingest(raw_copy, db)
    assert result.files_loaded == 8 and result.rebuilt
    reference = tmp_path / "reference.duckdb"
    ingest(raw_copy, reference)
    queries = (
        "SELECT * FROM gold.kpi_machine_daily ORDER BY ALL",
        "SELECT * EXCLUDE (loaded_at, load_id) FROM bronze.quarantine ORDER BY ALL",
    )
    for query in queries:
        frames = [
            duckdb.connect(str(p), read_only=True).execute(query).df() for p in (db, reference)
        ]
        pd.testing.assert_frame_equal(frames[0], frames[1], rtol=1e-9)
