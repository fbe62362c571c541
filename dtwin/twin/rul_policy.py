"""The twin's maintenance policy for a whole factory, and the RUL-driven one among them.

:class:`MaintenanceSettings` is what ``dtwin twin run --maintenance-policy`` asks for: one
policy for every station that wears or breaks (``dtwin.sim.policies``): ``none`` (run to
failure), ``periodic`` (every ``interval`` minutes), ``health_threshold`` (below ``threshold``;
on the simulator's true health in the ``oracle`` loop: the oracle) or ``rul``.

``rul`` (:class:`RulPolicy`): the RUL agent (:mod:`dtwin.twin.agents.rul`) predicts each
machine's remaining useful life from its own sensor series, and the policy asks the plant to
maintain a machine as soon as the predicted RUL falls below ``margin`` sensor cycles, once per
life, after at least ``min_cycles`` readings of that life (the first windows are padded).
The margin trades services against breakdowns; :mod:`dtwin.twin.policy_choice` chooses it on
runs of the factory with another seed, never on the runs it is evaluated on.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from dtwin.errors import ConfigError
from dtwin.sim.policies import POLICIES, check_policy, with_policy
from dtwin.twin.agents.rul import RulPredicted
from dtwin.twin.bus import EventBus
from dtwin.twin.ids import MachineIds
from dtwin.twin.state import FactoryState

NAME = "rul_policy"

#: ``command(station, slot, reason)`` -> True when the plant took the request
Command = Callable[[str, int, str], bool]


@dataclass(frozen=True)
class MaintenanceSettings:
    """One maintenance policy for the whole factory (see the module doc).

    ``model``: the RUL model of ``rul`` (a ``dtwin.health.RulModel`` or its folder); ``margin``
    in sensor cycles; ``every``: readings between two predictions of one machine;
    ``lookahead``: predict again after this share of the slack ``rul - margin`` (None: every
    ``every`` readings).
    """

    policy: str = "none"
    interval: float | None = None
    threshold: float | None = None
    margin: float | None = None
    model: Any = None
    min_cycles: int = 5
    every: int = 1
    lookahead: float | None = 0.25

    def __post_init__(self) -> None:
        check_policy(self.policy, self.interval, self.threshold)
        if self.policy == "rul" and (self.model is None or self.margin is None):
            raise ConfigError("maintenance policy 'rul' needs a RUL model and a margin (cycles)")
        if self.margin is not None and not self.margin >= 0:
            raise ConfigError(f"RUL margin must be >= 0 cycles, got {self.margin!r}")

    def factory(self, config: Any) -> Any:
        """``config`` with this policy on every station that wears or breaks."""
        return with_policy(config, self.policy, self.interval, self.threshold)

    def describe(self) -> dict[str, Any]:
        """The policy and its parameter, as a report shows it."""
        out: dict[str, Any] = {"policy": self.policy}
        if self.policy == "periodic":
            out["interval_min"] = self.interval
        elif self.policy == "health_threshold":
            out["threshold"] = self.threshold
        elif self.policy == "rul":
            out["margin_cycles"] = self.margin
        return out


def load_rul_model(model: Any) -> Any:
    """A RUL model object for a folder path (``dtwin.health.RulModel.load``); objects pass."""
    from pathlib import Path

    if not isinstance(model, str | Path):
        return model
    from dtwin.health import RulModel

    return RulModel.load(model)


@dataclass(frozen=True)
class RulDecision:
    """One request of the RUL policy: when, which machine, on what prediction, the answer."""

    time: float
    machine: str
    rul: float
    lo: float
    hi: float
    margin: float
    accepted: bool


class RulPolicy:
    """Requests maintenance when a machine's predicted RUL falls below ``margin`` cycles."""

    def __init__(
        self,
        bus: EventBus,
        state: FactoryState,
        ids: MachineIds,
        command: Command,
        margin: float,
        min_cycles: int = 5,
    ) -> None:
        self.state, self.ids, self.command = state, ids, command
        self.margin = float(margin)
        self.min_cycles = int(min_cycles)
        self.decisions: list[RulDecision] = []
        bus.subscribe(self.on_prediction, RulPredicted, name=NAME)

    def next_check(self, rul: float, lookahead: float | None) -> int:
        """Readings until the next prediction is worth making (1 near the margin)."""
        if lookahead is None:
            return 1
        return max(1, int(lookahead * (rul - self.margin)))

    def on_prediction(self, event: RulPredicted) -> None:
        if event.rul >= self.margin or event.cycle < self.min_cycles:
            return
        record = self.state.machine(event.machine)
        if record.maintenance_pending or record.status in ("maintenance", "down"):
            return  # asked already (once per life), or being serviced or repaired
        station, slot = self.ids.slot_of(event.machine)
        reason = (
            f"predicted RUL {event.rul:.0f} [{event.lo:.0f}, {event.hi:.0f}] cycles "
            f"< margin {self.margin:g}"
        )
        accepted = bool(self.command(station, slot, reason))
        self.decisions.append(
            RulDecision(
                event.time, event.machine, event.rul, event.lo, event.hi, self.margin, accepted
            )
        )


__all__ = ["POLICIES", "MaintenanceSettings", "RulDecision", "RulPolicy", "load_rul_model"]
