"""Validation: gold daily metrics against the generator's ground truth, and a quality report."""

from __future__ import annotations

import dataclasses
import json
import math
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pandas as pd

from dtwin.errors import DataError, WarehouseError
from dtwin.warehouse.rawfiles import SENSOR_FIELDS

if TYPE_CHECKING:
    from duckdb import DuckDBPyConnection

DEFAULT_TOLERANCE = 0.005
LEVEL_METRICS: dict[str, tuple[str, ...]] = {
    "machine": ("batches", "units", "defective", "energy_kwh"),
    "product": ("batches", "units", "defective"),
    "factory": ("batches", "units", "defective", "energy_kwh"),
}
KEY = ["date", "level", "key", "metric"]


@dataclass
class ValidationReport:
    """Every (day, level, key, metric) compared, plus the data-quality report."""

    comparisons: pd.DataFrame  # date, level, key, metric, truth, gold, abs_error, rel_error
    quality: pd.DataFrame  # check, table, rows, share
    tolerance: float = DEFAULT_TOLERANCE
    rejected: pd.DataFrame = dataclasses.field(default_factory=lambda: _no_rejected())

    @property
    def rejected_rows(self) -> int:
        """How many rows silver set aside as implausible (they are not in gold)."""
        return int(self.rejected["rows"].sum()) if not self.rejected.empty else 0

    @property
    def max_rel_error(self) -> float:
        """The largest relative error of any gold metric against the truth."""
        if self.comparisons.empty:
            return float("nan")
        return float(self.comparisons["rel_error"].max())

    @property
    def per_metric(self) -> dict[str, float]:
        """Largest relative error per metric (over all days and levels)."""
        grouped = self.comparisons.groupby("metric")["rel_error"].max()
        return {k: float(v) for k, v in grouped.items()}

    @property
    def per_level_metric(self) -> dict[str, float]:
        """Largest relative error per ``level.metric``."""
        grouped = self.comparisons.groupby(["level", "metric"])["rel_error"].max()
        return {f"{lv}.{m}": float(v) for (lv, m), v in grouped.items()}

    @property
    def passed(self) -> bool:
        """True when every metric is within the tolerance."""
        return bool(self.max_rel_error <= self.tolerance)

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready summary (strict JSON: a figure that is not finite becomes null)."""
        worst = self.comparisons.sort_values("rel_error", ascending=False).head(1)
        worst_row = (
            {k: (str(v) if k == "date" else v) for k, v in worst.iloc[0].to_dict().items()}
            if not worst.empty
            else None
        )
        summary = {
            "max_rel_error": self.max_rel_error,
            "per_metric": self.per_metric,
            "per_level_metric": self.per_level_metric,
            "tolerance": self.tolerance,
            "passed": self.passed,
            "days": int(self.comparisons["date"].nunique()),
            "comparisons": len(self.comparisons),
            "worst": worst_row,
            "quality": {
                f"{r.check}:{r.table}": int(r.rows) for r in self.quality.itertuples(index=False)
            },
            "rejected_rows": self.rejected_rows,
            "rejected": {
                f"{r.kind}:{r.rule}": int(r.rows) for r in self.rejected.itertuples(index=False)
            },
        }
        return _finite_or_none(summary)


def _finite_or_none(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _finite_or_none(v) for k, v in value.items()}
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value


def _no_rejected() -> pd.DataFrame:
    return pd.DataFrame({"kind": [], "rule": [], "rows": [], "example": []}).astype(
        {"rows": "int64"}
    )


def read_truth(out: str | Path) -> pd.DataFrame:
    """Read every ``ground_truth/YYYY-MM-DD/truth.json`` into long form (date, level, key, ...)."""
    folder = Path(out) / "ground_truth"
    files = sorted(folder.glob("*/truth.json"))
    if not files:
        raise DataError(f"{folder}: no */truth.json files; is {out} a generated folder?")
    rows = []
    for path in files:
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
            day = pd.Timestamp(data["date"]).date()
            groups = {
                "machine": data["machines"],
                "product": data["products"],
                "factory": {"factory": data["factory"]},
            }
            for level, metrics in LEVEL_METRICS.items():
                for key, values in groups[level].items():
                    rows.extend((day, level, key, m, float(values[m])) for m in metrics)
        except (OSError, ValueError, KeyError, TypeError, AttributeError) as exc:
            raise DataError(
                f"{path}: not a valid truth file ({type(exc).__name__}: {exc})"
            ) from exc
    return pd.DataFrame(rows, columns=[*KEY, "truth"])


def read_gold(con: DuckDBPyConnection) -> pd.DataFrame:
    """Gold daily metrics in the same long form as :func:`read_truth`."""
    frames = []
    queries = {
        "machine": "SELECT date, machine_id AS key, {m} FROM gold.kpi_machine_daily",
        "product": "SELECT date, product_id AS key, {m} FROM gold.kpi_product_daily",
        "factory": "SELECT date, 'factory' AS key, {m} FROM gold.kpi_factory_daily",
    }
    for level, metrics in LEVEL_METRICS.items():
        wide = con.execute(queries[level].format(m=", ".join(metrics))).df()
        long = wide.melt(id_vars=["date", "key"], var_name="metric", value_name="gold")
        long["level"] = level
        frames.append(long)
    gold = pd.concat(frames, ignore_index=True)
    gold["date"] = pd.to_datetime(gold["date"]).dt.date
    gold["gold"] = gold["gold"].astype(float)
    return gold[[*KEY, "gold"]]


def compare(truth: pd.DataFrame, gold: pd.DataFrame) -> pd.DataFrame:
    """Join truth and gold per (day, level, key, metric) and compute the errors.

    Days only in gold are ignored (the raw folder may cover fewer days than the warehouse);
    a truth value with no gold counterpart counts as gold 0.
    """
    merged = truth.merge(gold, on=KEY, how="left")
    merged["gold"] = merged["gold"].fillna(0.0)
    merged["abs_error"] = (merged["gold"] - merged["truth"]).abs()
    denominator = merged["truth"].abs()
    merged["rel_error"] = (merged["abs_error"] / denominator.where(denominator > 0)).fillna(
        (merged["abs_error"] > 1e-9).astype(float)
    )
    return merged.sort_values(KEY, ignore_index=True)


def check_against_truth(
    db_path: str | Path, raw_dir: str | Path, tolerance: float = DEFAULT_TOLERANCE
) -> ValidationReport:
    """Compare the gold layer of ``db_path`` with the ground truth generated into ``raw_dir``.

    What ``dtwin data validate`` runs (``dtwin.config.validate`` is another thing: it checks
    input against a pydantic model).
    """
    from dtwin.warehouse.loading import connect

    if not (isinstance(tolerance, (int, float)) and math.isfinite(tolerance) and tolerance >= 0):
        raise WarehouseError(f"tolerance: {tolerance!r} is not a finite number >= 0")
    truth = read_truth(raw_dir)
    con = connect(db_path, read_only=True)
    try:
        _require_gold(con, db_path)
        gold = read_gold(con)
        quality = quality_report(con)
        rejected = rejected_counts(con)
    finally:
        con.close()
    return ValidationReport(compare(truth, gold), quality, tolerance, rejected)


def _require_gold(con: DuckDBPyConnection, db_path: str | Path) -> None:
    from dtwin.warehouse.loading import check_warehouse, table_names

    check_warehouse(con, db_path)
    needed = {"bronze.ingested_files", "gold.kpi_machine_daily", "silver.sensor_readings"}
    if not needed <= table_names(con):
        raise WarehouseError(f"{db_path}: no gold layer; run `dtwin data ingest` into it first")


def rejected_counts(con_or_path: DuckDBPyConnection | str | Path) -> pd.DataFrame:
    """How many rows silver set aside as implausible, per file kind and rule.

    Returns a DataFrame with columns ``kind, rule, rows, example`` (one reason of that group),
    most rows first; empty when nothing was rejected. Takes a database path or connection.
    """
    if isinstance(con_or_path, (str, Path)):
        from dtwin.warehouse.loading import connect

        con = connect(con_or_path, read_only=True)
        try:
            return rejected_counts(con)
        finally:
            con.close()
    from dtwin.warehouse.loading import table_names

    if "silver.rejected" not in table_names(con_or_path):
        return _no_rejected()  # built before silver.rejected existed: the next ingest adds it
    frame = con_or_path.execute(
        "SELECT kind, rule, count(*) AS rows, min(reason) AS example FROM silver.rejected "
        "GROUP BY kind, rule ORDER BY rows DESC, kind, rule"
    ).df()
    return frame.astype({"rows": "int64"})


def read_rejected(db_path: str | Path, limit: int = 20) -> pd.DataFrame:
    """The first ``limit`` rejected rows: source_file, line, kind, rule, reason, raw."""
    from dtwin.warehouse.loading import connect

    con = connect(db_path, read_only=True)
    try:
        return con.execute(
            "SELECT source_file, line, kind, rule, reason, raw FROM silver.rejected "
            "ORDER BY source_file, line LIMIT ?",
            [int(limit)],
        ).df()
    finally:
        con.close()


_SILVER_TABLES = {
    "production_batches": "silver.production_batches",
    "qc_checks": "silver.qc_checks",
    "operator_logs": "silver.operator_logs",
    "sensor_logs": "silver.sensor_readings",
}
_LOCAL_TIME = {
    "production_batches": "start_offset_min <> 0 OR end_offset_min <> 0",
    "qc_checks": "checked_offset_min <> 0",
    "operator_logs": "offset_min <> 0",
    "sensor_logs": "offset_min <> 0",
}


def quality_report(con_or_path: DuckDBPyConnection | str | Path) -> pd.DataFrame:
    """What the pipeline found and fixed: nulls, duplicates, variants, late, quarantined rows
    (bronze could not parse them) and rejected rows (silver found them implausible).

    Returns a DataFrame with columns ``check, table, rows, share`` (share of that table's rows).
    """
    if isinstance(con_or_path, (str, Path)):
        from dtwin.warehouse.loading import connect

        con = connect(con_or_path, read_only=True)
        try:
            return quality_report(con)
        finally:
            con.close()
    checks = _QualityChecks(con_or_path)
    bronze_rows = checks.files()
    checks.silver(bronze_rows)
    checks.sensors()
    checks.local_times()
    checks.ids()
    return checks.frame()


class _QualityChecks:
    """The rows of a quality report, gathered check by check: (check, table, rows, of how many)."""

    def __init__(self, con: DuckDBPyConnection) -> None:
        self.con = con
        self.rows: list[tuple[str, str, int, int]] = []

    def scalar(self, query: str, params: list[Any] | None = None) -> int:
        return int(self.con.execute(query, params or []).fetchone()[0] or 0)

    def add(
        self, check: str, table: str, query: str, total: int, params: list[Any] | None = None
    ) -> None:
        self.rows.append((check, table, self.scalar(query, params), total))

    def silver_rows(self, kind: str) -> int:
        return next(r[3] for r in self.rows if r[0] == "silver_rows" and r[1] == kind)

    def files(self) -> dict[str, int]:
        """Source, bronze and quarantined rows per file kind; returns bronze rows per kind."""
        files = self.con.execute(
            "SELECT kind, sum(source_rows), sum(bronze_rows), sum(quarantined_rows) "
            "FROM bronze.ingested_files GROUP BY kind ORDER BY kind"
        ).fetchall()
        for kind, source, bronze, quarantined in files:
            self.rows.append(("source_rows", kind, int(source), int(source)))
            self.rows.append(("bronze_rows", kind, int(bronze), int(source)))
            self.rows.append(("quarantined_rows", kind, int(quarantined), int(source)))
        return {kind: int(b) for kind, _, b, _ in files}

    def silver(self, bronze_rows: dict[str, int]) -> None:
        """Rejected, kept, deduplicated and late rows per silver table."""
        rejected = rejected_counts(self.con).groupby("kind")["rows"].sum().to_dict()
        for kind, table in _SILVER_TABLES.items():
            self.rows.append(
                ("rejected_rows", kind, int(rejected.get(kind, 0)), bronze_rows.get(kind, 0))
            )
            total = self.scalar(f"SELECT count(*) FROM {table}")
            self.rows.append(("silver_rows", kind, total, total))
            self.add(
                "duplicates_removed", kind, f"SELECT sum(duplicates_removed) FROM {table}", total
            )
            self.add("late_rows", kind, f"SELECT count(*) FILTER (is_late) FROM {table}", total)

    def sensors(self) -> None:
        """Nulls found per sensor field, and where the missing values came from."""
        sensors = self.scalar("SELECT count(*) FROM silver.sensor_readings")
        for field in SENSOR_FIELDS:
            self.add(
                f"nulls_found:{field}",
                "sensor_logs",
                f"SELECT count(*) FILTER ({field}_was_null) FROM silver.sensor_readings",
                sensors,
            )
        for source in ("from_power", "from_temperature_pressure", "from_run_share"):
            self.add(
                f"energy_{source}",
                "sensor_logs",
                "SELECT count(*) FILTER (energy_source = ?) FROM silver.sensor_readings",
                sensors,
                [source],
            )
        self.add(
            "values_interpolated",
            "sensor_logs",
            "SELECT count(*) FILTER (temperature_c_was_null)"
            " + count(*) FILTER (pressure_bar_was_null)"
            " + count(*) FILTER (efficiency_was_null)"
            " + count(*) FILTER (energy_source = 'interpolated') FROM silver.sensor_readings",
            sensors * len(SENSOR_FIELDS),
        )

    def local_times(self) -> None:
        """Rows whose timestamps were written in local time (converted to UTC)."""
        for kind, condition in _LOCAL_TIME.items():
            self.add(
                "local_time_rows",
                kind,
                f"SELECT count(*) FILTER ({condition}) FROM {_SILVER_TABLES[kind]}",
                self.silver_rows(kind),
            )

    def ids(self) -> None:
        """Id spellings mapped to their canonical id, unknown ids and orphan QC checks."""
        variants = self.scalar(
            "SELECT coalesce(sum(rows), 0) FROM silver.id_variants WHERE id_kind = 'machine'"
        )
        self.add(
            "machine_variants_mapped",
            "all",
            "SELECT sum(rows) FROM silver.id_variants "
            "WHERE id_kind = 'machine' AND known AND raw <> canonical",
            variants,
        )
        products = self.scalar(
            "SELECT coalesce(sum(rows), 0) FROM silver.id_variants WHERE id_kind = 'product'"
        )
        self.add(
            "product_variants_mapped",
            "production_batches",
            "SELECT sum(v.rows) FROM silver.id_variants v JOIN silver.product_catalog c "
            "ON c.product_id = v.canonical WHERE v.id_kind = 'product' AND v.raw <> c.name",
            products,
        )
        self.add(
            "unknown_ids",
            "all",
            "SELECT sum(rows) FROM silver.id_variants WHERE NOT known",
            variants + products,
        )
        self.add(
            "orphan_qc_checks",
            "qc_checks",
            "SELECT count(*) FILTER (is_orphan) FROM gold.fact_quality",
            self.silver_rows("qc_checks"),
        )

    def frame(self) -> pd.DataFrame:
        frame = pd.DataFrame(self.rows, columns=["check", "table", "rows", "of"])
        frame["share"] = frame["rows"] / frame["of"].where(frame["of"] > 0)
        return frame.drop(columns="of")


def read_quarantine(db_path: str | Path, limit: int = 20) -> pd.DataFrame:
    """The first ``limit`` quarantined rows: source_file, line, kind, reason, raw, raw_hex."""
    from dtwin.warehouse.loading import connect

    con = connect(db_path, read_only=True)
    try:
        return con.execute(
            "SELECT * EXCLUDE (load_id, loaded_at) FROM bronze.quarantine "
            "ORDER BY source_file, line LIMIT ?",
            [int(limit)],
        ).df()
    finally:
        con.close()
