"""Serving: a closed page frees its kernel, so kernels return to the pool size (issue 14)."""

import time

from voila_harness import APPS, voila_server

NOTEBOOKS = sorted(APPS.glob("*.ipynb"))
POOL_SIZE = 1  # per notebook (make apps: 3); 1 keeps the test light on a 2-core box


def kernel_id(page) -> str:
    """The id of the kernel that serves ``page`` (from Voila's page config)."""
    return page.evaluate(
        "() => JSON.parse(document.getElementById('jupyter-config-data').textContent).kernelId"
    )


def test_five_closed_pages_return_kernels_to_pool_size(browser):
    pooled = POOL_SIZE * len(NOTEBOOKS)  # Voila preheats a pool for every notebook
    with voila_server(preheat=True, pool_size=POOL_SIZE) as server:
        pages, ids = [], []
        for _ in range(5):
            page = browser.new_page()
            page.goto(server.app_url("schedule_board"))
            page.wait_for_selector(".dtwin-gantt .bqplot", timeout=120_000)
            ids.append(kernel_id(page))
            pages.append(page)
        assert len(set(ids)) == 5 and all(server.kernel_alive(k) for k in ids)
        for page in pages:
            page.close(run_before_unload=True)  # what closing the tab does
        deadline = time.monotonic() + 30
        while any(server.kernel_alive(k) for k in ids) and time.monotonic() < deadline:
            time.sleep(0.5)
        log = server.log_tail()
        assert "403 POST /voila/api/shutdown" not in log, log
        assert not any(server.kernel_alive(k) for k in ids), log
        # the used pool kernel is refilled 10 s (fill_delay) after its page opened
        running = server.wait_for_kernels(pooled, timeout=60)
        assert running == pooled, f"{running} kernels run after 5 pages closed; pool is {pooled}"
