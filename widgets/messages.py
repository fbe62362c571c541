"""A message box for errors and notices shown in the page instead of a traceback."""

from __future__ import annotations

import functools
import html
import os
from collections.abc import Callable
from typing import Any, TypeVar

import ipywidgets as w

from dtwin.errors import DtwinError

F = TypeVar("F", bound=Callable[..., Any])

_STYLES = {
    "error": "background:#fdecea;color:#8a1c1c;border:1px solid #f5c2c0",
    "warning": "background:#fff4e5;color:#7a4b00;border:1px solid #ffd8a8",
    "info": "background:#e8f4fd;color:#0b4a6f;border:1px solid #b6dcf7",
}


class MessageBox(w.HTML):
    """An HTML line that shows one error, warning or notice (hidden when empty)."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.kind = ""
        self.error: BaseException | None = None
        self.clear()

    def show(self, text: str, kind: str = "error") -> None:
        """Show ``text`` styled as ``kind`` (error, warning or info)."""
        self.kind = kind
        self.remove_class("dtwin-error")
        if kind == "error":
            self.add_class("dtwin-error")
        self.add_class("dtwin-message")
        style = _STYLES.get(kind, _STYLES["info"])
        self.value = (
            f'<div style="{style};padding:6px 10px;border-radius:4px">{html.escape(text)}</div>'
        )
        self.layout.display = None

    def clear(self) -> None:
        """Hide the message."""
        self.kind = ""
        self.error = None
        self.value = ""
        self.remove_class("dtwin-error")
        self.layout.display = "none"

    @property
    def text(self) -> str:
        """The message shown (empty when hidden)."""
        if not self.value:
            return ""
        return html.unescape(self.value.split(">", 1)[1].rsplit("<", 1)[0])


def describe(error: BaseException) -> str:
    """One line for the user: the message of a DtwinError, the type and message otherwise."""
    if isinstance(error, DtwinError):
        return str(error)
    return f"unexpected error ({type(error).__name__}): {error}"


def show_errors(box: MessageBox) -> Callable[[F], F]:
    """Decorator for callbacks: clear ``box`` first and show any exception in it."""

    def wrap(func: F) -> F:
        @functools.wraps(func)
        def inner(*args: Any, **kwargs: Any) -> Any:
            box.clear()
            try:
                return func(*args, **kwargs)
            except Exception as error:  # shown in the page; Voila hides tracebacks
                box.show(describe(error))
                box.error = error
                return None

        return inner  # type: ignore[return-value]

    return wrap


def in_voila() -> bool:
    """True inside a kernel started by Voila (request or preheat environment present)."""
    return os.environ.get("SERVER_SOFTWARE", "").startswith("voila") or (
        "VOILA_PREHEAT" in os.environ
    )


def raise_outside_voila(box: MessageBox) -> None:
    """Re-raise the error shown in ``box`` when not in Voila (so papermill runs fail loudly)."""
    if box.error is not None and not in_voila():
        raise box.error
