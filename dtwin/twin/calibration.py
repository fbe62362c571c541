"""Calibration: a factory config for ``dtwin.sim`` from what an MES event log says.

:func:`calibrate` runs :func:`dtwin.twin.discovery.discover` and writes its findings in
dtwin's config syntax: each product's routing and an exponential inter-arrival time with the
mean time between its releases; each station's machines, its fitted process-time distribution
(with ``process_times`` of a product whose times there clearly differ) and, where it failed,
``failure`` with an exponential ``ttf`` of the MTBF (operating time) and the fitted repair
distribution; where its machines were serviced, a ``periodic`` maintenance policy with the
mean interval between services and their fitted duration (the log shows when the plant
serviced, not by which rule: a service on a wear threshold becomes its average interval).

**Scrap.** A station where parts were scrapped becomes ``kind: inspection`` with
``detection_rate: 1``. The log does not say where a defect arose, so the calibrated plant makes
the defects one step before: the stations that precede it on the routings get ``defect_rate``
= its scrap rate. Scrap per station is reproduced; defects that escape an inspection are not
in a log and are not modelled.

**A skeleton** (``dtwin.sim.FactoryConfig``) fixes what is known and is kept: its stations
(names, order, machine counts and every field not named below), its products' routings and
batch sizes, shifts, maintenance, conveyors and limits. Fitted from the log:
``stations.*.process_time``, ``failure``, ``kind``, ``detection_rate``, ``defect_rate`` and
``products.*.arrival`` and ``products.*.process_times`` (a product whose times at a station
clearly differ from the other products' gets its own fit there; the skeleton's are replaced);
``jobs`` are dropped (the fitted release process replaces them). A station or product of the
log that the skeleton lacks, or more machines at a station than it has, is a
:class:`~dtwin.errors.DataError`. The report lists what was fitted and what was kept.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

from dtwin.errors import DataError
from dtwin.event_schema import default_machine_id
from dtwin.twin.discovery import Discovery, discover

QUALITY_FIELDS = ("kind", "detection_rate", "defect_rate")
#: the shortest service interval written as a periodic policy (the config's lower bound)
MIN_SERVICE_INTERVAL = 1.0

__all__ = ["Calibration", "calibrate", "write_factory"]


@dataclass(frozen=True)
class Calibration:
    """The calibrated factory (``dtwin.sim`` config as a mapping, checked) and the report."""

    factory: dict[str, Any]
    report: dict[str, Any]


def _short(value: Any) -> Any:
    """Floats to 6 significant digits, recursively (for a readable YAML)."""
    if isinstance(value, float):
        return float(f"{value:.6g}")
    if isinstance(value, dict):
        return {k: _short(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_short(v) for v in value]
    return value


def _quality(found: Discovery, routes: dict[str, list[str]]) -> dict[str, dict[str, Any]]:
    """Per station, the quality fields that reproduce the log's scrap (see the docstring)."""
    out: dict[str, dict[str, Any]] = {name: {} for name in found.stations}
    for name, info in found.stations.items():
        if info["kind"] != "inspection":
            continue
        out[name].update(kind="inspection", detection_rate=1.0)
        for routing in routes.values():
            for before, here in zip(routing, routing[1:], strict=False):
                if here == name and found.stations.get(before, {}).get("kind") != "inspection":
                    rate = max(
                        out.setdefault(before, {}).get("defect_rate", 0.0), info["scrap"]["rate"]
                    )
                    out[before]["defect_rate"] = rate
    return out


def _station_fields(info: dict[str, Any], quality: dict[str, Any]) -> dict[str, Any]:
    """The fitted fields of one station (process_time, failure, quality) in dtwin syntax."""
    fields: dict[str, Any] = {}
    if info.get("process_time") is not None:
        fields["process_time"] = info["process_time"]["distribution"]
    fail = info.get("failure")
    if fail is not None and "repair" in fail:
        ttf = {"dist": "exponential", "mean": max(fail["mtbf_min"], 0.001)}
        fields["failure"] = {"ttf": ttf, "repair": fail["repair"]["distribution"]}
    service = info.get("maintenance")
    if service is not None and service["interval_min"] >= MIN_SERVICE_INTERVAL:
        fields["maintenance"] = {
            "policy": "periodic",
            "interval": service["interval_min"],
            "duration": service["duration"]["distribution"],
        }
    fields.update(quality)
    return fields


