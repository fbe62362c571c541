"""Bronze: raw rows as delivered, with lineage, loaded incrementally and idempotently.

Every file is read as text lines by DuckDB (``read_blob``), split, parsed and checked with
set-based SQL. Each source row lands in exactly one place: its bronze table, or
``bronze.quarantine`` with the file, line and reason. Files already loaded are skipped.
"""

from __future__ import annotations

import contextlib
import hashlib
import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import TYPE_CHECKING

import pandas as pd

from dtwin.errors import WarehouseError
from dtwin.warehouse.generate import CSV_COLUMNS, FILE_NAMES, SENSOR_FIELDS
from dtwin.warehouse.timezones import VALID_TS_SQL, sql

if TYPE_CHECKING:
    from duckdb import DuckDBPyConnection

KINDS: tuple[str, ...] = tuple(FILE_NAMES)
KIND_OF_FILE = {name: kind for kind, name in FILE_NAMES.items()}
META_COLUMNS = (
    "_source_file VARCHAR, _line INTEGER, _file_date DATE, _loaded_at TIMESTAMP, "
    "_row_hash VARCHAR, _load_id INTEGER"
)

# Column checks: "text" = required, "opt" = may be empty, "ts" = timestamp with offset,
# "int" = whole number >= 0, "num" = number or empty.
CHECKS: dict[str, dict[str, str]] = {
    "production_batches": {
        "batch_id": "text",
        "machine_id": "text",
        "product": "text",
        "start_time": "ts",
        "end_time": "ts",
        "units_produced": "int",
        "operator": "opt",
    },
    "qc_checks": {
        "qc_id": "text",
        "batch_id": "text",
        "checked_at": "ts",
        "inspected_units": "int",
        "defective_units": "int",
        "inspector": "opt",
        "result": "opt",
    },
    "operator_logs": {
        "log_id": "text",
        "timestamp": "ts",
        "machine_id": "text",
        "operator": "opt",
        "event": "text",
        "detail": "opt",
    },
    "sensor_logs": {"machine": "text", "ts": "ts", **{f: "num" for f in SENSOR_FIELDS}},
}

_DATE_RE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_CELL_RE = '("(?:[^"]|"")*"|[^,"]*),'


@dataclass(frozen=True)
class SourceFile:
    """A raw file found under ``OUT/raw``."""

    path: Path
    source_file: str  # path relative to OUT, POSIX style
    kind: str  # one of KINDS, or "unknown"
    file_date: date | None
    md5: str
    size: int


def create_bronze(con: DuckDBPyConnection) -> None:
    """Create the bronze schema and tables if they are missing."""
    con.execute("CREATE SCHEMA IF NOT EXISTS bronze")
    for kind, checks in CHECKS.items():
        cols = ", ".join(f'"{c}" VARCHAR' for c in checks)
        con.execute(f"CREATE TABLE IF NOT EXISTS bronze.{kind} ({cols}, {META_COLUMNS})")
    con.execute(
        "CREATE TABLE IF NOT EXISTS bronze.quarantine (source_file VARCHAR, line INTEGER, "
        "kind VARCHAR, reason VARCHAR, raw VARCHAR, load_id INTEGER, loaded_at TIMESTAMP)"
    )
    con.execute(
        "CREATE TABLE IF NOT EXISTS bronze.ingested_files (source_file VARCHAR PRIMARY KEY, "
        "kind VARCHAR, file_date DATE, md5 VARCHAR, bytes BIGINT, source_rows INTEGER, "
        "bronze_rows INTEGER, quarantined_rows INTEGER, load_id INTEGER, loaded_at TIMESTAMP)"
    )


def discover(out: Path) -> list[SourceFile]:
    """List the files under ``OUT/raw`` with their kind, day and content hash."""
    raw = out / "raw"
    if not raw.is_dir():
        raise WarehouseError(f"{raw}: no raw/ folder; run `dtwin data generate {out}` first")
    found = []
    for path in sorted(p for p in raw.rglob("*") if p.is_file()):
        data = path.read_bytes()
        folder = path.parent.name
        file_date = date.fromisoformat(folder) if _DATE_RE.match(folder) else None
        found.append(
            SourceFile(
                path=path,
                source_file=path.relative_to(out).as_posix(),
                kind=KIND_OF_FILE.get(path.name, "unknown"),
                file_date=file_date,
                md5=hashlib.md5(data).hexdigest(),
                size=len(data),
            )
        )
    return found


def new_files(con: DuckDBPyConnection, found: list[SourceFile]) -> list[SourceFile]:
    """Return the files not loaded yet; a loaded file whose content changed is an error."""
    loaded = dict(con.execute("SELECT source_file, md5 FROM bronze.ingested_files").fetchall())
    fresh = []
    for item in found:
        seen = loaded.get(item.source_file)
        if seen is None:
            fresh.append(item)
        elif seen != item.md5:
            raise WarehouseError(
                f"{item.path}: already ingested with other content (md5 {seen}, now {item.md5}); "
                "bronze is append-only, deliver corrections as a new file"
            )
    return fresh


