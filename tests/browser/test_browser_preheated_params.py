"""URL parameters reach a preheated kernel: the first visitor's ?seed=... is applied (issue 14).

A preheated kernel runs its notebook before any visitor arrives; it used to read no query string
and keep its defaults without a word. Now it waits for the page request (``widgets.params``).
Only the KPI dashboard is preheated here (pool of one), so the box heats a single kernel.

Each visit comes after the pooled kernel has been ready for longer than the cull timeout: a
kernel taken from the pool is no longer protected from culling, and one that had finished its
notebook and sat idle was culled before its page connected ("Kernel does not exist"). A kernel
waiting for the page request is busy, so it is not culled.
"""

from __future__ import annotations

import re
import time
from datetime import date

import pytest
from voila_harness import assert_no_errors, voila_server

APP = "kpi_dashboard"
CULL_S = 15  # cull kernels idle this long (checked every second)


@pytest.fixture(scope="module")
def preheated_server():
    with voila_server(
        preheat=True, pool_size=1, preheat_only=[f"{APP}.ipynb"], cull_idle_timeout=CULL_S
    ) as server:
        yield server


@pytest.fixture(scope="module")
def served() -> list[int]:
    """Kernels (pids) that served a page: the next visit waits for a freshly heated one."""
    return []


def open_on_preheated_kernel(browser, server, exclude, **params):
    """Wait for a heated pool kernel (none of ``exclude``), open the app with ``params`` on it."""
    (pid,) = server.wait_for_heated_pool(1, exclude=exclude)
    time.sleep(CULL_S + 3)  # longer than the cull timeout, as for the first visitor of the day
    used = server.preheated_uses()
    page = browser.new_page()
    page.goto(server.app_url(APP, **params))
    page.wait_for_selector(".dtwin-filter-summary", state="visible", timeout=120_000)
    assert server.preheated_uses() == used + 1, "the page was not served by the preheated kernel"
    assert "Kernel does not exist" not in server.log_tail(20_000), server.log_tail()
    return page, pid


def test_first_visit_bad_value_gets_the_apps_message(browser, preheated_server, served):
    page, pid = open_on_preheated_kernel(browser, preheated_server, served, seed="abc", days="nan")
    served.append(pid)
    try:
        box = page.wait_for_selector(".dtwin-url-parameters", state="visible")
        text = box.inner_text()
        assert "seed='abc': expected a whole number" in text, text
        assert "days='nan': expected a whole number" in text, text
        assert "There was an error when executing cell" not in page.inner_text("body")
        # the defaults are used: the 30-day demo warehouse
        summary = page.inner_text(".dtwin-filter-summary")
        first, last = (date.fromisoformat(d) for d in re.findall(r"\d{4}-\d\d-\d\d", summary))
        assert (last - first).days == 29, summary
    finally:
        page.close(run_before_unload=True)


def test_first_visit_good_values_are_applied(browser, preheated_server, served):
    page, pid = open_on_preheated_kernel(
        browser, preheated_server, served, days=7, metric="energy_kwh"
    )
    served.append(pid)
    try:
        summary = page.inner_text(".dtwin-filter-summary")
        first, last = (date.fromisoformat(d) for d in re.findall(r"\d{4}-\d\d-\d\d", summary))
        assert (last - first).days == 6, summary  # days=7, not the default 30
        page.wait_for_function(
            # the KPI explorer's chart: the plant dashboard above it has charts of its own
            "() => (document.querySelector('.dtwin-explorer-chart .mainheading') || {})"
            ".textContent?.includes('Energy')"
        )
        assert page.query_selector(".dtwin-url-parameters") is None
        assert_no_errors(page)
    finally:
        page.close(run_before_unload=True)
