"""Silver: deduplicated, typed rows with canonical ids, UTC times and handled nulls.

Rebuilt from bronze by set-based SQL in the caller's transaction, against the plant's
catalogue (:class:`~dtwin.warehouse.catalog.PlantCatalog`): machine spellings map to the
catalogue id with the same key (``silver.machine_spellings``), products through their
aliases, and sensor readings snap to the catalogue's sensor interval. Rows that parse but cannot
be true are set aside in ``silver.rejected`` first (rules in :mod:`.plausibility`). Every row
kept carries the flags a data-quality report needs (copies seen, id variants, local-time
offsets, lateness, imputation).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from dtwin.warehouse.catalog import MACHINE_KEY_SQL, PRODUCT_KEY_SQL, PlantCatalog, machine_key
from dtwin.warehouse.interpolation import interpolated
from dtwin.warehouse.plausibility import (
    Rule,
    batch_rules,
    checked_rows,
    create_rejected,
    operator_log_rules,
    qc_rules,
    sensor_rules,
    set_aside,
    window_columns,
)
from dtwin.warehouse.rawfiles import SENSOR_FIELDS
from dtwin.warehouse.timezones import OFFSET_SQL, UTC_SQL, sql

if TYPE_CHECKING:
    from duckdb import DuckDBPyConnection

_SLOT = "to_minutes(CAST($slot_minutes AS INTEGER))"


def _slot_params(catalog: PlantCatalog) -> dict[str, float]:
    """The sensor SQL takes the slot length as parameters, not as text pasted into it."""
    minutes = catalog.sensor_interval_min
    return {
        "slot_minutes": minutes,
        "slot_seconds": float(minutes * 60),
        "slot_hours": minutes / 60,
    }


def _utc(col: str) -> str:
    return sql(UTC_SQL, col)


def _offset(col: str) -> str:
    return sql(OFFSET_SQL, col)


def build_silver(con: DuckDBPyConnection, catalog: PlantCatalog) -> None:
    """(Re)build every silver table from bronze; implausible rows go to ``silver.rejected``."""
    con.execute("CREATE SCHEMA IF NOT EXISTS silver")
    _reference_tables(con, catalog)
    _machine_spellings(con)
    create_rejected(con)
    _batches(con, catalog)
    _qc(con)
    _operator_logs(con, catalog)
    _sensors(con, catalog)
    _id_variants(con)


def _reference_tables(con: DuckDBPyConnection, catalog: PlantCatalog) -> None:
    """The catalogue as tables: machines, cycle times per machine and product, products."""
    con.execute(
        "CREATE OR REPLACE TABLE silver.machine_catalog (machine_id VARCHAR, machine_type VARCHAR, "
        "product_id VARCHAR, ideal_cycle_s DOUBLE, firmware VARCHAR, rated_kw DOUBLE, "
        "min_cycle_s DOUBLE, run_kw DOUBLE, idle_kw DOUBLE, machine_key VARCHAR)"
    )
    con.executemany(
        "INSERT INTO silver.machine_catalog VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        [
            [
                m.machine_id,
                m.machine_type,
                m.product_id,
                m.ideal_cycle_s,
                m.firmware,
                m.rated_kw,
                m.min_cycle_s,
                m.run_kw,
                m.idle_kw,
                machine_key(m.machine_id),
            ]
            for m in catalog.machines
        ],  # fmt: skip
    )
    con.execute(
        "CREATE OR REPLACE TABLE silver.machine_product_cycle (machine_id VARCHAR, "
        "product_id VARCHAR, ideal_cycle_s DOUBLE, min_cycle_s DOUBLE)"
    )
    cycles = [[m.machine_id, pid, *m.cycle_s(pid)] for m in catalog.machines for pid in m.products]
    if cycles:
        con.executemany("INSERT INTO silver.machine_product_cycle VALUES (?, ?, ?, ?)", cycles)
    con.execute("CREATE OR REPLACE TABLE silver.product_catalog (product_id VARCHAR, name VARCHAR)")
    con.executemany(
        "INSERT INTO silver.product_catalog VALUES (?, ?)",
        [[p.product_id, p.name] for p in catalog.products],
    )
    con.execute("CREATE OR REPLACE TABLE silver.product_aliases (key VARCHAR, product_id VARCHAR)")
    pairs = {(key, pid) for key, pid in catalog.product_lookup().items()}
    con.executemany("INSERT INTO silver.product_aliases VALUES (?, ?)", sorted(pairs))


def _machine_spellings(con: DuckDBPyConnection) -> None:
    """Every machine spelling in bronze and the catalogue id with the same key (or NULL)."""
    con.execute(
        f"""
        CREATE OR REPLACE TABLE silver.machine_spellings AS
        WITH raws AS (
            SELECT DISTINCT machine_id AS raw FROM bronze.production_batches
            UNION SELECT DISTINCT machine_id FROM bronze.operator_logs
            UNION SELECT DISTINCT machine FROM bronze.sensor_logs
        )
        SELECT r.raw, c.machine_id
        FROM raws r
        LEFT JOIN silver.machine_catalog c ON c.machine_key = {sql(MACHINE_KEY_SQL, "r.raw")}
        WHERE r.raw IS NOT NULL
        ORDER BY r.raw
        """
    )


def _check(con: DuckDBPyConnection, kind: str, typed: str, rules: list[Rule]) -> str:
    """Type the bronze rows of ``kind`` with ``typed`` (a SELECT), apply the plausibility
    rules, set the rows that break one aside and return the temp table of the checked rows."""
    table = f"_checked_{kind}"
    con.execute(
        f"""
        CREATE OR REPLACE TEMP TABLE {table} AS {checked_rows(rules, typed)}
        """
    )
    set_aside(con, kind, table)
    return table


def _copies(key: str) -> str:
    """Copy number and copy count of each row among the kept rows with the same key."""
    order = "ORDER BY _file_date, _source_file, _line"
    return (
        f"row_number() OVER (PARTITION BY {key} {order}) AS copy_no, "
        f"count(*) OVER (PARTITION BY {key}) AS copies"
    )


def _batches(con: DuckDBPyConnection, catalog: PlantCatalog) -> None:
    checked = _check(
        con,
        "production_batches",
        f"""
        SELECT b.batch_id,
               ms.machine_id,
               a.product_id,
               {_utc("b.start_time")} AS start_utc,
               {_utc("b.end_time")} AS end_utc,
               try_cast(b.units_produced AS DOUBLE) AS units_value,
               b.operator,
               b.machine_id AS machine_raw,
               b.product AS product_raw,
               {_offset("b.start_time")} AS start_offset_min,
               {_offset("b.end_time")} AS end_offset_min,
               coalesce(pc.min_cycle_s, c.min_cycle_s) AS _min_cycle_s,
               b._source_file, b._line, b._file_date, b._row_hash,
               {window_columns("b._file_date")}
        FROM bronze.production_batches b
        LEFT JOIN silver.machine_spellings ms ON ms.raw = b.machine_id
        LEFT JOIN silver.product_aliases a ON a.key = {sql(PRODUCT_KEY_SQL, "b.product")}
        LEFT JOIN silver.machine_catalog c ON c.machine_id = ms.machine_id
        LEFT JOIN silver.machine_product_cycle pc
               ON pc.machine_id = ms.machine_id AND pc.product_id = a.product_id
        """,
        batch_rules(catalog),
    )
    con.execute(
        f"""
        CREATE OR REPLACE TABLE silver.production_batches AS
        WITH typed AS (
            SELECT *, CAST(units_value AS INTEGER) AS units, {_copies("batch_id")}
            FROM {checked} WHERE _rule IS NULL
        )
        SELECT batch_id, machine_id, product_id, start_utc, end_utc,
               CAST(end_utc AS DATE) AS prod_date,
               date_diff('second', start_utc, end_utc) / 60.0 AS run_minutes,
               units, operator, machine_raw, product_raw, start_offset_min, end_offset_min,
               coalesce(_file_date > CAST(end_utc AS DATE), false) AS is_late,
               copies - 1 AS duplicates_removed,
               _source_file, _line, _file_date, _row_hash
        FROM typed WHERE copy_no = 1
        ORDER BY prod_date, machine_id, start_utc
        """
    )


def _qc(con: DuckDBPyConnection) -> None:
    checked = _check(
        con,
        "qc_checks",
        f"""
        SELECT q.qc_id, q.batch_id,
               {_utc("q.checked_at")} AS checked_utc,
               {_offset("q.checked_at")} AS checked_offset_min,
               try_cast(q.inspected_units AS DOUBLE) AS inspected_value,
               try_cast(q.defective_units AS DOUBLE) AS defective_value,
               q.inspector, lower(trim(q.result)) AS result,
               q._source_file, q._line, q._file_date, q._row_hash,
               {window_columns("q._file_date")}
        FROM bronze.qc_checks q
        """,
        qc_rules(),
    )
    con.execute(
        f"""
        CREATE OR REPLACE TABLE silver.qc_checks AS
        WITH typed AS (
            SELECT *, CAST(inspected_value AS INTEGER) AS inspected_units,
                   CAST(defective_value AS INTEGER) AS defective_units, {_copies("qc_id")}
            FROM {checked} WHERE _rule IS NULL
        )
        SELECT qc_id, batch_id, checked_utc, CAST(checked_utc AS DATE) AS checked_date,
               inspected_units, defective_units, inspector, result, checked_offset_min,
               coalesce(_file_date > CAST(checked_utc AS DATE), false) AS is_late,
               copies - 1 AS duplicates_removed, _source_file, _line, _file_date, _row_hash
        FROM typed WHERE copy_no = 1
        ORDER BY checked_utc, qc_id
        """
    )


def _operator_logs(con: DuckDBPyConnection, catalog: PlantCatalog) -> None:
    checked = _check(
        con,
        "operator_logs",
        f"""
        SELECT o.log_id, {_utc("o.timestamp")} AS ts_utc,
               {_offset("o.timestamp")} AS offset_min,
               ms.machine_id, o.machine_id AS machine_raw,
               o.operator, o.event, o.detail,
               o._source_file, o._line, o._file_date, o._row_hash,
               {window_columns("o._file_date")}
        FROM bronze.operator_logs o
        LEFT JOIN silver.machine_spellings ms ON ms.raw = o.machine_id
        """,
        operator_log_rules(catalog),
    )
    con.execute(
        f"""
        CREATE OR REPLACE TABLE silver.operator_logs AS
        WITH typed AS (
            SELECT *, {_copies("log_id")} FROM {checked} WHERE _rule IS NULL
        )
        SELECT log_id, ts_utc, CAST(ts_utc AS DATE) AS log_date, machine_id, operator, event,
               detail, machine_raw, offset_min,
               coalesce(_file_date > CAST(ts_utc AS DATE), false) AS is_late,
               copies - 1 AS duplicates_removed, _source_file, _line, _file_date, _row_hash
        FROM typed WHERE copy_no = 1
        ORDER BY ts_utc, log_id
        """
    )


def _interpolated(field: str) -> str:
    """Linear interpolation in time between the nearest known neighbours of a null value
    (computed by :func:`~dtwin.warehouse.interpolation.interpolated`)."""
    return f"{field}_interp"


def _checked_sensors(con: DuckDBPyConnection, catalog: PlantCatalog) -> str:
    casts = ", ".join(f"try_cast(s.{f} AS DOUBLE) AS {f}" for f in SENSOR_FIELDS)
    return _check(
        con,
        "sensor_logs",
        f"""
        SELECT ms.machine_id, s.machine AS machine_raw,
               {_utc("s.ts")} AS ts_utc, {_offset("s.ts")} AS offset_min, {casts},
               c.rated_kw AS _rated_kw,
               s._source_file, s._line, s._file_date, s._row_hash,
               {window_columns("s._file_date")}
        FROM bronze.sensor_logs s
        LEFT JOIN silver.machine_spellings ms ON ms.raw = s.machine
        LEFT JOIN silver.machine_catalog c ON c.machine_id = ms.machine_id
        """,
        sensor_rules(catalog, SENSOR_FIELDS),
    )


def _sensors(con: DuckDBPyConnection, catalog: PlantCatalog) -> None:
    """Readings snapped to their slot (the catalogue's sensor interval), deduplicated, nulls
    flagged and filled.

    Energy is what the KPIs sum, so a missing energy value is rebuilt from the best source
    left: the power reading of the same slot, else a per machine-day linear fit of energy on
    temperature, on pressure or on the run share from the batch records, else a linear
    interpolation in time. Other fields are interpolated in time.

    Each step is a temp table built once (a CTE read twice would be computed twice) and
    dropped as soon as the next one is built (deduplication and run shares are one step);
    the interpolation in time and the lookup of each row's energy fits are computed with
    numpy (:mod:`.interpolation`) and joined back by position.
    """
    params = _slot_params(catalog)
    checked = _checked_sensors(con, catalog)
    shared = f"""
        WITH typed AS (
            SELECT * EXCLUDE (_window_lo, _window_end, _rule, _reason)
            FROM {checked} WHERE _rule IS NULL
        ), slotted AS ({_slotted_cte("typed")}),
        unique_rows AS (
            SELECT *, epoch(slot_start) AS t, CAST(slot_start AS DATE) AS reading_date
            FROM slotted WHERE copy_no = 1
        ), shares AS ({_run_shares_cte()})
        SELECT u.*, coalesce(sh.run_share, 0) AS run_share,
               coalesce(u.energy_kwh, u.power_kw * $slot_hours) AS energy_known
        FROM unique_rows u LEFT JOIN shares sh USING (machine_id, slot_start)"""
    _temp(con, "_sensor_shared", shared, params, drop=checked)
    _temp(con, "_sensor_fits", _energy_fits_cte("_sensor_shared"), params)
    side = interpolated(con, "_sensor_shared", SENSOR_FIELDS, per_day="_sensor_fits")
    con.register("_sensor_interp", side)
    try:
        neighbours = _neighbours_cte("_sensor_shared", "_sensor_interp")
        final = f"""
            CREATE OR REPLACE TABLE silver.sensor_readings AS
            WITH neighbours AS ({neighbours}),
                 filled AS ({_filled_cte("neighbours")})
            {_sensor_columns("filled")}
            ORDER BY machine_id, slot_start
            """
        con.execute(final, _used(params, final))
    finally:
        con.unregister("_sensor_interp")
    con.execute("DROP TABLE _sensor_shared")
    con.execute("DROP TABLE _sensor_fits")


def _temp(
    con: DuckDBPyConnection, name: str, body: str, params: dict[str, float], drop: str = ""
) -> None:
    """Build the temp table ``name`` from ``body``, then drop the table ``drop`` it was
    built from (if named)."""
    con.execute(f"CREATE OR REPLACE TEMP TABLE {name} AS {body}", _used(params, body))
    if drop:
        con.execute(f"DROP TABLE {drop}")


def _used(params: dict[str, float], body: str) -> dict[str, float]:
    """The parameters a statement names (DuckDB refuses unused ones)."""
    return {k: v for k, v in params.items() if f"${k}" in body}


def _slotted_cte(rows: str) -> str:
    """Each reading with its slot, its copy number in the slot and the slot's copy count.

    Most slots hold one reading: those get copy 1 of 1 straight away, and only the rows of
    slots with copies are numbered by a window (sorting every reading with its payload
    costs far more than finding the few slots with copies).
    """
    bucket = f"time_bucket({_SLOT}, ts_utc)"
    same = (
        "k.machine_id IS NOT DISTINCT FROM d.machine_id "
        "AND k.slot_start IS NOT DISTINCT FROM d.slot_start"
    )
    return f"""
            WITH keyed AS (SELECT *, {bucket} AS slot_start FROM {rows}),
            copied AS (
                SELECT machine_id, slot_start FROM keyed GROUP BY ALL HAVING count(*) > 1
            )
            SELECT k.*, CAST(1 AS BIGINT) AS copy_no, CAST(1 AS BIGINT) AS copies
            FROM keyed k ANTI JOIN copied d ON {same}
            UNION ALL
            SELECT k.*,
                   row_number() OVER (PARTITION BY k.machine_id, k.slot_start
                                      ORDER BY k._file_date, k._source_file, k._line) AS copy_no,
                   count(*) OVER (PARTITION BY k.machine_id, k.slot_start) AS copies
            FROM keyed k SEMI JOIN copied d ON {same}"""


def _run_shares_cte() -> str:
    """Share of each slot that the batch records say the machine was running.

    Each batch is spread over the slots it overlaps (from the slot of its start to its end)
    and its seconds in each slot are summed per machine and slot, from the batches alone;
    the readings join the result on machine and slot. (The seconds are whole numbers, so the
    sums are exact in any order.)
    """
    slot_end = f"slot_start + {_SLOT}"
    return f"""
            SELECT machine_id, slot_start,
                   sum(greatest(0, date_diff('second',
                       greatest(slot_start, start_utc),
                       least({slot_end}, end_utc))))
                       / CAST($slot_seconds AS DOUBLE) AS run_share
            FROM (
                SELECT machine_id, start_utc, end_utc, unnest(
                           range(time_bucket({_SLOT}, start_utc), end_utc, {_SLOT})) AS slot_start
                FROM silver.production_batches
            )
            GROUP BY ALL"""


_FIT_COLUMNS = ("t0", "t1", "p0", "p1", "s0", "s1", "tr", "pr", "sr")


def _energy_fits_cte(rows: str) -> str:
    """Per machine-day linear fits of the known energy on temperature, pressure, run share."""
    fits = []
    for prefix, column in (("t", "temperature_c"), ("p", "pressure_bar"), ("s", "run_share")):
        fits.append(f"regr_intercept(energy_known, {column}) AS {prefix}0")
        fits.append(f"regr_slope(energy_known, {column}) AS {prefix}1")
    fits += [
        f"regr_r2(energy_known, {column}) AS {prefix}r"
        for prefix, column in (("t", "temperature_c"), ("p", "pressure_bar"), ("s", "run_share"))
    ]
    return f"""
            SELECT machine_id, reading_date, {", ".join(fits)}
            FROM {rows} GROUP BY ALL"""


def _energy_models() -> tuple[str, str]:
    """SQL of the energy predicted from temperature and pressure, and from the run share.

    Temperature and pressure both follow the load: each fit predicts the slot's energy, and
    the two predictions are averaged weighted by 1 / residual variance (from r2). The run
    share from the batch records suffers from their clock drift, so it only comes after.
    """
    vt = "CASE WHEN tr IS NOT NULL THEN t0 + t1 * temperature_c END"
    vp = "CASE WHEN pr IS NOT NULL THEN p0 + p1 * pressure_bar END"
    wt = "1 / greatest(1 - tr, 1e-6)"
    wp = "1 / greatest(1 - pr, 1e-6)"
    sensors_model = (
        f"(coalesce(({vt}) * {wt}, 0) + coalesce(({vp}) * {wp}, 0)) / "
        f"nullif(CASE WHEN ({vt}) IS NOT NULL THEN {wt} ELSE 0 END "
        f"+ CASE WHEN ({vp}) IS NOT NULL THEN {wp} ELSE 0 END, 0)"
    )
    share_model = "CASE WHEN sr IS NOT NULL THEN s0 + s1 * run_share END"
    return sensors_model, share_model


def _neighbours_cte(rows: str, interp: str) -> str:
    """The energy models, and each field's interpolation between its known neighbours in time
    (``interp``: the same rows in the same order, joined by position, with each row's energy
    fits of its machine and day; a row out of step is an error, never a wrong value)."""
    sensors_model, share_model = _energy_models()
    interpolations = ", ".join(f"i.{f}_interp" for f in SENSOR_FIELDS)
    fits = ", ".join(f"i.{c}" for c in _FIT_COLUMNS)
    return f"""
            SELECT w.*, {sensors_model} AS model_sensors, {share_model} AS model_share
            FROM (
                SELECT r.*, {interpolations}, {fits}
                FROM {rows} r POSITIONAL JOIN {interp} i
                WHERE CASE WHEN r.t IS NOT DISTINCT FROM i.t THEN true
                           ELSE error('silver: interpolated sensor rows out of step') END
            ) w"""


def _filled_cte(rows: str) -> str:
    """Each field filled (energy from the best source left) and where the energy came from."""
    filled = {f: f"coalesce({f}, {_interpolated(f)})" for f in SENSOR_FIELDS}
    filled["energy_kwh"] = (
        "coalesce(energy_kwh, power_kw * $slot_hours, model_sensors, model_share, "
        f"{_interpolated('energy_kwh')})"
    )
    source = (
        "WHEN power_kw IS NOT NULL THEN 'from_power' "
        "WHEN model_sensors IS NOT NULL THEN 'from_temperature_pressure' "
        "WHEN model_share IS NOT NULL THEN 'from_run_share'"
    )
    outputs = ", ".join(f"{expr} AS {f}_filled" for f, expr in filled.items())
    return f"""
            SELECT *, {outputs},
                   CASE WHEN energy_kwh IS NOT NULL THEN 'measured' {source}
                        ELSE 'interpolated' END AS energy_source
            FROM {rows}"""


def _sensor_columns(rows: str) -> str:
    """The final SELECT: filled values, null flags, provenance and lateness."""
    finals = ", ".join(
        "coalesce(power_kw, energy_kwh_filled / $slot_hours) AS power_kw"
        if f == "power_kw"
        else f"{f}_filled AS {f}"
        for f in SENSOR_FIELDS
    )
    flags = ", ".join(f"{f} IS NULL AS {f}_was_null" for f in SENSOR_FIELDS)
    null_count = " + ".join(f"CAST({f} IS NULL AS INTEGER)" for f in SENSOR_FIELDS)
    return f"""
        SELECT machine_id, slot_start, reading_date, ts_utc, {finals},
               run_share, {flags}, ({null_count}) AS nulls_found,
               energy_source, machine_raw, offset_min,
               coalesce(_file_date > reading_date, false) AS is_late,
               copies - 1 AS duplicates_removed, _source_file, _line, _file_date, _row_hash
        FROM {rows}"""


def _id_variants(con: DuckDBPyConnection) -> None:
    """Every raw id spelling seen, what it maps to, and on how many rows."""
    con.execute(
        f"""
        CREATE OR REPLACE TABLE silver.id_variants AS
        WITH machines AS (
            SELECT machine_id AS raw FROM bronze.production_batches
            UNION ALL SELECT machine_id FROM bronze.operator_logs
            UNION ALL SELECT machine FROM bronze.sensor_logs
        ), products AS (
            SELECT product AS raw FROM bronze.production_batches
        )
        SELECT 'machine' AS id_kind, m.raw, ms.machine_id AS canonical,
               ms.machine_id IS NOT NULL AS known, count(*) AS rows
        FROM machines m LEFT JOIN silver.machine_spellings ms ON ms.raw = m.raw
        GROUP BY m.raw, ms.machine_id
        UNION ALL
        SELECT 'product', p.raw, a.product_id, a.product_id IS NOT NULL, count(*)
        FROM products p
        LEFT JOIN silver.product_aliases a ON a.key = {sql(PRODUCT_KEY_SQL, "p.raw")}
        GROUP BY p.raw, a.product_id
        ORDER BY 1, 2
        """
    )
