"""Master data of a plant: its machines, products and the spellings upstream systems use.

A :class:`PlantCatalog` is plain data (pydantic, checked once); :mod:`dtwin.warehouse.plant`
builds one from a factory YAML (the shipped default is ``data/factories/smelter.yaml``).

Machine ids are matched by their *key*: lower-case letters and digits only, with the leading
zeros of every digit run removed, so ``SMELTER-01``, ``smelter1``, ``Smelter_01`` and
``smelter 001`` are one machine, and ``weld a 1`` is ``weld_a-1``. Product spellings are
matched by :func:`product_key` against each product's id, display name and aliases. A catalogue
whose machine ids (or product spellings) collide under their key is refused.
"""

from __future__ import annotations

import re
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from dtwin.config import format_validation_error
from dtwin.errors import ConfigError

MINUTES_PER_DAY = 1440
DEFAULT_SENSOR_INTERVAL_MIN = 15


class Machine(BaseModel):
    """A machine of the plant and its nominal figures."""

    model_config = ConfigDict(extra="forbid", frozen=True, allow_inf_nan=False)

    machine_id: str = Field(min_length=1)
    machine_type: str  # the station the machine belongs to
    ideal_cycle_s: float = Field(ge=0)  # mean seconds per unit (the station's process time)
    min_cycle_s: float = Field(ge=0)  # the fastest possible unit (0: no lower bound)
    product_cycle_s: dict[str, tuple[float, float]] = Field(default_factory=dict)
    run_kw: float = Field(ge=0)  # power draw while running
    idle_kw: float = Field(ge=0)  # power draw while idle
    rated_kw: float = Field(ge=0)  # the largest draw of any state
    defect_p: float = Field(ge=0, le=1)  # base share of defective units
    firmware: str = "1.0"  # firmware installed when the history starts
    products: tuple[str, ...] = ()  # products whose routing visits the machine's station

    @property
    def product_id(self) -> str | None:
        """The first product the machine makes (None if no routing visits it)."""
        return self.products[0] if self.products else None

    def cycle_s(self, product_id: str) -> tuple[float, float]:
        """(mean, fastest) seconds per unit of ``product_id`` on this machine."""
        return self.product_cycle_s.get(product_id, (self.ideal_cycle_s, self.min_cycle_s))


class Product(BaseModel):
    """A product, its display name, the spelling variants upstream systems use, its route."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    product_id: str = Field(min_length=1)
    name: str = Field(min_length=1)
    aliases: tuple[str, ...] = ()
    routing: tuple[str, ...] = ()


class PlantCatalog(BaseModel):
    """A plant's master data: machines, products and the interval of its sensor readings."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    name: str = "plant"
    machines: tuple[Machine, ...] = Field(min_length=1)
    products: tuple[Product, ...] = Field(min_length=1)
    sensor_interval_min: int = DEFAULT_SENSOR_INTERVAL_MIN

    @model_validator(mode="after")
    def _consistent(self) -> PlantCatalog:
        problems = _catalog_problems(self)
        if problems:
            raise ValueError("; ".join(problems))
        return self

    @classmethod
    def from_mapping(cls, data: Any, source: str = "catalog") -> PlantCatalog:
        """Validate a mapping; problems raise ConfigError naming ``source`` and the field."""
        try:
            return cls.model_validate(data)
        except ValidationError as exc:
            raise ConfigError(f"{source}: {format_validation_error(exc, data)}") from exc

    @property
    def machine_ids(self) -> tuple[str, ...]:
        return tuple(m.machine_id for m in self.machines)

    def machine(self, machine_id: str) -> Machine:
        """The machine called ``machine_id`` (KeyError when there is none)."""
        for m in self.machines:
            if m.machine_id == machine_id:
                return m
        raise KeyError(machine_id)

    def product(self, product_id: str) -> Product:
        """The product called ``product_id`` (KeyError when there is none)."""
        for p in self.products:
            if p.product_id == product_id:
                return p
        raise KeyError(product_id)

    def machine_lookup(self) -> dict[str, str]:
        """Machine key -> machine id."""
        return {machine_key(m.machine_id): m.machine_id for m in self.machines}

    def product_lookup(self) -> dict[str, str]:
        """Product key -> product id for every id, display name and alias."""
        return {
            product_key(spelling): p.product_id
            for p in self.products
            for spelling in (p.product_id, p.name, *p.aliases)
        }

    @property
    def slots_per_day(self) -> int:
        return MINUTES_PER_DAY // self.sensor_interval_min


def check_sensor_interval(minutes: object, where: str = "sensor_interval_min") -> int:
    """Refuse a sensor interval that is not a whole number of minutes dividing a day."""
    whole = isinstance(minutes, int) and not isinstance(minutes, bool)
    if not (whole and 1 <= minutes <= MINUTES_PER_DAY and MINUTES_PER_DAY % minutes == 0):
        raise ConfigError(
            f"{where}: {minutes!r} minutes does not divide a day into whole slots; valid: a "
            "divisor of 1440 such as 1, 5, 10, 15, 30 or 60"
        )
    return minutes


