"""Ingest a raw folder into DuckDB: new files to bronze, then silver and gold.

Each group of files is loaded in one transaction together with its ``bronze.ingested_files``
rows, and silver + gold are rebuilt in one transaction, so a process killed at any point
leaves a consistent database and the next run finishes the job. A failed write (a full disk)
is reported as itself, never as the failed rollback that follows it.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING

from dtwin.errors import WarehouseError
from dtwin.progress import progress_bar
from dtwin.warehouse.bronze import SourceFile, create_bronze, discover, load_files, new_files
from dtwin.warehouse.catalog import PlantCatalog
from dtwin.warehouse.gold import build_gold, create_gold
from dtwin.warehouse.plant import (
    catalog_digest,
    load_catalog,
    resolve_catalog,
    store_catalog,
    stored_catalog,
)
from dtwin.warehouse.silver import build_silver

if TYPE_CHECKING:
    from duckdb import DuckDBPyConnection


@dataclass(frozen=True)
class IngestResult:
    """What one ingest run did."""

    db_path: Path
    files_found: int
    files_loaded: int
    rows_loaded: int
    rows_quarantined: int
    rebuilt: bool
    seconds: float
    rows_rejected: int = 0  # rows in silver.rejected after this run (all loads, not just this)


INGEST_MEMORY_LIMIT = "2GB"
# Tables a database may hold before its first ingest (sim events loaded into a new file).
_PRE_INGEST_TABLES = {"gold.fact_sim_event", "gold.build_info", "gold.sim_station_events"}
# Columns added after the first release: an older warehouse gets them on its next ingest.
_ADDED_COLUMNS = {"_raw", "raw_hex", "prefix_bytes", "prefix_md5", "prefix_lines"}


def connect(db_path: str | Path, read_only: bool = False) -> DuckDBPyConnection:
    """Open a warehouse database; a missing or foreign file raises WarehouseError."""
    import duckdb

    db_path = Path(db_path)
    if read_only and not db_path.is_file():
        raise WarehouseError(f"{db_path}: no such warehouse; run `dtwin data ingest` first")
    if db_path.is_dir():
        raise WarehouseError(f"{db_path}: is a folder; --db names a DuckDB file")
    if not read_only:
        db_path.parent.mkdir(parents=True, exist_ok=True)
    try:
        con = duckdb.connect(str(db_path), read_only=read_only)
    except duckdb.Error as exc:
        raise WarehouseError(f"{db_path}: cannot open as a DuckDB database: {exc}") from exc
    con.execute("SET enable_progress_bar = false")
    return con


def table_names(con: DuckDBPyConnection) -> set[str]:
    """Every table and view of the open database, as ``schema.name``."""
    rows = con.execute(
        "SELECT schema_name || '.' || table_name FROM duckdb_tables() "
        "WHERE database_name = current_database() AND NOT temporary AND NOT internal "
        "UNION SELECT schema_name || '.' || view_name FROM duckdb_views() "
        "WHERE database_name = current_database() AND NOT temporary AND NOT internal"
    ).fetchall()
    return {r[0] for r in rows}


def check_warehouse(con: DuckDBPyConnection, db_path: str | Path) -> None:
    """Refuse a database that is neither new nor a dtwin warehouse with the expected tables.

    Ingest never writes its schemas into somebody else's database, and a warehouse of another
    layout is named instead of failing half-way with a DuckDB error.
    """
    from dtwin.warehouse.bronze import expected_columns

    names = table_names(con)
    if "bronze.ingested_files" not in names:
        foreign = sorted(names - _PRE_INGEST_TABLES)
        if foreign:
            shown = ", ".join(foreign[:5]) + (", ..." if len(foreign) > 5 else "")
            raise WarehouseError(
                f"{db_path}: not a dtwin warehouse: the database holds other tables ({shown}); "
                "give --db a new file"
            )
        return
    for table, wanted in expected_columns().items():
        if table not in names:
            continue
        schema, name = table.split(".")
        found = {
            r[0]
            for r in con.execute(
                "SELECT column_name FROM duckdb_columns() WHERE database_name = "
                "current_database() AND schema_name = ? AND table_name = ?",
                [schema, name],
            ).fetchall()
        }
        missing = sorted(set(wanted) - found - _ADDED_COLUMNS)
        if missing:
            raise WarehouseError(
                f"{db_path}: {table} lacks column(s) {', '.join(missing)}: the file holds "
                "another schema, not this version's dtwin warehouse; give --db a new file"
            )


@contextlib.contextmanager
def transaction(con: DuckDBPyConnection) -> Iterator[None]:
    """BEGIN ... COMMIT; on any error ROLLBACK, and the original error is the one raised.

    After a failed write (a full disk) DuckDB may have ended the transaction already, so
    ROLLBACK fails too ("cannot rollback - no transaction is active"); that second error is
    kept as a note on the first and never replaces it.
    """
    con.execute("BEGIN TRANSACTION")
    try:
        yield
        con.execute("COMMIT")
    except BaseException as exc:
        try:
            con.execute("ROLLBACK")
        except Exception as rollback_error:  # the first error is the news, keep it
            exc.add_note(f"rollback failed too: {rollback_error}")
        raise


def remove_database(db_path: str | Path) -> None:
    """Delete a warehouse file and its write-ahead log (``<file>.wal``), if they exist."""
    db_path = Path(db_path)
    for stale in (db_path, db_path.with_name(db_path.name + ".wal")):
        stale.unlink(missing_ok=True)


def ingest(
    out: str | Path,
    db_path: str | Path,
    *,
    factory: str | Path | None = None,
    fresh: bool = False,
    days_per_transaction: int = 31,
    progress: bool = False,
    on_group_loaded: Callable[[int], None] | None = None,
) -> IngestResult:
    """Load the new files of ``OUT/raw`` into bronze and rebuild silver and gold if needed.

    Parameters
    ----------
    factory
        The plant's factory YAML, its master data (machines, products, cycle times); default
        ``OUT/plant.yaml``, else the catalogue kept in the warehouse, else the shipped
        ``data/factories/smelter.yaml`` (see :mod:`dtwin.warehouse.plant`).
    fresh
        Start from an empty warehouse: delete ``db_path`` and its write-ahead log first
        (:func:`remove_database`) instead of adding the new files to it.
    days_per_transaction
        How many day folders are loaded per bronze transaction.
    on_group_loaded
        Called with the group number inside each bronze transaction, just before its commit
        (a hook for progress reporting and for crash tests).
    """
    import duckdb

    started = datetime.now(UTC)
    out = Path(out)
    found = discover(out)
    if days_per_transaction < 1:
        raise WarehouseError(f"days_per_transaction: {days_per_transaction} must be at least 1")
    if factory is not None:
        load_catalog(factory)  # a bad factory is refused before the database is touched
    if fresh:
        remove_database(db_path)
    con = connect(db_path)
    try:
        _limit_memory(con)
        check_warehouse(con, db_path)
        catalog, source = resolve_catalog(out, factory, stored_catalog(con))
        with transaction(con):
            create_bronze(con)
            create_gold(con)
            store_catalog(con, catalog, source)
        unseen = new_files(con, found)
        before = _counts(con)
        groups = _groups(unseen, days_per_transaction)
        _load_groups(con, groups, started.replace(tzinfo=None), progress, on_group_loaded)
        after = _counts(con)
        rebuilt = _rebuild_if_stale(con, catalog)
        rejected = con.execute("SELECT count(*) FROM silver.rejected").fetchone()[0]
    except (duckdb.IOException, duckdb.FatalException, duckdb.OutOfMemoryException) as exc:
        with contextlib.suppress(Exception):
            con.close()
        raise WarehouseError(f"{db_path}: cannot write the warehouse: {exc}") from exc
    except BaseException:
        with contextlib.suppress(Exception):  # closing a broken connection must not mask why
            con.close()
        raise
    con.close()
    return IngestResult(
        db_path=Path(db_path),
        files_found=len(found),
        files_loaded=len(unseen),
        rows_loaded=after[0] - before[0],
        rows_quarantined=after[1] - before[1],
        rebuilt=rebuilt,
        seconds=(datetime.now(UTC) - started).total_seconds(),
        rows_rejected=int(rejected),
    )


def _limit_memory(con: DuckDBPyConnection) -> None:
    """Keep DuckDB's working memory under ``INGEST_MEMORY_LIMIT``: a large plant's silver
    rebuild (sorts, windows, joins over millions of readings) spills to ``<db>.tmp`` beyond it
    instead of taking most of the machine's memory (DuckDB's default is 80% of it)."""
    con.execute(f"SET memory_limit = '{INGEST_MEMORY_LIMIT}'")


def _load_groups(
    con: DuckDBPyConnection,
    groups: list[list[SourceFile]],
    loaded_at: datetime,
    progress: bool,
    on_group_loaded: Callable[[int], None] | None,
) -> None:
    """Load each group of files into bronze in its own transaction."""
    # The bar is closed before an error propagates, so it never prints after the error.
    with progress_bar(groups, desc="bronze", progress=progress) as bar:
        for number, group in enumerate(bar, 1):
            load_id = con.execute(
                "SELECT coalesce(max(load_id), 0) + 1 FROM bronze.ingested_files"
            ).fetchone()[0]
            with transaction(con):
                load_files(con, group, load_id, loaded_at)
                if on_group_loaded is not None:
                    on_group_loaded(number)


def _groups(files: list[SourceFile], days: int) -> list[list[SourceFile]]:
    by_day: dict[object, list[SourceFile]] = {}
    for item in files:
        by_day.setdefault(item.file_date, []).append(item)
    ordered = [by_day[k] for k in sorted(by_day, key=lambda d: (d is None, str(d)))]
    return [sum(ordered[i : i + days], []) for i in range(0, len(ordered), days)]


def _counts(con: DuckDBPyConnection) -> tuple[int, int]:
    row = con.execute(
        "SELECT coalesce(sum(bronze_rows), 0), coalesce(sum(quarantined_rows), 0) "
        "FROM bronze.ingested_files"
    ).fetchone()
    return int(row[0]), int(row[1])


def _rebuild_if_stale(con: DuckDBPyConnection, catalog: PlantCatalog) -> bool:
    """Rebuild silver and gold in one transaction unless they match bronze and the
    catalogue already."""
    files, size = con.execute(
        "SELECT count(*), coalesce(sum(bytes), 0) FROM bronze.ingested_files"
    ).fetchone()
    digest = catalog_digest(catalog)
    built = con.execute(
        "SELECT bronze_files, bronze_bytes, catalog_digest FROM gold.build_info LIMIT 1"
    ).fetchone()
    if built == (files, size, digest) and "silver.rejected" in table_names(con):
        return False  # (a warehouse built before silver.rejected existed is rebuilt once)
    with transaction(con):
        build_silver(con, catalog)
        build_gold(con)
        con.execute("DELETE FROM gold.build_info")
        con.execute(
            "INSERT INTO gold.build_info (bronze_files, built_at, bronze_bytes, catalog_digest) "
            "VALUES (?, ?, ?, ?)",
            [files, datetime.now(UTC).replace(tzinfo=None), size, digest],
        )
    return True
