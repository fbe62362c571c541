"""Browser tier: Voila on a free 127.0.0.1 port and a headless Debian Chromium (Playwright)."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))  # voila_harness, whatever pytest's import mode

from voila_harness import (  # noqa: E402
    WIDGET_TIMEOUT_MS,
    VoilaServer,
    browser_context,
    require_chromium,
    screenshot,
    voila_server,
)


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Everything in this folder carries the ``browser`` marker."""
    here = Path(__file__).parent
    for item in items:
        if here in Path(item.fspath).parents:
            item.add_marker(pytest.mark.browser)


@pytest.fixture(scope="session")
def server() -> Iterator[VoilaServer]:
    """One Voila serving apps/ for the whole browser tier; always stopped."""
    with voila_server() as srv:
        yield srv


@pytest.fixture(scope="session")
def browser() -> Iterator[object]:
    """A headless Chromium context in a fresh profile; fails (not skips) without chromium."""
    try:
        require_chromium()
    except RuntimeError as error:
        # one line saying what to do (`make test` installs it itself when root with apt-get)
        pytest.fail(f"{error}; or run `make test` as root", pytrace=False)
    with browser_context() as context:
        yield context


@pytest.fixture
def page(browser, request) -> Iterator[object]:
    """A new tab; a screenshot of it is saved under test-artifacts/browser/ afterwards."""
    tab = browser.new_page()
    tab.set_default_timeout(WIDGET_TIMEOUT_MS)
    yield tab
    screenshot(tab, request.node.name)
    tab.close(run_before_unload=True)  # as closing a tab does: Voila frees the page's kernel
