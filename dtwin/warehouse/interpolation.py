"""Linear interpolation in time of missing sensor values, computed column-wise with numpy.

For each field and each reading where it is NULL: the value on the straight line between the
nearest known values of the same machine before and after it in time (by ``t``), or the one
known neighbour where only one side has one, or NULL where the machine has none. The formula
and its order of operations are those of the SQL it replaces (``prev.v + (next.v - prev.v) *
(t - prev.t) / (next.t - prev.t)``), so the results are the same to the last bit; window
functions over millions of rows cost several times more.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

if TYPE_CHECKING:
    from duckdb import DuckDBPyConnection


def interpolated(
    con: DuckDBPyConnection, table: str, fields: tuple[str, ...], per_day: str | None = None
) -> pa.Table:
    """``t`` and ``<field>_interp`` for each field, one row per row of ``table`` in its scan
    order (join it back with ``POSITIONAL JOIN``); NULL where the field is known.

    With ``per_day`` (a table keyed by ``machine_id`` and ``reading_date``), its other columns
    too: each row's values of its machine and day, NULL where it has none (see
    :func:`matched`).
    """
    names = ", ".join(fields)
    day = ", reading_date" if per_day else ""
    data = con.sql(f"SELECT machine_id, t{day}, {names} FROM {table}").to_arrow_table()
    machines = pc.dictionary_encode(data["machine_id"].combine_chunks()).indices
    t = data["t"].to_numpy()
    order = np.lexsort((t, machines.to_numpy(zero_copy_only=False)))
    machine = machines.to_numpy(zero_copy_only=False)[order]
    columns = {"t": pa.array(t)}
    for field in fields:
        column = data[field].combine_chunks()
        values = column.fill_null(0.0).to_numpy()[order]
        missing = column.is_null().to_numpy(zero_copy_only=False)[order]
        filled = np.full(t.size, np.nan)
        filled[order] = _fill(machine, t[order], values, missing)
        columns[f"{field}_interp"] = pa.array(filled, mask=~np.isfinite(filled))
    if per_day:
        columns.update(matched(data, con.sql(f"SELECT * FROM {per_day}").to_arrow_table()))
    return pa.table(columns)


def matched(rows: pa.Table, per_day: pa.Table) -> dict[str, pa.Array]:
    """The columns of ``per_day`` (keyed by ``machine_id`` and ``reading_date``, one row per
    key) for each row of ``rows``, as a LEFT JOIN on both keys gives them (NULL keys match
    nothing); the values are taken over unchanged."""
    keys = ("machine_id", "reading_date")
    both = pa.concat_arrays(
        [rows["machine_id"].combine_chunks(), per_day["machine_id"].combine_chunks()]
    )
    codes = pc.dictionary_encode(both).indices
    days = pa.concat_arrays(
        [rows["reading_date"].combine_chunks(), per_day["reading_date"].combine_chunks()]
    )
    valid = pc.and_(pc.is_valid(codes), pc.is_valid(days)).to_numpy(zero_copy_only=False)
    code = codes.fill_null(0).to_numpy(zero_copy_only=False).astype(np.int64)
    day = days.cast(pa.int32()).fill_null(0).to_numpy(zero_copy_only=False).astype(np.int64)
    key = np.where(valid, code * (1 << 32) + day - np.iinfo(np.int32).min, -1)
    n = rows.num_rows
    wanted, table_keys = key[:n], key[n:]
    order = np.argsort(table_keys, kind="stable")
    at = np.searchsorted(table_keys[order], wanted)
    at = np.minimum(at, max(table_keys.size - 1, 0))
    found = (wanted >= 0) & (table_keys.size > 0)
    if table_keys.size:
        found &= table_keys[order][at] == wanted
    index = pa.array(np.where(found, order[at] if table_keys.size else 0, 0), mask=~found)
    return {c: per_day[c].take(index) for c in per_day.column_names if c not in keys}


def _fill(machine: np.ndarray, t: np.ndarray, v: np.ndarray, missing: np.ndarray) -> np.ndarray:
    """The interpolation at the missing values of rows sorted by machine and time (NaN where
    there is none and at the known values)."""
    n = t.size
    rows = np.arange(n)
    prev = np.maximum.accumulate(np.where(missing, -1, rows))
    nxt = np.minimum.accumulate(np.where(missing, n, rows)[::-1])[::-1]
    at = np.flatnonzero(missing)
    p, q = prev[at], nxt[at]
    has_p = p >= 0
    has_p[has_p] = machine[p[has_p]] == machine[at[has_p]]
    has_q = q < n
    has_q[has_q] = machine[q[has_q]] == machine[at[has_q]]
    p, q = np.where(has_p, p, 0), np.where(has_q, q, 0)
    out = np.full(n, np.nan)
    with np.errstate(invalid="ignore", divide="ignore"):
        line = v[p] + (v[q] - v[p]) * (t[at] - t[p]) / (t[q] - t[p])
    one = np.where(has_p, v[p], v[q])
    out[at] = np.where(has_p & has_q, line, np.where(has_p | has_q, one, np.nan))
    return out
