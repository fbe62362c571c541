"""Plausibility: rows that parse but cannot be true are set aside in ``silver.rejected``.

Bronze checks form (fields, timestamps, numbers); silver checks each typed row against these
rules before deduplication, and a row that breaks any of them goes to ``silver.rejected``
(source_file, line, kind, rule, reason, raw) instead of silver, so it never reaches gold:

- ``outside_window``: an event time outside the delivery window, i.e. from ``DAYS_BEFORE``
  days before the day of the folder the row was delivered in (late deliveries) to the end of
  the day after it (local offsets, checks after midnight). A file outside a day folder uses
  the span of all day folders.
- ``not_finite``: NaN or infinite numbers (``nan``, ``inf``, ``1e999``).
- ``out_of_range``: values outside their physical range: power from 0 to ``POWER_HEADROOM``
  times the machine's rated power in the catalogue (its largest draw of any state), energy
  per sensor slot likewise (scaled with the plant's sensor interval), and the documented
  defaults in ``SENSOR_RANGES``; counts from 0 to ``MAX_COUNT``.
- ``not_whole``: counts that are not whole numbers (``units_produced`` 5.5).
- ``end_not_after_start``, ``too_long`` (a batch longer than ``MAX_BATCH_HOURS``) and
  ``above_capacity`` (more units than the machine makes at its fastest cycle, the lower
  bound of its process time for that product, with ``MAX_PERFORMANCE`` headroom; a process
  time with no lower bound, such as an exponential one, sets no capacity).
- ``defective_exceeds_inspected``, ``unknown_machine`` and ``unknown_product``.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from typing import TYPE_CHECKING

from dtwin.warehouse.catalog import PlantCatalog
from dtwin.warehouse.rawfiles import FIRST_DAY, LAST_DAY

if TYPE_CHECKING:
    from duckdb import DuckDBPyConnection

DAYS_BEFORE = 7  # a row may describe events up to 7 days before its delivery day ...
DAYS_AFTER = 1  # ... and up to the end of the day after it
POWER_HEADROOM = 2.0  # a reading may draw up to twice the machine's rated running power
MAX_PERFORMANCE = 1.5  # units may exceed the ideal-cycle output by up to 50%
MAX_BATCH_HOURS = 24
MAX_COUNT = 1_000_000_000
SENSOR_RANGES: dict[str, tuple[float, float, str]] = {
    "temperature_c": (-50.0, 2000.0, "degrees C"),
    "pressure_bar": (0.0, 100.0, "bar"),
    "efficiency": (0.0, 1.0, ""),
}
REJECTED_COLUMNS = ("source_file", "line", "kind", "rule", "reason", "raw")


@dataclass(frozen=True)
class Rule:
    """One plausibility rule as SQL over a typed silver row."""

    name: str  # short and stable: what the counts are grouped by
    broken: str  # SQL, true when the row breaks the rule (NULL counts as kept)
    reason: str  # SQL text naming the field, the value and what would be valid


def window_columns(file_date: str) -> str:
    """SQL for ``_window_lo`` and ``_window_end`` (exclusive), the dates a row may describe."""
    lo = "(SELECT min(file_date) FROM bronze.ingested_files)"
    hi = "(SELECT max(file_date) FROM bronze.ingested_files)"
    return (
        f"coalesce(CAST(coalesce({file_date}, {lo}) - INTERVAL {DAYS_BEFORE} DAY AS DATE), "
        f"DATE '{FIRST_DAY}') AS _window_lo, "
        f"coalesce(CAST(coalesce({file_date}, {hi}) + INTERVAL {DAYS_AFTER + 1} DAY AS DATE), "
        f"DATE '{LAST_DAY + timedelta(days=1)}') AS _window_end"
    )


def _shown(value: str) -> str:
    return f"coalesce(CAST({value} AS VARCHAR), 'empty')"


def _quoted(raw: str) -> str:
    """SQL text of an id as delivered, in quotes, or ``empty``."""
    return f"coalesce('''' || {raw} || '''', 'empty')"


def _value_rule(name: str, broken: str, value: str, label: str, verdict: str) -> Rule:
    """A rule whose reason reads ``<label> <value> <verdict>``."""
    return Rule(name, broken, f"'{label} ' || {_shown(value)} || ' {verdict}'")


def in_window(value: str, label: str) -> Rule:
    """The event time ``value`` (UTC) lies in the row's delivery window."""
    return Rule(
        "outside_window",
        f"{value} < _window_lo OR {value} >= _window_end",
        f"'{label} ' || strftime({value}, '%Y-%m-%dT%H:%M:%SZ') || ' is outside the delivery "
        f"window ' || _window_lo || '..' || CAST(_window_end - INTERVAL 1 DAY AS DATE) || "
        f"' (the delivery day -{DAYS_BEFORE} to +{DAYS_AFTER} days)'",
    )


