"""Notebook parameters from Voila's URL query string (``?days=2&seed=3``).

Every app reads its URL parameters through ``apply_url_parameters``: each value is cast to the
type of the parameter's default (true/false, a whole number, a finite number or text) and checked
against the app's ``limits``; a parameter named ``seed`` must lie in ``SEED_RANGE`` unless the app
says otherwise. A bad value never stops the app: it keeps its default, and the page shows one
message (``widgets.messages.MessageBox``) that names every refused parameter, its value and what
would be valid.
"""

from __future__ import annotations

import math
import os
from collections.abc import Iterable, Mapping, MutableMapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qsl

from dtwin.errors import ConfigError

Bounds = tuple[float | None, float | None]  # (lowest, highest) allowed; None: no bound
SEED_RANGE: Bounds = (0, 2**32 - 1)  # what numpy's and Python's generators take alike


@dataclass(frozen=True)
class UrlParameters:
    """What a query string sets: the accepted ``values`` and one line per refused parameter."""

    values: dict[str, Any] = field(default_factory=dict)
    problems: list[str] = field(default_factory=list)

    def message(self) -> str:
        """All problems in one line (empty when there are none)."""
        if not self.problems:
            return ""
        return "; ".join(self.problems) + ". The app uses the default for each of these."


def _cast(name: str, text: str, default: Any) -> Any:
    """``text`` as the type of ``default``; ConfigError names the parameter otherwise."""
    shown = f"URL parameter {name}={text!r}"
    if isinstance(default, bool):
        if text.strip().lower() in ("1", "true", "yes", "on"):
            return True
        if text.strip().lower() in ("0", "false", "no", "off"):
            return False
        raise ConfigError(f"{shown}: expected true or false")
    if isinstance(default, int):
        try:
            return int(text)
        except ValueError:
            raise ConfigError(f"{shown}: expected a whole number, e.g. {name}={default}") from None
    if isinstance(default, float):
        try:
            value = float(text)
        except ValueError:
            value = math.nan
        if not math.isfinite(value):
            raise ConfigError(f"{shown}: expected a finite number, e.g. {name}={default:g}")
        return value
    return text


def _number(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else f"{value:g}"


def _check_bounds(name: str, text: str, value: Any, bounds: Bounds) -> None:
    low, high = bounds
    if (low is not None and value < low) or (high is not None and value > high):
        if low is not None and high is not None:
            valid = f"between {_number(low)} and {_number(high)}"
        elif low is not None:
            valid = f"at least {_number(low)}"
        else:
            valid = f"at most {_number(high)}"
        raise ConfigError(f"URL parameter {name}={text!r}: must be {valid}")


def parse_url_parameters(
    defaults: Mapping[str, Any], query: str, limits: Mapping[str, Bounds] | None = None
) -> UrlParameters:
    """Read the parameters named in ``defaults`` from ``query``, checked against ``limits``.

    Other names in the query (e.g. Voila's own ``theme``) are ignored; a refused value is left
    out of ``values`` and described in ``problems``.
    """
    bounds = {"seed": SEED_RANGE, **(limits or {})}
    values: dict[str, Any] = {}
    problems: dict[str, str] = {}  # the last value of a repeated name counts, as in values
    for key, text in parse_qsl(query):
        if key not in defaults:
            continue
        try:
            value = _cast(key, text, defaults[key])
            if key in bounds and isinstance(value, int | float) and not isinstance(value, bool):
                _check_bounds(key, text, value, bounds[key])
        except ConfigError as error:
            problems[key] = str(error)
            values.pop(key, None)
            continue
        problems.pop(key, None)
        values[key] = value
    return UrlParameters(values, list(problems.values()))


def _query_string() -> str | None:
    """The page's query string; None in a preheated kernel, which runs before any request."""
    if os.environ.get("VOILA_PREHEAT", "False") == "True":
        return None
    return os.environ.get("QUERY_STRING", "")


def apply_url_parameters(
    namespace: MutableMapping[str, Any],
    names: Iterable[str],
    query: str | None = None,
    limits: Mapping[str, Bounds] | None = None,
) -> dict[str, Any]:
    """Override ``names`` in ``namespace`` from the page's query string; return what changed.

    Voila puts the query string in ``QUERY_STRING``; a preheated kernel runs before any request,
    so it keeps its defaults. Under papermill there is no query string and nothing changes.
    Refused values keep their defaults: in Voila the page shows why (a message box in this
    cell's output); elsewhere ``ConfigError`` is raised so that a scripted run fails loudly.
    """
    if query is None:
        query = _query_string()
        if query is None:
            return {}
    defaults = {name: namespace.get(name) for name in names}
    parsed = parse_url_parameters(defaults, query, limits)
    namespace.update(parsed.values)
    if parsed.problems:
        _report(parsed.message())
    return parsed.values


def _report(text: str) -> None:
    from widgets.messages import MessageBox, in_voila

    if not in_voila():
        raise ConfigError(text)
    from IPython.display import display

    box = MessageBox()
    box.add_class("dtwin-url-parameters")
    box.show(text)
    display(box)
