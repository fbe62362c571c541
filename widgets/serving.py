"""How Voila serves apps/: free a page's kernel when it closes, and the upload bound.

Voila's page asks the server to shut its kernel down when the tab closes (a ``sendBeacon`` POST
to ``/voila/api/shutdown/<kernel id>`` carrying the ``_xsrf`` cookie's value). Voila 0.5 never
sets that cookie on a notebook page (only its tree page does), so the request is refused
(``403 ... '_xsrf' argument missing``) and every visit keeps a ~160 MB kernel until culled.
``XsrfCookieIdentityProvider`` hands out the cookie with every page, so the shutdown passes the
ordinary XSRF check (XSRF protection stays on). ``apps/voila.json`` configures both.

The same provider sends a visitor of the server's root (Voila's bare file list) to the landing
app ``index.ipynb`` when the served folder has one; the file list stays at ``/voila/tree``.
"""

from __future__ import annotations

from collections.abc import Awaitable
from typing import Any

from tornado import web
from voila.voila_identity_provider import VoilaIdentityProvider

# The server refuses (closes the kernel's websocket on) any message above this. A FileUpload
# sends all its files in one message, so this bounds one upload; files above
# ``widgets.defects.MAX_UPLOAD_BYTES`` are refused in Python with a message. Tornado's default
# (10 MiB) dropped the connection silently; keep apps/voila.json in step with this figure.
WEBSOCKET_MAX_MESSAGE_BYTES = 100 * 1024 * 1024
LANDING_APP = "index.ipynb"  # what the server's root opens (apps/index.ipynb lists the apps)


class XsrfCookieIdentityProvider(VoilaIdentityProvider):
    """Voila's identity provider that also sets the ``_xsrf`` cookie on every page it serves."""

    async def get_user(self, handler: Any) -> Any:
        user = super().get_user(handler)
        if isinstance(user, Awaitable):
            user = await user
        request = handler.request
        if user is not None and request.method == "GET" and not _is_websocket(request):
            # tornado's xsrf_token reads current_user; prepare() sets the same user right after
            handler.current_user = user
            _ = handler.xsrf_token  # reading it sets the cookie when the request has none
            await _redirect_root_to_landing(handler)
        return user


async def _redirect_root_to_landing(handler: Any) -> None:
    """At the root of a served folder with a landing app: redirect there and stop."""
    from jupyter_core.utils import ensure_async
    from jupyter_server.utils import url_path_join

    if type(handler).__name__ != "TornadoVoilaTreeHandler":
        return
    base = url_path_join(handler.base_url, "")
    if handler.request.path not in (base, base.rstrip("/")):
        return
    if await ensure_async(handler.contents_manager.file_exists(LANDING_APP)):
        handler.redirect(url_path_join(base, "voila/render", LANDING_APP))
        raise web.Finish()


def _is_websocket(request: Any) -> bool:
    return request.headers.get("Upgrade", "").lower() == "websocket"
