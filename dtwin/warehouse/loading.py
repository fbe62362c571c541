"""Ingest a raw folder into DuckDB: new files to bronze, then silver and gold.

Each group of files is loaded in one transaction together with its ``bronze.ingested_files``
rows, and silver + gold are rebuilt in one transaction, so a process killed at any point
leaves a consistent database and the next run finishes the job.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING

from tqdm.auto import tqdm

from dtwin.errors import WarehouseError
from dtwin.warehouse.bronze import SourceFile, create_bronze, discover, load_files, new_files
from dtwin.warehouse.gold import build_gold, create_gold
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


def connect(db_path: str | Path, read_only: bool = False) -> DuckDBPyConnection:
    """Open a warehouse database; a missing or foreign file raises WarehouseError."""
    import duckdb

    db_path = Path(db_path)
    if read_only and not db_path.is_file():
        raise WarehouseError(f"{db_path}: no such warehouse; run `dtwin data ingest` first")
    if not read_only:
        db_path.parent.mkdir(parents=True, exist_ok=True)
    try:
        con = duckdb.connect(str(db_path), read_only=read_only)
    except duckdb.Error as exc:
        raise WarehouseError(f"{db_path}: cannot open as a DuckDB database: {exc}") from exc
    con.execute("SET enable_progress_bar = false")
    return con


def ingest(
    out: str | Path,
    db_path: str | Path,
    *,
    days_per_transaction: int = 31,
    progress: bool = False,
    on_group_loaded: Callable[[int], None] | None = None,
) -> IngestResult:
    """Load the new files of ``OUT/raw`` into bronze and rebuild silver and gold if needed.

    Parameters
    ----------
    days_per_transaction
        How many day folders are loaded per bronze transaction.
    on_group_loaded
        Called with the group number inside each bronze transaction, just before its commit
        (a hook for progress reporting and for crash tests).
    """
    started = datetime.now(UTC)
    out = Path(out)
    found = discover(out)
    con = connect(db_path)
    try:
        con.execute("BEGIN TRANSACTION")
        create_bronze(con)
        create_gold(con)
        con.execute("COMMIT")
        fresh = new_files(con, found)
        loaded_at = started.replace(tzinfo=None)
        groups = _groups(fresh, days_per_transaction)
        before = _counts(con)
        for number, group in enumerate(tqdm(groups, desc="bronze", disable=not progress), 1):
            load_id = con.execute(
                "SELECT coalesce(max(load_id), 0) + 1 FROM bronze.ingested_files"
            ).fetchone()[0]
            con.execute("BEGIN TRANSACTION")
            try:
                load_files(con, group, load_id, loaded_at)
                if on_group_loaded is not None:
                    on_group_loaded(number)
                con.execute("COMMIT")
            except BaseException:
                con.execute("ROLLBACK")
                raise
        after = _counts(con)
        rebuilt = _rebuild_if_stale(con)
    finally:
        con.close()
    seconds = (datetime.now(UTC) - started).total_seconds()
    return IngestResult(
        db_path=Path(db_path),
        files_found=len(found),
        files_loaded=len(fresh),
        rows_loaded=after[0] - before[0],
        rows_quarantined=after[1] - before[1],
        rebuilt=rebuilt,
        seconds=seconds,
    )


def _groups(files: list[SourceFile], days: int) -> list[list[SourceFile]]:
    if days < 1:
        raise WarehouseError(f"days_per_transaction: {days} must be at least 1")
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


def _rebuild_if_stale(con: DuckDBPyConnection) -> bool:
    """Rebuild silver and gold in one transaction unless they match bronze already."""
    files = con.execute("SELECT count(*) FROM bronze.ingested_files").fetchone()[0]
    built = con.execute("SELECT max(bronze_files) FROM gold.build_info").fetchone()[0]
    if built == files:
        return False
    con.execute("BEGIN TRANSACTION")
    try:
        build_silver(con)
        build_gold(con)
        con.execute("DELETE FROM gold.build_info")
        con.execute(
            "INSERT INTO gold.build_info VALUES (?, ?)",
            [files, datetime.now(UTC).replace(tzinfo=None)],
        )
        con.execute("COMMIT")
    except BaseException:
        con.execute("ROLLBACK")
        raise
    return True