def _plain_factory(found: Discovery, name: str) -> dict[str, Any]:
    """A factory from the log alone."""
    routes = {p: info["routing"] for p, info in found.products.items() if info["routing"]}
    quality = _quality(found, routes)
    stations = []
    for st, info in found.stations.items():
        if info["process_time"] is None:
            raise DataError(
                f"station {st!r}: no complete operation in the log to fit its "
                f"process time; give a skeleton (--factory) that sets it"
            )
        stations.append(
            {
                "name": st,
                "machines": max(info["machines"], 1),
                **_own_ids(st, info),
                **_station_fields(info, quality.get(st, {})),
            }
        )
    products = []
    for prod, info in found.products.items():
        if not info["routing"] or info.get("arrival_mean_min") is None:
            raise DataError(
                f"product {prod!r}: needs at least 2 releases and a started part in "
                f"the log to fit; give a skeleton (--factory) that sets it"
            )
        arrival = {"dist": "exponential", "mean": info["arrival_mean_min"]}
        entry = {"name": prod, "routing": info["routing"], "arrival": arrival}
        own = _product_times(found, prod)
        if own:
            entry["process_times"] = own
        products.append(entry)
    return {"name": name, "time_unit": "minutes", "products": products, "stations": stations}


def _product_times(found: Discovery, product: str) -> dict[str, Any]:
    """``station -> distribution`` where the log gave ``product`` its own process time (on
    the product's routing: a station its parts rarely visit keeps the pooled time)."""
    routing = found.products.get(product, {}).get("routing") or []
    return {
        st: info["process_time_by_product"][product]["distribution"]
        for st, info in found.stations.items()
        if st in routing and product in info.get("process_time_by_product", {})
    }


def _mismatch(found: Discovery, skeleton: Any) -> list[str]:
    """Everything in the log that the skeleton lacks or contradicts."""
    counts = {st.name: st.machines for st in skeleton.stations}
    products = {p.name for p in skeleton.products}
    problems = [
        f"station {s!r} is in the log but not in the skeleton"
        for s in found.stations
        if s not in counts
    ]
    problems += [
        f"product {p!r} is in the log but not in the skeleton"
        for p in found.products
        if p not in products
    ]
    for st, info in found.stations.items():
        if st in counts and info["machines"] > counts[st]:
            problems.append(
                f"stations.{st}.machines: the log names {info['machines']} machines "
                f"({', '.join(info['machine_ids'])}), the skeleton has {counts[st]}"
            )
    return problems


def _on_skeleton(found: Discovery, skeleton: Any) -> tuple[dict[str, Any], list[str], list[str]]:
    """The skeleton with the log's fits in place; the fitted and the kept fields."""
    data = skeleton.model_dump(mode="json", exclude_unset=True)
    routes = {p.name: list(p.routing) for p in skeleton.products}
    quality = _quality(found, routes)
    fitted, kept = [], []
    for st in data["stations"]:
        name, info = st["name"], found.stations.get(st["name"])
        if info is None:
            kept.append(f"stations.{name} (not in the log)")
            continue
        had = [key for key in ("failure", *QUALITY_FIELDS) if st.pop(key, None) is not None]
        new = _station_fields(info, quality.get(name, {}))
        st.update(new)
        fitted += [f"stations.{name}.{key}" for key in new]
        fitted += [f"stations.{name}.{k} (removed: not in the log)" for k in had if k not in new]
        kept.append(f"stations.{name}.machines")
        if "process_time" not in new:
            kept.append(f"stations.{name}.process_time (no complete operation in the log)")
    for prod in data["products"]:
        name, info = prod["name"], found.products.get(prod["name"], {})
        kept.append(f"products.{name}.routing")
        had = prod.pop("process_times", None)
        own = {st: d for st, d in _product_times(found, name).items() if st in prod["routing"]}
        if own:
            prod["process_times"] = own
            fitted += [f"products.{name}.process_times.{st}" for st in own]
        elif had:
            fitted.append(
                f"products.{name}.process_times (removed: the log shows no product-specific time)"
            )
        if info.get("arrival_mean_min") is not None:
            prod["arrival"] = {"dist": "exponential", "mean": info["arrival_mean_min"]}
            fitted.append(f"products.{name}.arrival")
        else:
            kept.append(f"products.{name}.arrival (too few releases in the log)")
    if data.pop("jobs", None):
        fitted.append("jobs (dropped: the fitted releases replace the plan)")
    return data, fitted, kept


