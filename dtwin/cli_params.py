"""Parameter types shared by every ``dtwin`` sub-command.

Plain ``type=float`` accepts ``nan`` and ``inf`` and plain ``type=int`` accepts seeds that
overflow the libraries underneath (OR-Tools, NumPy, PyTorch); every numeric option of the CLI
uses one of these types instead, so bad values are refused once, here, with the option's name
and the valid range. ``tests/dtwin/test_cli.py`` checks that no command uses a plain float or an
unbounded seed.
"""

from __future__ import annotations

import math

import click

# The widest seed every library we seed accepts (OR-Tools' random_seed is an int32).
SEED_MAX = 2**31 - 1


class FiniteFloat(click.ParamType):
    """A float that must be finite and, optionally, within ``[min, max]``."""

    name = "number"

    def __init__(
        self,
        min: float | None = None,
        max: float | None = None,
        min_open: bool = False,
    ) -> None:
        self.min = min
        self.max = max
        self.min_open = min_open

    def convert(self, value: object, param: click.Parameter | None, ctx: click.Context | None):
        try:
            number = float(value)  # type: ignore[arg-type]
        except (TypeError, ValueError):
            self.fail(f"{value!r} is not a number", param, ctx)
        if not math.isfinite(number):
            self.fail(f"{value!r} is not a finite number{self._range_hint()}", param, ctx)
        too_low = self.min is not None and (
            number <= self.min if self.min_open else number < self.min
        )
        too_high = self.max is not None and number > self.max
        if too_low or too_high:
            self.fail(f"{value!r} is out of range{self._range_hint()}", param, ctx)
        return number

    def _range_hint(self) -> str:
        if self.min is None and self.max is None:
            return ""
        low = "" if self.min is None else f"{self.min:g} {'<' if self.min_open else '<='} x"
        high = "" if self.max is None else f"x <= {self.max:g}"
        if low and high:
            return f" (valid: {low} <= {self.max:g})"
        return f" (valid: {low or high})"

    def __repr__(self) -> str:
        return f"FiniteFloat({self.min}, {self.max})"


def seed_option(help: str = "Random seed.", default: int = 0):
    """The ``--seed`` option every command shares: an integer in [0, 2**31 - 1]."""
    return click.option(
        "--seed",
        type=SEED,
        default=default,
        show_default=True,
        help=help,  # click shows the range itself
    )


SEED = click.IntRange(0, SEED_MAX)