def finite(value: str, label: str) -> Rule:
    """A number that is present is finite."""
    return _value_rule(
        "not_finite", f"NOT isfinite({value})", value, label, "is not a finite number"
    )


def in_range(value: str, lo: str, hi: str, label: str, unit: str = "") -> Rule:
    """A finite number lies within [lo, hi] (SQL expressions)."""
    suffix = f" {unit}" if unit else ""
    return Rule(
        "out_of_range",
        f"isfinite({value}) AND ({value} < {lo} OR {value} > {hi})",
        f"'{label} ' || {_shown(value)} || ' is outside the physical range ' || "
        f"{_shown(lo)} || '..' || {_shown(hi)} || '{suffix}'",
    )


def whole(value: str, label: str) -> Rule:
    """A finite count has no fractional part."""
    return _value_rule(
        "not_whole",
        f"isfinite({value}) AND {value} <> floor({value})",
        value,
        label,
        "is not a whole number",
    )


def count(value: str, label: str) -> list[Rule]:
    """A count: finite, whole and within 0..MAX_COUNT."""
    return [
        finite(value, label),
        whole(value, label),
        in_range(value, "0", str(MAX_COUNT), label),
    ]


def _listed(names: tuple[str, ...] | list[str], most: int = 12) -> str:
    shown = ", ".join(names[:most])
    return shown + (f", ... ({len(names)} in all)" if len(names) > most else "")


def known_machine(catalog: PlantCatalog, machine_id: str, raw: str, label: str) -> Rule:
    """The (canonical) machine id is one of the catalog's machines."""
    known = _listed(catalog.machine_ids).replace("'", "''")
    return Rule(
        "unknown_machine",
        f"NOT coalesce({machine_id} IN (SELECT machine_id FROM silver.machine_catalog), false)",
        f"'{label} ' || {_quoted(raw)} || ' is not a machine of the plant ({known})'",
    )


def known_product(catalog: PlantCatalog, product_id: str, raw: str, label: str) -> Rule:
    """The product spelling maps to a product of the catalog."""
    known = _listed([p.name for p in catalog.products]).replace("'", "''")
    return Rule(
        "unknown_product",
        f"{product_id} IS NULL",
        f"'{label} ' || {_quoted(raw)} || ' is not a product of the plant ({known})'",
    )


def batch_rules(catalog: PlantCatalog) -> list[Rule]:
    """Rules of ``production_batches`` (typed columns: start_utc, end_utc, units_value, ...,
    ``_min_cycle_s``: the fastest cycle of the machine for the product, 0 if unbounded)."""
    run_s = "date_diff('second', start_utc, end_utc)"
    capacity = f"floor({run_s} / nullif(_min_cycle_s, 0) * {MAX_PERFORMANCE})"
    return [
        known_machine(catalog, "machine_id", "machine_raw", "machine_id"),
        known_product(catalog, "product_id", "product_raw", "product"),
        in_window("start_utc", "start_time"),
        in_window("end_utc", "end_time"),
        Rule(
            "end_not_after_start",
            "end_utc <= start_utc",
            "'end_time ' || strftime(end_utc, '%Y-%m-%dT%H:%M:%SZ') || ' is not after "
            "start_time ' || strftime(start_utc, '%Y-%m-%dT%H:%M:%SZ')",
        ),
        Rule(
            "too_long",
            f"{run_s} > {MAX_BATCH_HOURS * 3600}",
            f"'the batch runs ' || round({run_s} / 3600, 1) || ' h; at most "
            f"{MAX_BATCH_HOURS} h is plausible'",
        ),
        *count("units_value", "units_produced"),
        Rule(
            "above_capacity",
            f"{run_s} > 0 AND isfinite(units_value) AND units_value > {capacity}",
            f"'units_produced ' || {_shown('units_value')} || ' exceeds the ' || {capacity} || "
            f"' that ' || machine_id || ' can make in ' || round({run_s} / 60, 1) || "
            f"' min (fastest cycle ' || _min_cycle_s || ' s, x{MAX_PERFORMANCE:g} headroom)'",
        ),
    ]


