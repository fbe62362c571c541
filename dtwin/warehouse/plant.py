"""The plant's master data from its factory YAML, and where ingest finds and keeps it.

The factory YAML of ``dtwin.sim`` is read here with safe YAML and only the fields the
warehouse needs are checked (the warehouse imports no engine): each station's machines
(``<station>-<k>`` unless it lists ``machine_ids``), the mean and the lower bound of its
``process_time`` (per product where a product overrides it), its ``energy`` and
``defect_rate`` and the optional ``firmware``; each product's ``label``, ``aliases`` and
``routing``; the optional top-level ``sensor_interval_min``.

Ingest takes the catalogue from ``--factory``, else from ``OUT/plant.yaml`` (written by
``dtwin data generate``), else the one stored in the database, else the shipped
``data/factories/smelter.yaml``; it is stored in ``bronze.plant_catalog`` so that silver,
gold and validation agree on it.
"""

from __future__ import annotations

import functools
import hashlib
import json
import math
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from dtwin.config import format_validation_error, load_mapping
from dtwin.errors import ConfigError
from dtwin.event_schema import station_machine_ids
from dtwin.paths import SMELTER_FACTORY
from dtwin.warehouse.catalog import (
    DEFAULT_SENSOR_INTERVAL_MIN,
    Machine,
    PlantCatalog,
    Product,
    check_sensor_interval,
)

if TYPE_CHECKING:
    from duckdb import DuckDBPyConnection

PLANT_FILE = "plant.yaml"  # the copy of the factory that generate writes into OUT
_DIST_FIELDS = {
    "fixed": ("value",),
    "exponential": ("mean",),
    "normal": ("mean", "std"),
    "lognormal": ("mean", "std"),
    "triangular": ("low", "mode", "high"),
    "uniform": ("low", "high"),
    "weibull": ("shape", "scale"),
    "empirical": ("values",),
}


class _Loose(BaseModel):
    model_config = ConfigDict(extra="ignore", allow_inf_nan=False)


class _Station(_Loose):
    name: str = Field(min_length=1)
    machines: int = Field(default=1, ge=1, le=1000)
    machine_ids: list[str] | None = None
    process_time: Any
    defect_rate: float = Field(default=0.0, ge=0, le=1)
    energy: dict[str, float] = Field(default_factory=dict)
    firmware: str | None = None


class _Product(_Loose):
    name: str = Field(min_length=1)
    routing: list[str] = Field(min_length=1)
    label: str | None = None
    aliases: list[str] | None = None
    process_times: dict[str, Any] = Field(default_factory=dict)


class _Factory(_Loose):
    name: str = "factory"
    products: list[_Product] = Field(min_length=1)
    stations: list[_Station] = Field(min_length=1)
    sensor_interval_min: Any = None  # checked by check_sensor_interval


def dist_bounds(dist: Any, where: str) -> tuple[float, float]:
    """(mean, lower bound) in minutes of a distribution of the factory config (a bare number
    is a fixed time); unbounded shapes have the lower bound 0."""
    if isinstance(dist, int | float) and not isinstance(dist, bool):
        dist = {"dist": "fixed", "value": dist}
    kind = dist.get("dist", "fixed") if isinstance(dist, dict) else None
    if kind not in _DIST_FIELDS:
        raise ConfigError(
            f"{where}: {dist!r} is not a distribution; valid: a number or "
            f"{{dist: ...}} with dist one of {', '.join(_DIST_FIELDS)}"
        )
    try:
        p = {f: dist[f] for f in _DIST_FIELDS[kind]}
        mean, low = _moments(kind, p, dist.get("weights"))
    except (KeyError, TypeError, ValueError, ZeroDivisionError) as exc:
        raise ConfigError(f"{where}: {dist!r} is not a valid {kind} distribution") from exc
    if not (math.isfinite(mean) and mean >= 0):
        raise ConfigError(f"{where}: {dist!r} has no finite mean >= 0")
    return mean, max(0.0, low)


def _moments(kind: str, p: dict[str, Any], weights: Any) -> tuple[float, float]:
    if kind == "fixed":
        return float(p["value"]), float(p["value"])
    if kind in ("exponential", "normal", "lognormal"):
        return float(p["mean"]), 0.0
    if kind == "triangular":
        return (float(p["low"]) + float(p["mode"]) + float(p["high"])) / 3, float(p["low"])
    if kind == "uniform":
        return (float(p["low"]) + float(p["high"])) / 2, float(p["low"])
    if kind == "weibull":
        return float(p["scale"]) * math.gamma(1 + 1 / float(p["shape"])), 0.0
    values = [float(v) for v in p["values"]]
    w = [float(x) for x in weights] if weights else [1.0] * len(values)
    return sum(v * x for v, x in zip(values, w, strict=True)) / sum(w), min(values)


def _seconds(minutes: float) -> float:
    return round(minutes * 60.0, 6)  # to the microsecond: 0.0533333333 min is 3.2 s


def _label(product_id: str) -> str:
    return " ".join(w.capitalize() for w in product_id.replace("_", " ").replace("-", " ").split())


