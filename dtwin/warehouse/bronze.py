"""Bronze: raw rows as delivered, with lineage, loaded incrementally and idempotently.

Every file is split into numbered lines by the raw reader (:mod:`dtwin.warehouse.rawlines`:
any line ending, UTF-8 decoded per line), then parsed and checked with set-based SQL. Each
source row lands in exactly one place: its bronze table (with the line as delivered in
``_raw``), or ``bronze.quarantine`` with the file, line, reason and, for a line that is not
text, its original bytes in ``raw_hex``. Files already loaded are skipped. Bronze checks form
(fields, timestamps, numbers); whether a value can be true is silver's job.

A loaded file that has grown since (its ingested *prefix* unchanged: a CSV's whole old
content, a JSON array's content up to its last record, whose trailing comma may be added)
loads only its new lines; a file whose old content changed is refused. ``ingested_files``
keeps each file's prefix (bytes, md5, last line) and its cumulative row counts.
"""

from __future__ import annotations

import contextlib
import dataclasses
import hashlib
import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import TYPE_CHECKING

import pandas as pd

from dtwin.errors import WarehouseError
from dtwin.warehouse.rawfiles import CSV_COLUMNS, FILE_NAMES, FIRST_DAY, LAST_DAY, SENSOR_FIELDS
from dtwin.warehouse.rawlines import clean_lines, split_lines
from dtwin.warehouse.timezones import VALID_TS_SQL, sql

if TYPE_CHECKING:
    import pyarrow as pa
    from duckdb import DuckDBPyConnection

KINDS: tuple[str, ...] = tuple(FILE_NAMES)
KIND_OF_FILE = {name: kind for kind, name in FILE_NAMES.items()}
META_COLUMNS = (
    "_source_file VARCHAR, _line INTEGER, _file_date DATE, _loaded_at TIMESTAMP, "
    "_row_hash VARCHAR, _load_id INTEGER"
)

# Column checks: "text" = required, "opt" = may be empty, "ts" = timestamp with offset,
# "int" = a number (silver checks that it is a whole count), "num" = number or empty.
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
    prefix_bytes: int | None = None  # the part later appends must leave unchanged
    prefix_md5: str | None = None
    prefix_lines: int | None = None  # the number of the prefix's last line
    from_line: int = 0  # load only the lines after this one (a file appended to)


QUARANTINE_COLUMNS = "source_file, line, kind, reason, raw, load_id, loaded_at, raw_hex"
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


def discover(out: Path) -> list[SourceFile]:
    """List the files under ``OUT/raw`` with their kind, day and content hash.

    A folder named like a day (``YYYY-MM-DD``) must be a valid day in the supported range;
    otherwise nothing is loaded and the error names every such folder.
    """
    raw = out / "raw"
    if not raw.is_dir():
        raise WarehouseError(f"{raw}: no raw/ folder; run `dtwin data generate {out}` first")
    paths = sorted(p for p in raw.rglob("*") if p.is_file())
    days, problems = {}, {}
    for folder in sorted({p.parent for p in paths}):
        days[folder], problem = _folder_day(folder.name)
        if problem:
            problems[folder] = problem
    if problems:
        listed = "; ".join(f"{folder}: {why}" for folder, why in problems.items())
        raise WarehouseError(
            f"{listed}; day folders under {raw} are named YYYY-MM-DD, from "
            f"{FIRST_DAY} to {LAST_DAY} (rename or move the folder)"
        )
    found = []
    for path in paths:
        data = path.read_bytes()
        kind = KIND_OF_FILE.get(path.name, "unknown")
        end, lines = _prefix(data, kind)
        found.append(
            SourceFile(
                path=path,
                source_file=path.relative_to(out).as_posix(),
                kind=kind,
                file_date=days[path.parent],
                md5=hashlib.md5(data).hexdigest(),
                size=len(data),
                prefix_bytes=end,
                prefix_md5=None if end is None else hashlib.md5(data[:end]).hexdigest(),
                prefix_lines=lines,
            )
        )
    return found


def _prefix(data: bytes, kind: str) -> tuple[int | None, int | None]:
    """Where a later append must leave the file unchanged: (bytes, number of the last line).

    A JSON array ends at its last record (before the line break and the closing bracket);
    any other file at its end. A UTF-16 file has no prefix (appends to it are refused).
    """
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return None, None
    end = len(data)
    if kind == "sensor_logs":
        body = data.rstrip()
        if body.endswith(b"]"):
            end = len(body[:-1].rstrip())
    head = data[:end]
    breaks = head.count(b"\n") + head.count(b"\r") - head.count(b"\r\n")  # CRLF is one
    lines = breaks + (1 if head and not head.endswith((b"\n", b"\r")) else 0)
    return end, lines