def qc_rules() -> list[Rule]:
    """Rules of ``qc_checks`` (typed columns: checked_utc, inspected_value, defective_value)."""
    return [
        in_window("checked_utc", "checked_at"),
        *count("inspected_value", "inspected_units"),
        *count("defective_value", "defective_units"),
        Rule(
            "defective_exceeds_inspected",
            "defective_value > inspected_value",
            f"'defective_units ' || {_shown('defective_value')} || ' exceeds inspected_units ' "
            f"|| {_shown('inspected_value')}",
        ),
    ]


def operator_log_rules(catalog: PlantCatalog) -> list[Rule]:
    """Rules of ``operator_logs`` (typed columns: ts_utc, machine_id, machine_raw)."""
    return [
        known_machine(catalog, "machine_id", "machine_raw", "machine_id"),
        in_window("ts_utc", "timestamp"),
    ]


def sensor_rules(catalog: PlantCatalog, fields: tuple[str, ...]) -> list[Rule]:
    """Rules of ``sensor_logs`` (typed columns: ts_utc, machine_id, _rated_kw, one per field)."""
    max_kw = f"_rated_kw * {POWER_HEADROOM}"
    slot = catalog.sensor_interval_min
    ranges = {
        **{f: (str(lo), str(hi), unit) for f, (lo, hi, unit) in SENSOR_RANGES.items()},
        "power_kw": ("0", max_kw, "kW"),
        "energy_kwh": ("0", f"{max_kw} * {slot / 60!r}", f"kWh per slot of {slot} min"),
    }
    rules = [
        known_machine(catalog, "machine_id", "machine_raw", "machine"),
        in_window("ts_utc", "ts"),
    ]
    for field in fields:
        lo, hi, unit = ranges[field]
        rules += [finite(field, field), in_range(field, lo, hi, field, unit)]
    return rules


def checked_rows(rules: list[Rule], rows: str) -> str:
    """SQL of the rows of the SELECT ``rows`` with ``_rule`` (the first rule broken, or NULL)
    and ``_reason`` (every one broken); the reasons are only built for a row that broke one."""
    first = " ".join(f"WHEN coalesce({r.broken}, false) THEN '{r.name}'" for r in rules)
    reasons = ", ".join(f"CASE WHEN coalesce({r.broken}, false) THEN {r.reason} END" for r in rules)
    every = f"nullif(array_to_string(list_filter([{reasons}], lambda x: x IS NOT NULL), '; '), '')"
    return f"""
        SELECT *, CASE WHEN _rule IS NOT NULL THEN {every} END AS _reason
        FROM (SELECT *, CASE {first} END AS _rule FROM ({rows}))"""


def create_rejected(con: DuckDBPyConnection) -> None:
    """(Re)create the empty ``silver.rejected`` table."""
    con.execute(
        "CREATE OR REPLACE TABLE silver.rejected (source_file VARCHAR, line INTEGER, "
        "kind VARCHAR, rule VARCHAR, reason VARCHAR, raw VARCHAR)"
    )


def set_aside(con: DuckDBPyConnection, kind: str, checked: str) -> None:
    """Move the rows of the checked table that broke a rule into ``silver.rejected``, with
    the line as delivered from bronze (a source line is loaded once: file and line are its
    key), so the checked rows need not carry it."""
    con.execute(
        f"""
        INSERT INTO silver.rejected
        SELECT c._source_file, c._line, '{kind}', c._rule, c._reason, b._raw
        FROM {checked} c
        JOIN bronze.{kind} b ON b._source_file = c._source_file AND b._line = c._line
        WHERE c._rule IS NOT NULL ORDER BY c._source_file, c._line
        """
    )