def load_files(
    con: DuckDBPyConnection, files: Iterable[SourceFile], load_id: int, loaded_at: datetime
) -> None:
    """Load a group of new files into bronze (the caller owns the transaction)."""
    files = list(files)
    if not files:
        return
    meta = pd.DataFrame(
        {
            "path": [str(f.path) for f in files],
            "source_file": [f.source_file for f in files],
            "kind": [f.kind for f in files],
            "file_date": [f.file_date for f in files],
            "md5": [f.md5 for f in files],
            "bytes": [f.size for f in files],
        }
    )
    con.register("_stage_meta", meta)
    try:
        _stage_lines(con, [str(f.path) for f in files])
        params = [load_id, loaded_at]
        _quarantine_files(con, params)
        for kind in KINDS:
            _load_kind(con, kind, params)
        con.execute(
            """
            INSERT INTO bronze.ingested_files
            SELECT m.source_file, m.kind, CAST(m.file_date AS DATE), m.md5, m.bytes,
                   (SELECT count(*) FROM _stage_rows r WHERE r.source_file = m.source_file),
                   0, 0, ?, ?
            FROM _stage_meta m
            """,
            params,
        )
        for kind in KINDS:
            con.execute(
                f"""
                UPDATE bronze.ingested_files f SET bronze_rows = c.n
                FROM (SELECT _source_file, count(*) AS n FROM bronze.{kind}
                      WHERE _load_id = ? GROUP BY _source_file) c
                WHERE f.source_file = c._source_file AND f.load_id = ?
                """,
                [load_id, load_id],
            )
        con.execute(
            """
            UPDATE bronze.ingested_files f SET quarantined_rows = c.n
            FROM (SELECT source_file, count(*) AS n FROM bronze.quarantine
                  WHERE load_id = ? GROUP BY source_file) c
            WHERE f.source_file = c.source_file AND f.load_id = ?
            """,
            [load_id, load_id],
        )
    finally:
        with contextlib.suppress(Exception):  # an aborted transaction refuses; the error wins
            con.unregister("_stage_meta")


def _stage_lines(con: DuckDBPyConnection, paths: list[str]) -> None:
    """Split the staged files into numbered text lines; keep only source rows."""
    con.execute(
        """
        CREATE OR REPLACE TEMP TABLE _stage_text AS
        SELECT m.source_file, m.kind, CAST(m.file_date AS DATE) AS file_date,
               regexp_replace(try(decode(b.content)), '^' || chr(65279), '') AS text
        FROM read_blob(?) b
        JOIN _stage_meta m ON m.path = b.filename
        """,
        [paths],
    )
    # A source row is a non-blank line that is not a CSV header or a JSON array bracket.
    con.execute(
        """
        CREATE OR REPLACE TEMP TABLE _stage_rows AS
        WITH lines AS (
            SELECT source_file, kind, file_date,
                   unnest(string_split(replace(text, chr(13), ''), chr(10))) AS raw,
                   generate_subscripts(string_split(replace(text, chr(13), ''), chr(10)), 1)
                       AS line
            FROM _stage_text WHERE text IS NOT NULL
        )
        SELECT * FROM lines
        WHERE trim(raw) <> ''
          AND NOT (kind = 'sensor_logs' AND trim(raw) IN ('[', ']'))
          AND NOT (kind NOT IN ('sensor_logs', 'unknown') AND line = 1)
        UNION ALL
        SELECT source_file, kind, file_date, NULL AS raw, NULL AS line
        FROM _stage_text WHERE text IS NULL
        """
    )
    con.execute(
        """
        CREATE OR REPLACE TEMP TABLE _stage_headers AS
        SELECT source_file, kind,
               split_part(replace(text, chr(13), ''), chr(10), 1) AS header
        FROM _stage_text WHERE text IS NOT NULL AND kind NOT IN ('sensor_logs', 'unknown')
        """
    )


def _quarantine_files(con: DuckDBPyConnection, params: list[object]) -> None:
    """Whole-file problems: unreadable text, unknown file names, wrong CSV headers."""
    names = ", ".join(sorted(KIND_OF_FILE))
    con.execute(
        f"""
        INSERT INTO bronze.quarantine
        SELECT r.source_file, r.line, r.kind,
               CASE WHEN r.raw IS NULL THEN 'file is not UTF-8 text'
                    ELSE 'unknown file name; expected one of: {names}' END,
               r.raw, ?, ?
        FROM _stage_rows r WHERE r.raw IS NULL OR r.kind = 'unknown'
        """,
        params,
    )
    for kind, columns in CSV_COLUMNS.items():
        expected = ",".join(columns)
        con.execute(
            """
            INSERT INTO bronze.quarantine
            SELECT r.source_file, r.line, r.kind,
                   'file header ' || h.header || ' is not the expected ' || ?, r.raw, ?, ?
            FROM _stage_rows r JOIN _stage_headers h USING (source_file)
            WHERE r.kind = ? AND r.raw IS NOT NULL AND trim(h.header) <> ?
            """,
            [expected, *params, kind, expected],
        )