def _own_ids(station: str, info: dict[str, Any]) -> dict[str, Any]:
    """``{"machine_ids": [...]}`` when the log names the machines other than ``<station>-<k>``."""
    ids = list(info["machine_ids"])
    default = [default_machine_id(station, k) for k in range(info["machines"])]
    return {} if not ids or ids == default else {"machine_ids": ids}


def _warnings(found: Discovery, skeleton: Any) -> list[str]:
    out: list[str] = []
    if skeleton is not None:
        given = {p.name: list(p.routing) for p in skeleton.products}
        for prod, info in found.products.items():
            if info["routing"] and prod in given and info["routing"] != given[prod]:
                out.append(
                    f"product {prod!r}: the log's routing {info['routing']} differs from "
                    f"the skeleton's {given[prod]} (kept)"
                )
    return out


def _finite(value: Any) -> Any:
    """``value`` with every NaN or infinity as None (JSON has neither)."""
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, dict):
        return {k: _finite(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_finite(v) for v in value]
    return value


def calibrate(
    log: pd.DataFrame | str | Path,
    until: float | None = None,
    skeleton: Any = None,
    source: str | None = None,
    skeleton_source: str | None = None,
) -> Calibration:
    """Discover the plant in an MES event log and calibrate a factory config for ``dtwin.sim``.

    Parameters
    ----------
    log : the log (a frame from :func:`~dtwin.twin.meslog.read_mes_log`) or its path.
    until : use the events with ``time_min <= until`` only.
    skeleton : a ``dtwin.sim.FactoryConfig`` whose stations, machines and routings are kept.
    source, skeleton_source : names of the log and the skeleton for messages and the report.
    """
    from dtwin.sim import parse_factory
    from dtwin.twin.meslog import read_mes_log

    if not isinstance(log, pd.DataFrame):
        source = source or str(log)
        log = read_mes_log(log)
    source = source or "<log>"
    if until is not None and not (math.isfinite(until) and until >= 0):
        raise DataError(f"until: must be a finite time in minutes >= 0, got {until!r}")
    try:
        found = discover(log, until)
    except DataError as exc:
        raise DataError(f"{source}: {exc}") from exc
    name = f"calibrated from {Path(source).name}"
    if skeleton is None:
        try:
            factory, fitted, kept = _plain_factory(found, name), ["everything"], []
        except DataError as exc:
            raise DataError(f"{source}: {exc}") from exc
    else:
        problems = _mismatch(found, skeleton)
        if problems:
            raise DataError(
                f"{skeleton_source or '<skeleton>'}: does not match the log "
                f"{source}: {'; '.join(problems)}"
            )
        factory, fitted, kept = _on_skeleton(found, skeleton)
    factory = _short(factory)
    parse_factory(factory, source=f"the factory calibrated from {source}")
    report = {
        "log": source,
        "until": until,
        "horizon_min": found.horizon,
        "events": found.events,
        "parts": found.parts,
        "factory": skeleton_source,
        "stations": found.stations,
        "products": found.products,
        "fitted": fitted,
        "kept": kept,
        "warnings": _warnings(found, skeleton),
    }
    return Calibration(factory, _finite(report))


def write_factory(factory: dict[str, Any], path: str | Path) -> Path:
    """Write a calibrated factory as YAML (``dtwin simulate`` reads it unchanged)."""
    import yaml

    path = Path(path)
    if not path.parent.is_dir():
        raise DataError(f"{path}: folder {str(path.parent)!r} does not exist")
    header = "# calibrated by dtwin twin calibrate from an MES event log (times in minutes)\n"
    path.write_text(header + yaml.safe_dump(factory, sort_keys=False), encoding="utf-8")
    return path