def _catalog_problems(catalog: PlantCatalog) -> list[str]:
    """Collisions and dangling references, every one at once."""
    out: list[str] = []
    try:
        check_sensor_interval(catalog.sensor_interval_min)
    except ConfigError as exc:
        out.append(str(exc))
    owner: dict[str, str] = {}
    for m in catalog.machines:
        key = machine_key(m.machine_id)
        if not key:
            out.append(f"machines.{m.machine_id}: the id has no letters or digits to match by")
        elif key in owner:
            out.append(
                f"machines: ids {owner[key]!r} and {m.machine_id!r} collide under the matching "
                f"key {key!r} (lower-case letters and digits, leading zeros dropped); rename one"
            )
        owner.setdefault(key, m.machine_id)
    spelt: dict[str, str] = {}
    for p in catalog.products:
        for spelling in dict.fromkeys((p.product_id, p.name, *p.aliases)):
            key = product_key(spelling)
            if not key:
                out.append(
                    f"products.{p.product_id}: spelling {spelling!r} has no letters or digits"
                )
            elif spelt.setdefault(key, p.product_id) != p.product_id:
                out.append(
                    f"products.{p.product_id}: spelling {spelling!r} collides with product "
                    f"{spelt[key]!r} under the matching key {key!r}; rename or drop the alias"
                )
    known = {p.product_id for p in catalog.products}
    for m in catalog.machines:
        for pid in [*m.products, *m.product_cycle_s]:
            if pid not in known:
                out.append(f"machines.{m.machine_id}: unknown product {pid!r}")
    return out


_DROP_MACHINE = re.compile(r"[^a-z0-9]")
_LEADING_ZEROS = re.compile(r"(?<![0-9])0+(?=[0-9])")


def machine_key(raw: str | None) -> str:
    """A machine spelling's key: lower-case letters and digits, leading zeros of digit runs
    dropped (``Smelter_01`` -> ``smelter1``)."""
    return _LEADING_ZEROS.sub("", _DROP_MACHINE.sub("", (raw or "").lower()))


# The same key in SQL (DuckDB RE2 has no look-behind: the character before the zeros is kept).
MACHINE_KEY_SQL = (
    "regexp_replace(regexp_replace(lower({col}), '[^a-z0-9]', '', 'g'), "
    "'(^|[^0-9])0+([0-9])', '\\1\\2', 'g')"
)


def product_key(raw: str | None) -> str:
    """A product spelling's key: letters and digits, lower case, no plural s."""
    key = re.sub(r"[^a-z0-9]", "", (raw or "").lower())
    return key[:-1] if key.endswith("s") else key


# The same normalisation in SQL.
PRODUCT_KEY_SQL = "regexp_replace(regexp_replace(lower({col}), '[^a-z0-9]', '', 'g'), 's$', '')"


def _catalog(catalog: PlantCatalog | None) -> PlantCatalog:
    if catalog is not None:
        return catalog
    from dtwin.warehouse.plant import default_catalog

    return default_catalog()


def canonical_machine_id(raw: str | None, catalog: PlantCatalog | None = None) -> str | None:
    """Map a machine spelling (``Smelter-1``, ``smelter1``) to the catalogue's id; None if
    no machine of the catalogue (default: the shipped smelter plant) has its key."""
    return _catalog(catalog).machine_lookup().get(machine_key(raw))


def canonical_product_id(raw: str | None, catalog: PlantCatalog | None = None) -> str | None:
    """Map a product spelling (``IRON_PLATES``, ``Iorn Plate``) to its id; None if unknown."""
    return _catalog(catalog).product_lookup().get(product_key(raw))


def product_lookup(catalog: PlantCatalog | None = None) -> dict[str, str]:
    """Lookup key -> product id for every canonical name, id and alias."""
    return _catalog(catalog).product_lookup()


def machine_variants(machine_id: str) -> list[str]:
    """Spellings of ``machine_id`` seen in the wild (each has the id's key, none is the id).

    Zero-padding two runs of digits (``st01-1`` as ``ST-01-01``) would join them under
    another key (``st101``), so an id with several digit runs gets no padded spellings.
    """
    key = machine_key(machine_id)
    tokens = re.findall(r"[A-Za-z]+|[0-9]+", machine_id)
    words = [t for t in tokens if not t.isdigit()]
    out: list[str] = []
    for case in (str.lower, str.title, str.upper):
        for sep in ("", "-", "_", " "):
            for pad in (0, 2):
                parts = [
                    t.lstrip("0").zfill(max(pad, 1)) if t.isdigit() else case(t) for t in tokens
                ]
                text = sep.join(parts) if words else "-".join(parts)
                if text != machine_id and text not in out and machine_key(text) == key:
                    out.append(text)
    return out or [machine_id.lower() if machine_id.lower() != machine_id else f" {machine_id}"]


def product_variants(name: str, aliases: tuple[str, ...]) -> list[str]:
    """Spellings of a product's display name (and its aliases) seen in the wild."""
    words = name.split()
    return [
        name.lower(),
        name.upper(),
        "_".join(w.upper() for w in words),
        "-".join(w.lower() for w in words),
        "".join(words),
        f"{name}s",
        f" {name} ",
        *aliases,
    ]
