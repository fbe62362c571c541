"""Maintenance policies for a whole factory: one policy for every station that wears or breaks.

:func:`with_policy` returns a copy of a factory in which every station that can wear or break
down (it has ``health`` or ``failure``) follows the same preventive policy, and every other
station none:

- ``none``: run to failure;
- ``periodic``: a service every ``interval`` minutes;
- ``health_threshold``: a service when the health falls below ``threshold`` (the simulator's
  true health with ``maintenance="config"``; a twin's estimate with ``"external"``).

Each service keeps its station's ``maintenance.duration`` (else the factory's). A controller
outside the simulator (the twin's RUL policy) takes ``none`` and sends its own requests
through :meth:`dtwin.sim.Simulation.request_maintenance`; :data:`EXTERNAL_POLICIES` names
such policies, which the simulator cannot run by itself.
"""

from __future__ import annotations

from typing import Any

from dtwin.errors import ConfigError
from dtwin.sim.config import FactoryConfig, parse_factory

SIM_POLICIES = ("none", "periodic", "health_threshold")
#: policies that a controller outside the simulator runs (the twin's ``rul``)
EXTERNAL_POLICIES = ("rul",)
POLICIES = (*SIM_POLICIES, *EXTERNAL_POLICIES)


def maintained_stations(config: FactoryConfig) -> list[str]:
    """Stations that can wear or break down (a preventive policy has something to do)."""
    return [st.name for st in config.stations if st.health is not None or st.failure is not None]


def check_policy(policy: Any, interval: Any = None, threshold: Any = None) -> str:
    """``policy`` if valid with its parameter, else a ConfigError naming what is valid."""
    if policy not in POLICIES:
        raise ConfigError(
            f"maintenance policy {policy!r} is not valid; choices: {', '.join(POLICIES)}"
        )
    if policy == "periodic" and interval is None:
        raise ConfigError("maintenance policy 'periodic' needs an interval (minutes)")
    if policy == "health_threshold" and threshold is None:
        raise ConfigError("maintenance policy 'health_threshold' needs a threshold in (0, 1)")
    return str(policy)


def with_policy(
    config: FactoryConfig,
    policy: str,
    interval: float | None = None,
    threshold: float | None = None,
) -> FactoryConfig:
    """A copy of ``config`` with ``policy`` on every maintained station (see the module doc).

    ``rul`` (an external policy) gives ``none`` here: its controller sends the requests.
    """
    check_policy(policy, interval, threshold)
    sim_policy = "none" if policy in EXTERNAL_POLICIES else policy
    data = config.model_dump(mode="json", exclude_none=True)
    default = data.get("maintenance", {})
    factory_duration = default.get("duration")
    data["maintenance"] = {k: v for k, v in default.items() if k in ("technicians", "duration")}
    maintained = set(maintained_stations(config))
    missing = []
    for st in data["stations"]:
        own = st.get("maintenance", {})
        duration = own.get("duration", factory_duration)
        block: dict[str, Any] = {"policy": "none"}
        if duration is not None:
            block["duration"] = duration
        if st["name"] in maintained and sim_policy != "none":
            if duration is None:
                missing.append(st["name"])
            block["policy"] = sim_policy
            if sim_policy == "periodic":
                block["interval"] = float(interval)  # type: ignore[arg-type]
            else:
                block["threshold"] = float(threshold)  # type: ignore[arg-type]
        st["maintenance"] = block
    if missing and sim_policy != "none":
        raise ConfigError(
            f"maintenance policy {policy!r}: station(s) {', '.join(missing)} have no "
            f"maintenance duration; give stations[NAME].maintenance.duration or "
            f"maintenance.duration"
        )
    return parse_factory(data, source=f"{config.name} ({policy} policy)")