def catalog_from_factory(data: Any, source: str = "<factory>") -> PlantCatalog:
    """The warehouse catalogue of a factory mapping (as ``dtwin.sim`` reads it)."""
    try:
        factory = _Factory.model_validate(data)
    except ValidationError as exc:
        raise ConfigError(f"{source}: {format_validation_error(exc, data)}") from exc
    machines = []
    for st in factory.stations:
        mean, low = dist_bounds(st.process_time, f"{source}: stations.{st.name}.process_time")
        visiting = [p for p in factory.products if st.name in p.routing]
        per_product = {}
        for p in visiting:
            if st.name in p.process_times:
                where = f"{source}: products.{p.name}.process_times.{st.name}"
                m, lo = dist_bounds(p.process_times[st.name], where)
                per_product[p.name] = (_seconds(m), _seconds(lo))
        energy = st.energy
        for machine_id in station_machine_ids(st.name, st.machines, st.machine_ids):
            machines.append(
                Machine(
                    machine_id=machine_id,
                    machine_type=st.name,
                    ideal_cycle_s=_seconds(mean),
                    min_cycle_s=_seconds(low),
                    product_cycle_s=per_product,
                    run_kw=float(energy.get("running", 0.0)),
                    idle_kw=float(energy.get("idle", 0.0)),
                    rated_kw=max([0.0, *map(float, energy.values())]),
                    defect_p=st.defect_rate,
                    firmware=st.firmware or "1.0",
                    products=tuple(p.name for p in visiting),
                )
            )
    products = [
        Product(
            product_id=p.name,
            name=p.label or _label(p.name),
            aliases=tuple(p.aliases or ()),
            routing=tuple(p.routing),
        )
        for p in factory.products
    ]
    interval = factory.sensor_interval_min
    if interval is None:
        interval = DEFAULT_SENSOR_INTERVAL_MIN
    check_sensor_interval(interval, f"{source}: sensor_interval_min")
    return PlantCatalog.from_mapping(
        {
            "name": factory.name,
            "machines": [m.model_dump() for m in machines],
            "products": [p.model_dump() for p in products],
            "sensor_interval_min": interval,
        },
        source,
    )


def load_catalog(path: str | Path) -> PlantCatalog:
    """The catalogue of a factory YAML/JSON file."""
    return catalog_from_factory(load_mapping(path), str(path))


@functools.cache
def default_catalog() -> PlantCatalog:
    """The shipped smelter plant (``data/factories/smelter.yaml``)."""
    return load_catalog(SMELTER_FACTORY)


def resolve_catalog(
    out: str | Path, factory: str | Path | None, stored: PlantCatalog | None = None
) -> tuple[PlantCatalog, str]:
    """The catalogue for ingesting ``out`` and where it came from (see the module doc).

    A ``factory`` that sets no ``sensor_interval_min`` takes the one of ``OUT/plant.yaml``
    (the interval belongs to the generated data), else 15 minutes.
    """
    copy = Path(out) / PLANT_FILE
    if factory is not None:
        data = load_mapping(factory)
        if isinstance(data, dict) and data.get("sensor_interval_min") is None and copy.is_file():
            generated = load_mapping(copy)
            if isinstance(generated, dict) and generated.get("sensor_interval_min") is not None:
                data = {**data, "sensor_interval_min": generated["sensor_interval_min"]}
        return catalog_from_factory(data, str(factory)), str(factory)
    if copy.is_file():
        return load_catalog(copy), str(copy)
    if stored is not None:
        return stored, "the warehouse"
    return default_catalog(), str(SMELTER_FACTORY)


def catalog_digest(catalog: PlantCatalog) -> str:
    """A content hash of the catalogue (what decides whether silver and gold are stale)."""
    return hashlib.md5(catalog.model_dump_json().encode()).hexdigest()


def create_catalog_table(con: DuckDBPyConnection) -> None:
    con.execute(
        "CREATE TABLE IF NOT EXISTS bronze.plant_catalog (digest VARCHAR, source VARCHAR, "
        "catalog_json VARCHAR, stored_at TIMESTAMP)"
    )


def stored_catalog(con: DuckDBPyConnection) -> PlantCatalog | None:
    """The catalogue kept in the warehouse, or None (a new or an older warehouse)."""
    from dtwin.warehouse.loading import table_names

    if "bronze.plant_catalog" not in table_names(con):
        return None
    row = con.execute("SELECT catalog_json FROM bronze.plant_catalog LIMIT 1").fetchone()
    if row is None:
        return None
    return PlantCatalog.from_mapping(json.loads(row[0]), "bronze.plant_catalog")


def store_catalog(con: DuckDBPyConnection, catalog: PlantCatalog, source: str) -> bool:
    """Keep ``catalog`` in the warehouse (the caller owns the transaction); False when it is
    the one kept already, so a re-ingest changes no table."""
    create_catalog_table(con)
    digest = catalog_digest(catalog)
    row = con.execute("SELECT digest FROM bronze.plant_catalog LIMIT 1").fetchone()
    if row is not None and row[0] == digest:
        return False
    con.execute("DELETE FROM bronze.plant_catalog")
    con.execute(
        "INSERT INTO bronze.plant_catalog VALUES (?, ?, ?, ?)",
        [digest, source, catalog.model_dump_json(), datetime.now(UTC).replace(tzinfo=None)],
    )
    return True


def write_plant_copy(out: Path, factory: dict[str, Any], interval_min: int) -> Path:
    """Write ``OUT/plant.yaml``: the factory with the sensor interval of the generated data."""
    import yaml

    data = {**factory, "sensor_interval_min": interval_min}
    path = out / PLANT_FILE
    path.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
    return path