def _folder_day(name: str) -> tuple[date | None, str | None]:
    """The day a folder stands for (None if not named like one) and what is wrong with it."""
    if not _DATE_RE.match(name):
        return None, None
    try:
        day = date.fromisoformat(name)
    except ValueError as exc:
        return None, f"folder name {name!r} is not a valid day ({exc})"
    if not FIRST_DAY <= day <= LAST_DAY:
        return None, f"day {name} is outside the supported range"
    return day, None


def new_files(con: DuckDBPyConnection, found: list[SourceFile]) -> list[SourceFile]:
    """Return the files not loaded yet and those appended to since (with ``from_line``); a
    loaded file whose old content changed is an error."""
    loaded = {
        row[0]: row[1:]
        for row in con.execute(
            "SELECT source_file, md5, prefix_bytes, prefix_md5, prefix_lines "
            "FROM bronze.ingested_files"
        ).fetchall()
    }
    fresh = []
    for item in found:
        seen = loaded.get(item.source_file)
        if seen is None:
            fresh.append(item)
        elif seen[0] != item.md5:
            from_line = _appended_after(item, *seen[1:])
            if from_line is None:
                raise WarehouseError(
                    f"{item.path}: already ingested with other content (md5 {seen[0]}, now "
                    f"{item.md5}); bronze is append-only, deliver corrections as a new file"
                )
            fresh.append(dataclasses.replace(item, from_line=from_line))
    return fresh


def _appended_after(
    item: SourceFile, size: int | None, md5: str | None, lines: int | None
) -> int | None:
    """The last old line when ``item`` only grew past its ingested prefix, else None."""
    if size is None or md5 is None or lines is None or item.size <= size:
        return None
    data = item.path.read_bytes()
    if hashlib.md5(data[:size]).hexdigest() != md5:
        return None
    rest = data[size:]
    if item.kind == "sensor_logs":
        rest = rest[1:] if rest.startswith(b",") else rest  # the old last record's comma
        return lines if rest.startswith((b"\n", b"\r")) else None
    # the old last line must be complete: a break ends it (before or after the prefix)
    ended = size == 0 or data[size - 1 : size] in (b"\n", b"\r")
    return lines if ended or rest.startswith((b"\n", b"\r")) else None


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
        _stage_rows(con, files)
        params = [load_id, loaded_at]
        con.execute(
            f"INSERT INTO bronze.quarantine ({QUARANTINE_COLUMNS}) "
            "SELECT source_file, line, kind, problem, raw, ?, ?, raw_hex "
            "FROM _stage_rows WHERE problem IS NOT NULL",
            params,
        )
        for kind in KINDS:
            _load_kind(con, kind, params)
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


def _stage_rows(con: DuckDBPyConnection, files: list[SourceFile]) -> None:
    """Read the files into ``_stage_rows``: one row per source row, with any problem found.

    It is an Arrow table registered with the connection, read in place (copying millions of
    lines into a temp table first costs more than every scan of it); :func:`load_files`
    unregisters it.
    """
    import pyarrow as pa

    batches = [file_rows(item) for item in files]
    con.register("_stage_rows", pa.Table.from_batches(batches, schema=_stage_schema()))


def _stage_schema() -> pa.Schema:
    """The columns of the staged rows (pyarrow is imported when a load needs it)."""
    import pyarrow as pa

    text = pa.string()
    return pa.schema(
        [("source_file", text), ("kind", text), ("file_date", pa.date32()),
         ("line", pa.int32()), ("raw", text), ("raw_hex", text), ("problem", text)]
    )  # fmt: skip


@dataclass(frozen=True)
class _Lines:
    """A file's lines: numbers and text; the bytes in hex and the problem of a line that is not
    clean text (None for a file that is clean throughout)."""

    numbers: list[int] | None  # None: 1, 2, 3, ... (a clean file)
    texts: list[str]
    hexes: list[str | None] | None = None
    problems: list[str | None] | None = None


def _read(item: SourceFile) -> _Lines:
    """The file's lines: one decode and split for a clean UTF-8 file, else line by line."""
    data = item.path.read_bytes()
    texts = clean_lines(data)
    if texts is not None:
        return _Lines(None, texts)
    lines = split_lines(data)
    return _Lines(
        [ln.line for ln in lines],
        [ln.text for ln in lines],
        [ln.raw_hex for ln in lines],
        [ln.problem for ln in lines],
    )


