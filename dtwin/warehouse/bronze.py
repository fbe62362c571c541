"""Bronze: raw rows as delivered, with lineage, loaded incrementally and idempotently.

Each source row lands in exactly one place: its bronze table (with the line as delivered in
``_raw``), or ``bronze.quarantine`` with the file, line, reason and, for a line that is not
text, its original bytes in ``raw_hex``. Files already loaded are skipped; a file appended to
loads only its new lines (:mod:`.sourcefiles`). ``ingested_files`` keeps each file's prefix
(bytes, md5, last line) and its cumulative row counts.

The steps live in their own modules: finding the files and their appends
(:mod:`.sourcefiles`), reading them into one staged table (:mod:`.staging`), and parsing and
checking each line once (:mod:`.bronzeparse`).
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterable
from datetime import datetime
from itertools import pairwise
from typing import TYPE_CHECKING

import pandas as pd

from dtwin.warehouse.bronzeparse import CHECKS, QUARANTINE_COLUMNS, load_kind
from dtwin.warehouse.sourcefiles import KIND_OF_FILE, KINDS, SourceFile, discover, new_files
from dtwin.warehouse.staging import file_rows, stage_rows

if TYPE_CHECKING:
    from duckdb import DuckDBPyConnection

__all__ = [
    "CHECKS", "KINDS", "KIND_OF_FILE", "SourceFile", "create_bronze", "discover",
    "expected_columns", "file_rows", "load_files", "new_files",
]  # fmt: skip

META_COLUMNS = (
    "_source_file VARCHAR, _line INTEGER, _file_date DATE, _loaded_at TIMESTAMP, "
    "_row_hash VARCHAR, _load_id INTEGER"
)
PREFIX_COLUMNS = ("prefix_bytes BIGINT", "prefix_md5 VARCHAR", "prefix_lines INTEGER")


def create_bronze(con: DuckDBPyConnection) -> None:
    """Create the bronze schema and tables if they are missing (and add newer columns)."""
    con.execute("CREATE SCHEMA IF NOT EXISTS bronze")
    for kind, checks in CHECKS.items():
        cols = ", ".join(f'"{c}" VARCHAR' for c in checks)
        con.execute(
            f"CREATE TABLE IF NOT EXISTS bronze.{kind} ({cols}, {META_COLUMNS}, _raw VARCHAR)"
        )
        con.execute(f"ALTER TABLE bronze.{kind} ADD COLUMN IF NOT EXISTS _raw VARCHAR")
    con.execute(
        "CREATE TABLE IF NOT EXISTS bronze.quarantine (source_file VARCHAR, line INTEGER, "
        "kind VARCHAR, reason VARCHAR, raw VARCHAR, load_id INTEGER, loaded_at TIMESTAMP, "
        "raw_hex VARCHAR)"
    )
    con.execute("ALTER TABLE bronze.quarantine ADD COLUMN IF NOT EXISTS raw_hex VARCHAR")
    con.execute(
        "CREATE TABLE IF NOT EXISTS bronze.ingested_files (source_file VARCHAR PRIMARY KEY, "
        "kind VARCHAR, file_date DATE, md5 VARCHAR, bytes BIGINT, source_rows INTEGER, "
        "bronze_rows INTEGER, quarantined_rows INTEGER, load_id INTEGER, loaded_at TIMESTAMP)"
    )
    for column in PREFIX_COLUMNS:
        con.execute(f"ALTER TABLE bronze.ingested_files ADD COLUMN IF NOT EXISTS {column}")


def expected_columns() -> dict[str, tuple[str, ...]]:
    """The columns of every bronze table, by ``bronze.<name>``."""
    meta = tuple(part.split()[0] for part in META_COLUMNS.split(", "))
    tables = {f"bronze.{kind}": (*checks, *meta, "_raw") for kind, checks in CHECKS.items()}
    tables["bronze.quarantine"] = tuple(QUARANTINE_COLUMNS.split(", "))
    tables["bronze.plant_catalog"] = ("digest", "source", "catalog_json", "stored_at")
    tables["bronze.ingested_files"] = (
        "source_file", "kind", "file_date", "md5", "bytes", "source_rows", "bronze_rows",
        "quarantined_rows", "load_id", "loaded_at", "prefix_bytes", "prefix_md5", "prefix_lines",
    )  # fmt: skip
    return tables


def load_files(
    con: DuckDBPyConnection, files: Iterable[SourceFile], load_id: int, loaded_at: datetime
) -> None:
    """Load a group of new files into bronze (the caller owns the transaction)."""
    files = list(files)
    if not files:
        return
    meta = pd.DataFrame(
        {
            "source_file": [f.source_file for f in files],
            "kind": [f.kind for f in files],
            "file_date": [f.file_date.isoformat() if f.file_date else None for f in files],
            "md5": [f.md5 for f in files],
            "bytes": [f.size for f in files],
            "prefix_bytes": [f.prefix_bytes for f in files],
            "prefix_md5": [f.prefix_md5 for f in files],
            "prefix_lines": [f.prefix_lines for f in files],
        }
    )
    con.register("_stage_meta", meta)
    try:
        _forget_appended(con, [f.source_file for f in files if f.from_line])
        stage_rows(con, files)
        params = [load_id, loaded_at]
        con.execute(
            f"INSERT INTO bronze.quarantine ({QUARANTINE_COLUMNS}) "
            "SELECT source_file, line, kind, problem, raw, ?, ?, raw_hex "
            "FROM _stage_rows WHERE problem IS NOT NULL",
            params,
        )
        # staged in file order: the rows are in (file, line) order when the names are
        ordered = all(a.source_file < b.source_file for a, b in pairwise(files))
        for kind in KINDS:
            load_kind(con, kind, params, ordered)
        _record_files(con, params)
        con.execute(
            "UPDATE bronze.ingested_files f SET source_rows = f.source_rows + o.source_rows, "
            "bronze_rows = f.bronze_rows + o.bronze_rows, "
            "quarantined_rows = f.quarantined_rows + o.quarantined_rows "
            "FROM _stage_old o WHERE f.source_file = o.source_file"
        )
    finally:
        with contextlib.suppress(Exception):  # an aborted transaction refuses; the error wins
            con.unregister("_stage_meta")
        with contextlib.suppress(Exception):
            con.unregister("_stage_rows")


def _forget_appended(con: DuckDBPyConnection, names: list[str]) -> None:
    """Keep the counts of the files appended to in ``_stage_old`` and drop their old rows of
    ``ingested_files`` (the new rows add the counts back)."""
    select = (
        "CREATE OR REPLACE TEMP TABLE _stage_old AS SELECT source_file, source_rows, "
        "bronze_rows, quarantined_rows FROM bronze.ingested_files WHERE "
    )
    if not names:
        con.execute(select + "false")
    else:
        con.execute(select + "list_contains(?, source_file)", [names])
        con.execute(
            "DELETE FROM bronze.ingested_files WHERE list_contains(?, source_file)", [names]
        )


def _record_files(con: DuckDBPyConnection, params: list[object]) -> None:
    """Add the files to ``bronze.ingested_files`` with their source, bronze and quarantine rows."""
    load_id = params[0]
    con.execute(
        """
        INSERT INTO bronze.ingested_files
        SELECT m.source_file, m.kind, CAST(m.file_date AS DATE), m.md5, m.bytes,
               (SELECT count(*) FROM _stage_rows r WHERE r.source_file = m.source_file),
               0, 0, ?, ?, m.prefix_bytes, CAST(m.prefix_md5 AS VARCHAR),
               CAST(m.prefix_lines AS INTEGER)
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
