"""Bronze's checks of form: each staged line parsed once, then split into its bronze table or
``bronze.quarantine`` (with the reason) by set-based SQL.

Bronze checks form (fields, timestamps, numbers); whether a value can be true is silver's job.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from dtwin.warehouse.rawfiles import SENSOR_FIELDS
from dtwin.warehouse.timezones import VALID_TS_SQL, sql

if TYPE_CHECKING:
    from duckdb import DuckDBPyConnection

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

QUARANTINE_COLUMNS = "source_file, line, kind, reason, raw, load_id, loaded_at, raw_hex"
_CELL_RE = '("(?:[^"]|"")*"|[^,"]*),'


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


def load_kind(
    con: DuckDBPyConnection, kind: str, params: list[object], ordered: bool = False
) -> None:
    """Parse, check and split one kind's staged rows into its bronze table or quarantine.

    Each line is parsed and checked once into a temp table (its reason, NULL when it passes);
    the two inserts then only filter it. ``ordered``: the staged rows are in (file, line)
    order already, and bronze keeps them in that order without sorting them again.
    """
    checks = CHECKS[kind]
    columns = list(checks)
    json_mode = kind == "sensor_logs"
    parsed = _json_lines(columns, checks) if json_mode else _csv_lines(kind, columns)
    reasons = ["_structure"] + [
        r for c in columns if (r := _check_sql(c, checks[c], json_mode)) is not None
    ]
    # The structure check must win: field checks on a broken row would only add noise.
    reason = f"coalesce({', '.join(reasons)})"
    con.execute(
        f"CREATE OR REPLACE TEMP TABLE _stage_parsed AS SELECT *, {reason} AS _reason "
        f"FROM ({parsed})"
    )
    quoted = ", ".join(f'"{c}"' for c in columns)
    order = "" if ordered else "ORDER BY source_file, line"
    con.execute(
        f"""
        INSERT INTO bronze.{kind} ({quoted}, _source_file, _line, _file_date, _loaded_at,
                                   _row_hash, _load_id, _raw)
        SELECT {quoted}, source_file, line, file_date, ?, md5(raw), ?, raw
        FROM _stage_parsed WHERE _reason IS NULL {order}
        """,
        [params[1], params[0]],
    )
    con.execute(
        f"""
        INSERT INTO bronze.quarantine ({QUARANTINE_COLUMNS})
        SELECT source_file, line, '{kind}', _reason, raw, ?, ?, NULL
        FROM _stage_parsed WHERE _reason IS NOT NULL
        """,
        params,
    )
    con.execute("DROP TABLE _stage_parsed")
