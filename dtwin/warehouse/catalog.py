"""Master data of the demo metal works: machines, products and the spellings seen in the wild."""

from __future__ import annotations

import re
from dataclasses import dataclass


@dataclass(frozen=True)
class Machine:
    """A machine of the plant and its nominal figures."""

    machine_id: str
    machine_type: str
    product_id: str
    cycle_s: float  # ideal seconds per unit
    run_kw: float  # power draw while running
    idle_kw: float  # power draw while idle
    defect_p: float  # base share of defective units
    firmware: str  # firmware installed when the history starts


@dataclass(frozen=True)
class Product:
    """A product and the spelling variants upstream systems use for it."""

    product_id: str
    name: str
    aliases: tuple[str, ...]


MACHINES: tuple[Machine, ...] = (
    Machine("SMELTER-01", "smelter", "iron-plate", 3.2, 90.0, 12.0, 0.015, "1.0"),
    Machine("SMELTER-02", "smelter", "iron-plate", 3.2, 90.0, 12.0, 0.015, "1.0"),
    Machine("ASSEMBLER-01", "assembler", "gear-wheel", 5.0, 45.0, 6.0, 0.025, "2.3"),
)

PRODUCTS: tuple[Product, ...] = (
    Product("iron-plate", "Iron Plate", ("Iorn Plate", "Iron Plt", "Fe Plate")),
    Product("gear-wheel", "Gear Wheel", ("Gear Wheal", "Gearwheel", "Gear Whl")),
)

DEGRADING_MACHINE = "SMELTER-02"

_MACHINE_RE = re.compile(r"^\s*([A-Za-z]+)[\s_\-]*0*(\d+)\s*$")


def canonical_machine_id(raw: str) -> str | None:
    """Map a machine-id spelling (``Smelter-1``, ``smelter1``) to ``SMELTER-01``; None if odd."""
    match = _MACHINE_RE.match(raw or "")
    if match is None:
        return None
    return f"{match.group(1).upper()}-{int(match.group(2)):02d}"


# The same rule in SQL (DuckDB RE2): letters, optional separators, digits.
MACHINE_SQL = (
    "CASE WHEN regexp_matches({col}, '^\\s*[A-Za-z]+[\\s_\\-]*\\d+\\s*$') THEN "
    "upper(regexp_extract({col}, '([A-Za-z]+)', 1)) || '-' || "
    "lpad(CAST(CAST(regexp_extract({col}, '(\\d+)\\s*$', 1) AS INTEGER) AS VARCHAR), 2, '0') "
    "END"
)


def product_key(raw: str) -> str:
    """Normalise a product spelling to its lookup key: letters only, lower case, no plural s."""
    key = re.sub(r"[^a-z]", "", (raw or "").lower())
    return key[:-1] if key.endswith("s") else key


# The same normalisation in SQL.
PRODUCT_KEY_SQL = "regexp_replace(regexp_replace(lower({col}), '[^a-z]', '', 'g'), 's$', '')"


def product_lookup() -> dict[str, str]:
    """Return lookup key -> product id for every canonical name, id and alias."""
    table: dict[str, str] = {}
    for product in PRODUCTS:
        for spelling in (product.product_id, product.name, *product.aliases):
            table[product_key(spelling)] = product.product_id
    return table


def canonical_product_id(raw: str) -> str | None:
    """Map a product spelling (``IRON_PLATES``, ``Iorn Plate``) to its id; None if unknown."""
    return product_lookup().get(product_key(raw))
