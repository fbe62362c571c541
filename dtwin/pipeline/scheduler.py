"""Checking a Dask scheduler address before anything runs."""

from __future__ import annotations

import re
from urllib.parse import urlsplit

from dtwin.errors import ConfigError

# the transports distributed speaks; a bare HOST:PORT means tcp, as in dask itself
SCHEMES = ("tcp", "tls", "ws", "wss", "ucx", "inproc")
_HOST = re.compile(r"^(\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9._-]+)$")


def check_scheduler_address(address: str) -> str:
    """``address`` if it reads as ``[SCHEME://]HOST:PORT``; a ``ConfigError`` naming it if not."""
    hint = f"expected [SCHEME://]HOST:PORT with SCHEME one of {', '.join(SCHEMES)}"
    text = address.strip()
    if not text or any(ch.isspace() for ch in text):
        raise ConfigError(f"--scheduler {address!r}: not an address; {hint}")
    if "://" not in text:
        text = f"tcp://{text}"
    parts = urlsplit(text)
    if parts.scheme not in SCHEMES:
        raise ConfigError(f"--scheduler {address!r}: unknown scheme {parts.scheme!r}; {hint}")
    if parts.scheme == "inproc":
        return address
    host = parts.netloc.rsplit(":", 1)[0] if ":" in parts.netloc else parts.netloc
    try:
        port = parts.port
    except ValueError:
        port = None
    if not host or not _HOST.match(host) or port is None or not 0 < port < 65536:
        raise ConfigError(f"--scheduler {address!r}: needs a host and a port 1-65535; {hint}")
    if parts.path not in ("", "/") or parts.query or parts.fragment:
        raise ConfigError(f"--scheduler {address!r}: unexpected path or query; {hint}")
    return address