def file_rows(item: SourceFile) -> pa.RecordBatch:
    """The source rows of one file: every non-blank line except a correct CSV header and the
    brackets of a JSON array, as a batch of (source_file, kind, file_date, line, raw, raw_hex,
    problem).

    Whole-file problems (an unknown file name, a wrong CSV header) are the problem of every
    row of the file, the header line included, so the rows stay counted and visible.
    """
    import pyarrow as pa

    read = _read(item)
    texts = read.texts
    if item.kind == "sensor_logs":
        keep = [i for i, t in enumerate(texts) if (s := t.strip()) and s != "[" and s != "]"]
    else:
        keep = [i for i, t in enumerate(texts) if t.strip()]
    file_problem = None
    header = ",".join(CSV_COLUMNS.get(item.kind, ()))
    if item.kind == "unknown":
        file_problem = f"unknown file name; expected one of: {', '.join(sorted(KIND_OF_FILE))}"
    elif header and keep:
        first = keep[0]
        line_ok = read.problems is None or read.problems[first] is None
        if line_ok and texts[first].strip() == header:
            keep = keep[1:]
        else:
            file_problem = _header_problem(texts[first], header)
    numbers = [i + 1 for i in keep] if read.numbers is None else [read.numbers[i] for i in keep]
    if item.from_line:
        pairs = [(i, n) for i, n in zip(keep, numbers, strict=True) if n > item.from_line]
        keep, numbers = [i for i, _ in pairs], [n for _, n in pairs]
    kept = [texts[i] for i in keep]
    problems = _problems(read, keep, kept, file_problem, header, item.kind)
    hexes = None if read.hexes is None else [read.hexes[i] for i in keep]
    n = len(keep)
    text = pa.string()
    return pa.RecordBatch.from_arrays(
        [
            pa.repeat(pa.scalar(item.source_file, text), n),
            pa.repeat(pa.scalar(item.kind, text), n),
            pa.repeat(pa.scalar(item.file_date, pa.date32()), n),
            pa.array(numbers, pa.int32()),
            pa.array(kept, text),
            pa.nulls(n, text) if hexes is None else pa.array(hexes, text),
            pa.nulls(n, text) if problems is None else pa.array(problems, text),
        ],
        schema=_stage_schema(),
    )


def _problems(
    read: _Lines,
    keep: list[int],
    kept: list[str],
    file_problem: str | None,
    header: str,
    kind: str,
) -> list[str | None] | None:
    """Each kept line's problem (None: no line of the file has one).

    An unknown file's rows all carry its problem; otherwise a line's own problem (not text)
    comes first, then the file's (a wrong header), then a repeated header line.
    """
    if kind == "unknown" or (file_problem and read.problems is None):
        return [file_problem] * len(keep)
    own = [None] * len(keep) if read.problems is None else [read.problems[i] for i in keep]
    if file_problem:
        return [p or file_problem for p in own]
    line_problems: list[str | None] = own
    if header:
        repeat = "line repeats the file header (files joined together?)"
        line_problems = [
            p or (repeat if t.lstrip("\ufeff").strip() == header else None)
            for p, t in zip(line_problems, kept, strict=True)
        ]
    return line_problems if any(p is not None for p in line_problems) else None


def _header_problem(found: str, expected: str) -> str:
    found = found.strip()
    hint = ""
    for name, sep in (("';'", ";"), ("tabs", "\t"), ("'|'", "|")):
        if sep in found and "," not in found:
            hint = f" (fields separated by {name}; expected ',')"
            break
    else:
        if found.count(",") == expected.count(",") and expected.split(",")[0] not in found:
            hint = " (the header line is missing? the first line looks like data)"
    return f"file header {found} is not the expected {expected}{hint}"


def _check_sql(column: str, check: str, json_mode: bool) -> str | None:
    """SQL giving a reason when ``column`` (a parsed cell) fails ``check`` (NULL when it
    passes)."""
    value = f'"{column}"'
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
        # try_cast to BIGINT would round 5.5 to 6: silver checks that the number is whole.
        return (
            f"CASE WHEN try_cast({value} AS DOUBLE) IS NULL "
            f"THEN '{column} ' || {shown} || ' is not a number (a count is expected)' END"
        )
    if check == "num":
        if json_mode:
            kind = f'"_type_{column}"'
            return (
                f"CASE WHEN {kind} IS NOT NULL AND {kind} NOT IN ('NULL', 'DOUBLE', 'BIGINT', "
                f"'UBIGINT') THEN '{column} ' || {shown} || ' is not a number or null' END"
            )
        return (
            f"CASE WHEN {value} IS NOT NULL AND try_cast({value} AS DOUBLE) IS NULL "
            f"THEN '{column} ' || {shown} || ' is not a number' END"
        )
    return None


# The JSON text of a sensor line: trimmed, without the array's comma. Lines as written by the
# plant ('{...},' or '{...}') skip the character-wise trims, which cost more than the parse.
_JSON_BODY = (
    "CASE WHEN prefix(raw, '{') AND suffix(raw, '},') THEN substr(raw, 1, length(raw) - 1) "
    "WHEN prefix(raw, '{') AND suffix(raw, '}') THEN raw ELSE rtrim(trim(raw), ',') END"
)


