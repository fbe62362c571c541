"""Loading and validating YAML/JSON inputs, shared by every part of dtwin.

Validation happens once, at the edge, with pydantic; a failure becomes a
:class:`~dtwin.errors.ConfigError` that names the file, the field and the offending value.
"""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any, TypeVar

import yaml
from pydantic import BaseModel, ValidationError

from dtwin.errors import ConfigError, DtwinError, one_line

ModelT = TypeVar("ModelT", bound=BaseModel)


def read_text(path: str | Path, error: type[DtwinError] = ConfigError) -> str:
    """A UTF-8 text file's contents (a leading byte-order mark dropped); a missing, unreadable
    or non-UTF-8 file raises ``error`` naming it."""
    path = Path(path)
    if not path.is_file():
        raise error(f"{path}: file not found")
    try:
        return path.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError as exc:
        raise error(
            f"{path}: not UTF-8 text (byte 0x{exc.object[exc.start]:02x} at offset {exc.start})"
        ) from exc
    except OSError as exc:
        raise error(f"{path}: cannot read file: {exc.strerror or exc}") from exc


def load_mapping(path: str | Path) -> dict[str, Any]:
    """Read a YAML or JSON file whose top level is a mapping."""
    path = Path(path)
    text = read_text(path)
    try:
        data = json.loads(text) if path.suffix.lower() == ".json" else yaml.safe_load(text)
    except (yaml.YAMLError, json.JSONDecodeError) as exc:
        raise ConfigError(
            f"{path}: not valid {'JSON' if path.suffix == '.json' else 'YAML'}: "
            f"{one_line(str(exc))}"
        ) from exc
    if not isinstance(data, dict):
        raise ConfigError(f"{path}: the top level must be a mapping, got {type(data).__name__}")
    return data


def validate(model: type[ModelT], data: Any, source: str | Path = "<input>") -> ModelT:
    """Validate ``data`` against a pydantic model; errors name the source and dotted field."""
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        raise ConfigError(f"{source}: {format_validation_error(exc)}") from exc


def load_config(model: type[ModelT], path: str | Path) -> ModelT:
    """Load a YAML/JSON file and validate it against ``model``."""
    return validate(model, load_mapping(path), path)


def format_validation_error(exc: ValidationError, data: Any = None) -> str:
    """Render a pydantic error as ``field.path: message (got value)`` parts on one line.

    With the validated ``data``, list items are named by their ``name`` field
    (``stations.press.machines`` rather than ``stations.0.machines``) and the tags of tagged
    unions (pydantic's extra ``loc`` part) are left out, so the path is the user's own.
    """
    parts = []
    for err in exc.errors():
        loc = _named_loc(err["loc"], data)
        msg = err["msg"].removeprefix("Value error, ")
        ctx = err.get("ctx") or {}
        got = err.get("input")
        if err["type"] == "union_tag_invalid":
            tag = str(ctx.get("discriminator", "")).strip("'")
            msg = f"unknown {tag} {ctx.get('tag')!r}; valid: {_tags(ctx)}"
        elif err["type"] == "union_tag_not_found":
            msg = f"missing {ctx.get('discriminator', 'tag')}"
        shown = "" if isinstance(got, dict | list) or got is None else f" (got {got!r})"
        if err["type"] in ("missing", "union_tag_invalid", "union_tag_not_found"):
            shown = ""
        parts.append(f"{loc}: {msg}{shown}")
    return "; ".join(parts)


def _tags(ctx: dict[str, Any]) -> str:
    return str(ctx.get("expected_tags", "")).replace("'", "")


def _is_union_tag(node: Any, part: Any) -> bool:
    if not isinstance(node, dict) or not isinstance(part, str) or part in node:
        return False
    return part in {v for v in node.values() if isinstance(v, str)}


def _named_loc(loc: tuple[Any, ...], data: Any) -> str:
    names: list[str] = []
    node = data
    for part in loc:
        if isinstance(part, int) and isinstance(node, list) and 0 <= part < len(node):
            node = node[part]
            label = node.get("name") if isinstance(node, dict) else None
            names.append(str(label) if isinstance(label, str) and label else f"[{part}]")
            continue
        if _is_union_tag(node, part):
            continue  # a tagged union's tag: not a field of the user's file
        names.append(str(part))
        node = node.get(part) if isinstance(node, dict) else None
    text = ".".join(names) or "<root>"
    return text.replace(".[", "[")


def parse_override(text: str) -> tuple[str, Any]:
    """Split ``a.b.c=value`` into the dotted path and a YAML-parsed value."""
    if "=" not in text:
        raise ConfigError(f"override {text!r}: expected PATH=VALUE, e.g. stations.press.machines=3")
    path, raw = text.split("=", 1)
    path = path.strip()
    if not path:
        raise ConfigError(f"override {text!r}: the path before '=' is empty")
    try:
        value = yaml.safe_load(raw) if raw.strip() else None
    except yaml.YAMLError as exc:
        raise ConfigError(f"override {text!r}: value is not valid YAML") from exc
    return path, value


def apply_overrides(data: dict[str, Any], overrides: dict[str, Any]) -> dict[str, Any]:
    """Return a deep copy of ``data`` with dotted-path overrides applied.

    A path segment addresses a mapping key, a list index, or the list item whose ``name``
    equals the segment (so ``stations.press.machines`` finds the station named ``press``).
    """
    result = copy.deepcopy(data)
    for path, value in overrides.items():
        _set_path(result, path, value)
    return result


def _set_path(root: Any, path: str, value: Any) -> None:
    parts = path.split(".")
    node = root
    for depth, part in enumerate(parts):
        last = depth == len(parts) - 1
        where = ".".join(parts[: depth + 1])
        if isinstance(node, dict):
            if last:
                node[part] = value
                return
            if part not in node:
                raise ConfigError(
                    f"override {path}: no field {where!r}; "
                    f"choices: {', '.join(map(str, node)) or 'none'}"
                )
            node = node[part]
        elif isinstance(node, list):
            index = _list_index(node, part, path, where)
            if last:
                node[index] = value
                return
            node = node[index]
        else:
            raise ConfigError(
                f"override {path}: {'.'.join(parts[:depth])!r} is a value, not a section"
            )


def _list_index(items: list[Any], part: str, path: str, where: str) -> int:
    if part.lstrip("-").isdigit():
        index = int(part)
        if -len(items) <= index < len(items):
            return index % len(items)
        raise ConfigError(f"override {path}: index {where!r} out of range (0..{len(items) - 1})")
    names = [item.get("name") for item in items if isinstance(item, dict)]
    if part in names:
        return names.index(part)
    raise ConfigError(
        f"override {path}: no item named {part!r} at {where!r}; "
        f"choices: {', '.join(map(str, names)) or 'none'}"
    )