def _check_sql(column: str, value: str, check: str, json_mode: bool) -> str | None:
    """SQL giving a reason when ``value`` fails ``check`` (NULL when it passes)."""
    shown = f"coalesce('''' || {value} || '''', 'empty')"
    if check == "text":
        return f"CASE WHEN {value} IS NULL THEN '{column} is empty' END"
    if check == "ts":
        valid = sql(VALID_TS_SQL, value)
        return (
            f"CASE WHEN {value} IS NULL OR NOT {valid} THEN '{column} ' || {shown} || "
            "' is not a timestamp like 2026-01-05T09:30:00Z or 2026-01-05T10:30:00+01:00' END"
        )
    if check == "int":
        return (
            f"CASE WHEN try_cast({value} AS BIGINT) IS NULL OR try_cast({value} AS BIGINT) < 0 "
            f"THEN '{column} ' || {shown} || ' is not a whole number >= 0' END"
        )
    if check == "num":
        if json_mode:
            kind = f"json_type(j, '$.{column}')"
            return (
                f"CASE WHEN {kind} IS NOT NULL AND {kind} NOT IN ('NULL', 'DOUBLE', 'BIGINT', "
                f"'UBIGINT') THEN '{column} ' || {shown} || ' is not a number or null' END"
            )
        return (
            f"CASE WHEN {value} IS NOT NULL AND try_cast({value} AS DOUBLE) IS NULL "
            f"THEN '{column} ' || {shown} || ' is not a number' END"
        )
    return None


def _load_kind(con: DuckDBPyConnection, kind: str, params: list[object]) -> None:
    """Parse, check and split one kind's staged rows into its bronze table or quarantine."""
    checks = CHECKS[kind]
    columns = list(checks)
    if kind == "sensor_logs":
        body = "rtrim(trim(raw), ',')"
        parsed = f"""
            SELECT *, CASE WHEN json_valid({body}) AND json_type({body}) = 'OBJECT'
                           THEN CAST({body} AS JSON) END AS j
            FROM _stage_rows WHERE kind = 'sensor_logs' AND raw IS NOT NULL
        """
        values = {c: f"nullif(j->>'$.{c}', '')" for c in columns}
        structure = "CASE WHEN j IS NULL THEN 'line is not a JSON object' END"
    else:
        parsed = f"""
            SELECT r.*, regexp_extract_all(r.raw || ',', '{_CELL_RE}', 1) AS cells
            FROM _stage_rows r JOIN _stage_headers h USING (source_file)
            WHERE r.kind = '{kind}' AND r.raw IS NOT NULL
              AND trim(h.header) = '{",".join(columns)}'
        """
        values = {
            c: (
                f"nullif(CASE WHEN cells[{i}] LIKE '\"%' THEN replace(cells[{i}][2:-2], '\"\"', "
                f"'\"') ELSE cells[{i}] END, '')"
            )
            for i, c in enumerate(columns, start=1)
        }
        n = len(columns)
        structure = (
            "CASE WHEN list_sum(list_transform(cells, lambda c: length(c) + 1)) <> length(raw) + 1 "
            "THEN 'unbalanced quotes or stray characters' "
            f"WHEN len(cells) <> {n} THEN 'expected {n} fields, found ' || len(cells) END"
        )
    json_mode = kind == "sensor_logs"
    reasons = [structure] + [
        r for c in columns if (r := _check_sql(c, values[c], checks[c], json_mode)) is not None
    ]
    if kind == "qc_checks":
        reasons.append(
            f"CASE WHEN try_cast({values['defective_units']} AS BIGINT) > "
            f"try_cast({values['inspected_units']} AS BIGINT) "
            "THEN 'defective_units exceeds inspected_units' END"
        )
    # The structure check must win: field checks on a broken row would only add noise.
    reason = f"coalesce({', '.join(reasons)})"
    select_values = ", ".join(
        f'CASE WHEN ({structure}) IS NULL THEN {values[c]} END AS "{c}"' for c in columns
    )
    con.execute(
        f"""
        CREATE OR REPLACE TEMP TABLE _stage_checked AS
        SELECT source_file, line, file_date, raw, {select_values},
               {reason} AS reason
        FROM ({parsed})
        """
    )
    quoted = ", ".join(f'"{c}"' for c in columns)
    con.execute(
        f"""
        INSERT INTO bronze.{kind}
        SELECT {quoted}, source_file, line, file_date, ?, md5(raw), ?
        FROM _stage_checked WHERE reason IS NULL ORDER BY source_file, line
        """,
        [params[1], params[0]],
    )
    con.execute(
        f"""
        INSERT INTO bronze.quarantine
        SELECT source_file, line, '{kind}', reason, raw, ?, ?
        FROM _stage_checked WHERE reason IS NOT NULL
        """,
        params,
    )
