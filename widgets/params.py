"""Notebook parameters from Voila's URL query string (``?days=2&seed=3``)."""

from __future__ import annotations

import os
from collections.abc import Iterable, MutableMapping
from typing import Any
from urllib.parse import parse_qsl

from dtwin.errors import ConfigError


def _cast(name: str, text: str, default: Any) -> Any:
    if isinstance(default, bool):
        if text.lower() in ("1", "true", "yes", "on"):
            return True
        if text.lower() in ("0", "false", "no", "off"):
            return False
        raise ConfigError(f"URL parameter {name}={text!r}: expected true or false")
    if isinstance(default, int | float):
        try:
            return type(default)(text)
        except ValueError:
            kind = type(default).__name__
            raise ConfigError(f"URL parameter {name}={text!r}: expected a {kind}") from None
    return text


def apply_url_parameters(
    namespace: MutableMapping[str, Any], names: Iterable[str], query: str | None = None
) -> dict[str, Any]:
    """Override ``names`` in ``namespace`` from the page's query string; return what changed.

    Voila puts the query string in ``QUERY_STRING``; a preheated kernel runs before any request,
    so it keeps its defaults. Under papermill there is no query string and nothing changes.
    """
    if query is None:
        if os.environ.get("VOILA_PREHEAT", "False") == "True":
            return {}
        query = os.environ.get("QUERY_STRING", "")
    allowed = set(names)
    changed = {}
    for key, text in parse_qsl(query):
        if key in allowed:
            changed[key] = _cast(key, text, namespace.get(key))
    namespace.update(changed)
    return changed
