"""Playback helpers for the 3D view; the analysis itself lives in ``dtwin.sim``.

Kept so that ``from widgets.playback import record_snapshots`` goes on working; new code
imports these names from ``dtwin.sim``.
"""

from __future__ import annotations

from dtwin.sim import health_series, record_snapshots, series, state_shares

__all__ = ["health_series", "record_snapshots", "series", "state_shares"]
