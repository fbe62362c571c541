"""Interpolation of missing sensor values: the same values as the window-function SQL."""

from __future__ import annotations

import duckdb
import numpy as np

from dtwin.warehouse.interpolation import interpolated

# The SQL that silver used before: neighbours by window functions, then the line between.
WINDOW_SQL = """
    SELECT machine_id, t,
           CASE WHEN {f} IS NULL THEN
               CASE WHEN p IS NOT NULL AND n IS NOT NULL
                    THEN p.v + (n.v - p.v) * (t - p.t) / (n.t - p.t)
                    ELSE coalesce(p.v, n.v) END
           END
    FROM (
        SELECT *,
            last_value(CASE WHEN {f} IS NOT NULL THEN {{'t': t, 'v': {f}}} END IGNORE NULLS)
                OVER (PARTITION BY machine_id ORDER BY t
                      ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING) AS p,
            first_value(CASE WHEN {f} IS NOT NULL THEN {{'t': t, 'v': {f}}} END IGNORE NULLS)
                OVER (PARTITION BY machine_id ORDER BY t
                      ROWS BETWEEN 1 FOLLOWING AND UNBOUNDED FOLLOWING) AS n
        FROM readings)
"""


def _reference(con: duckdb.DuckDBPyConnection, field: str) -> dict[tuple[str, float], float]:
    rows = con.execute(WINDOW_SQL.format(f=field)).fetchall()
    return {(m, t): v for m, t, v in rows}


def test_interpolation_matches_the_window_functions() -> None:
    rng = np.random.default_rng(3)
    n = 3000
    machine = rng.choice(["M-1", "M-2", "M-3"], n)
    t = rng.permutation(n).astype(float) * 300.0  # unsorted, unique per machine
    a = np.where(rng.random(n) < 0.3, np.nan, rng.normal(10, 3, n))
    b = np.where(rng.random(n) < 0.97, np.nan, rng.normal(0, 1, n))  # long gaps, edges
    con = duckdb.connect()
    con.execute("CREATE TABLE readings (machine_id VARCHAR, t DOUBLE, a DOUBLE, b DOUBLE)")
    con.executemany(
        "INSERT INTO readings VALUES (?, ?, ?, ?)",
        [[m, x, None if np.isnan(u) else u, None if np.isnan(v) else v]
         for m, x, u, v in zip(machine.tolist(), t.tolist(), a.tolist(), b.tolist(), strict=True)],
    )  # fmt: skip
    got = interpolated(con, "readings", ("a", "b")).to_pydict()
    keys = con.execute("SELECT machine_id, t FROM readings").fetchall()
    assert got["t"] == [k[1] for k in keys]
    for field in ("a", "b"):
        expected = _reference(con, field)
        assert [expected[k] for k in keys] == got[f"{field}_interp"]