def _json_lines(columns: list[str], checks: dict[str, str]) -> str:
    """SQL parsing each staged sensor line once: its structure problem (or NULL), each field
    as text and, for the numbers, each field's JSON type."""
    paths = ", ".join(f"'$.{c}'" for c in columns)
    numbers = [c for c in columns if checks[c] == "num"]
    num_paths = ", ".join(f"'$.{c}'" for c in numbers)
    values = ", ".join(
        f"CASE WHEN _json = 'OBJECT' THEN nullif(_v[{i}], '') END AS \"{c}\""
        for i, c in enumerate(columns, start=1)
    )
    types = ", ".join(f'_t[{i}] AS "_type_{c}"' for i, c in enumerate(numbers, start=1))
    return f"""
        SELECT source_file, line, file_date, raw,
               CASE WHEN _json = 'ARRAY'
                    THEN 'line is a whole JSON array; sensor files hold one JSON object per line'
                    WHEN _json IS DISTINCT FROM 'OBJECT' THEN 'line is not a JSON object'
               END AS _structure,
               {values}, {types}
        FROM (
            SELECT *, CASE WHEN _json = 'OBJECT' THEN json_extract_string(body, [{paths}]) END
                          AS _v,
                      CASE WHEN _json = 'OBJECT' THEN json_type(body, [{num_paths}]) END AS _t
            FROM (
                SELECT *, CASE WHEN json_valid(body) THEN json_type(body) END AS _json
                FROM (SELECT source_file, line, file_date, raw, {_JSON_BODY} AS body
                      FROM _stage_rows WHERE kind = 'sensor_logs' AND problem IS NULL)
            )
        )
        """


def _csv_lines(kind: str, columns: list[str]) -> str:
    """SQL splitting each staged CSV line into cells once: its structure problem (or NULL)
    and each field's text."""
    n = len(columns)
    structure = (
        "CASE WHEN list_sum(list_transform(cells, lambda c: length(c) + 1)) <> length(raw) + 1 "
        "THEN 'unbalanced quotes or stray characters' "
        f"WHEN len(cells) <> {n} THEN 'expected {n} fields, found ' || len(cells) END"
    )
    values = ", ".join(
        f"CASE WHEN _structure IS NULL THEN nullif(CASE WHEN cells[{i}] LIKE '\"%' "
        f"THEN replace(cells[{i}][2:-2], '\"\"', '\"') ELSE cells[{i}] END, '') END AS \"{c}\""
        for i, c in enumerate(columns, start=1)
    )
    return f"""
        SELECT source_file, line, file_date, raw, _structure, {values}
        FROM (
            SELECT *, {structure} AS _structure
            FROM (SELECT source_file, line, file_date, raw,
                         regexp_extract_all(raw || ',', '{_CELL_RE}', 1) AS cells
                  FROM _stage_rows WHERE kind = '{kind}' AND problem IS NULL)
        )
        """


def _load_kind(con: DuckDBPyConnection, kind: str, params: list[object]) -> None:
    """Parse, check and split one kind's staged rows into its bronze table or quarantine.

    Each line is parsed once into a temp table; the checks then read its cells.
    """
    checks = CHECKS[kind]
    columns = list(checks)
    json_mode = kind == "sensor_logs"
    parsed = _json_lines(columns, checks) if json_mode else _csv_lines(kind, columns)
    con.execute(f"CREATE OR REPLACE TEMP TABLE _stage_parsed AS {parsed}")
    reasons = ["_structure"] + [
        r for c in columns if (r := _check_sql(c, checks[c], json_mode)) is not None
    ]
    # The structure check must win: field checks on a broken row would only add noise.
    reason = f"coalesce({', '.join(reasons)})"
    quoted = ", ".join(f'"{c}"' for c in columns)
    # the checks are cheap on parsed cells: each insert evaluates them instead of a copy
    con.execute(
        f"""
        INSERT INTO bronze.{kind} ({quoted}, _source_file, _line, _file_date, _loaded_at,
                                   _row_hash, _load_id, _raw)
        SELECT {quoted}, source_file, line, file_date, ?, md5(raw), ?, raw
        FROM _stage_parsed WHERE {reason} IS NULL ORDER BY source_file, line
        """,
        [params[1], params[0]],
    )
    con.execute(
        f"""
        INSERT INTO bronze.quarantine ({QUARANTINE_COLUMNS})
        SELECT source_file, line, '{kind}', reason, raw, ?, ?, NULL
        FROM (SELECT *, {reason} AS reason FROM _stage_parsed) WHERE reason IS NOT NULL
        """,
        params,
    )
    con.execute("DROP TABLE _stage_parsed")
