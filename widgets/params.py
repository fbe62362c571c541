"""Notebook parameters from Voila's URL query string (``?days=2&seed=3``).

Every app reads its URL parameters through ``apply_url_parameters``: each value is cast to the
type of the parameter's default (true/false, a whole number, a finite number or text) and checked
against the app's ``limits``; a parameter named ``seed`` must lie in ``SEED_RANGE`` unless the app
says otherwise. A bad value never stops the app: it keeps its default, and the page shows one
message (``widgets.messages.MessageBox``) that names every refused parameter, its value and what
would be valid.

Voila's preheated kernels (``apps/voila.json``) run the notebook before any visitor arrives, so
the query string does not exist yet: ``apply_url_parameters`` then waits for the page request
(``voila.utils.wait_for_request``) before it reads it. Apps therefore import their libraries
before the parameters cell, and a preheated kernel has done that work when the visitor comes.
"""

from __future__ import annotations

import math
import os
import warnings
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


def preheating() -> bool:
    """True in a preheated Voila kernel that no page request has claimed yet."""
    return os.environ.get("VOILA_PREHEAT", "False") == "True"


def wait_for_page_request() -> bool:
    """In a preheated kernel, block until a page claims it; True once its request is known.

    ``voila.utils.wait_for_request`` returns when Voila hands the kernel to a page and puts
    that request's ``QUERY_STRING`` (and the other CGI variables) in ``os.environ``. Outside a
    preheated kernel (a kernel Voila starts per page, papermill, JupyterLab) it returns at once.
    False when the request could not be received (the page then keeps its defaults).
    """
    if not preheating():
        return True
    from voila.utils import wait_for_request

    os.environ.pop("QUERY_STRING", None)  # only the page's own request counts
    with warnings.catch_warnings(record=True):  # Voila warns on stderr when it cannot connect
        warnings.simplefilter("always")
        wait_for_request()
    # The kernel now serves a page, as one that Voila starts per page does; Voila sends the
    # request only once, so a second wait would block for ever.
    os.environ["VOILA_PREHEAT"] = "False"
    return "QUERY_STRING" in os.environ


NO_REQUEST = (
    "the page's URL parameters could not be read (the preheated kernel received no request "
    "from Voila), so the app uses its defaults"
)


def apply_url_parameters(
    namespace: MutableMapping[str, Any],
    names: Iterable[str],
    query: str | None = None,
    limits: Mapping[str, Bounds] | None = None,
) -> dict[str, Any]:
    """Override ``names`` in ``namespace`` from the page's query string; return what changed.

    Without ``query``, the page's ``QUERY_STRING`` is read; a preheated kernel first waits for
    the page request (``wait_for_page_request``). Under papermill there is no query string and
    nothing changes. Refused values keep their defaults: in Voila the page shows why (a message
    box in this cell's output); elsewhere ``ConfigError`` is raised so that a scripted run fails
    loudly.
    """
    if query is None:
        if not wait_for_page_request():
            _report(NO_REQUEST, kind="warning")
            return {}
        query = os.environ.get("QUERY_STRING", "")
    defaults = {name: namespace.get(name) for name in names}
    parsed = parse_url_parameters(defaults, query, limits)
    namespace.update(parsed.values)
    if parsed.problems:
        _report(parsed.message())
    return parsed.values


def _report(text: str, kind: str = "error") -> None:
    from widgets.messages import MessageBox, in_voila

    if not in_voila():
        raise ConfigError(text)
    from IPython.display import display

    box = MessageBox()
    box.add_class("dtwin-url-parameters")
    box.show(text, kind)
    display(box)
