"""Floor layout of a factory for the 3D view: station positions and conveyors."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from dtwin.sim.config import FactoryConfig, to_factory
from dtwin.sim.results import Layout, StationLayout

SPACING = 6.0  # metres between stations when the config gives no positions


def factory_layout(config: FactoryConfig | dict[str, Any] | str | Path) -> Layout:
    """Stations with their positions (given or auto-placed) and the conveyors between them.

    Stations without a ``position`` are placed on a grid: x by their step in the first
    routing that visits them, y by that product's row. Conveyors are the config's
    ``conveyors`` or, if absent, every consecutive pair of stations in a routing.
    """
    cfg = to_factory(config)
    auto: dict[str, tuple[float, float]] = {}
    for row, prod in enumerate(cfg.products):
        for step, name in enumerate(prod.routing):
            auto.setdefault(name, (step * SPACING, row * SPACING))
    stations = []
    for i, st in enumerate(cfg.stations):
        if st.position is not None:
            x, y, z = st.position.x, st.position.y, st.position.z
        else:
            x, y = auto.get(st.name, (i * SPACING, -SPACING))
            z = 0.0
        stations.append(StationLayout(st.name, x, y, st.machines, st.kind, z, st.line))
    if cfg.conveyors is not None:
        conveyors = [(a, b) for a, b in cfg.conveyors]
    else:
        conveyors = []
        for prod in cfg.products:
            for pair in zip(prod.routing, prod.routing[1:], strict=False):
                if pair not in conveyors and pair[0] != pair[1]:
                    conveyors.append(pair)
    return Layout(stations, conveyors)
