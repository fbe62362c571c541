"""Voila apps in a real browser: first full render (cold and preheated), 3D playback rate, and
five visitors at once per preheated pool size.

Run: ``.venv/bin/python benchmarks/apps.py [--apps factory_floor,...] [--settle 30]``;
the pool figures alone: ``--measure pool --pools 1,2,3 --pool-app factory_floor``.
Bars: first full render <= 8 s (<= 3 s with a preheated kernel); playback >= 10 updates/s.
Voila keeps a pool *per notebook*: pool size N keeps N x (number of apps) idle kernels.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests" / "browser"))

from voila_harness import (  # noqa: E402
    APP_READY_JS,
    OVERLAY_DRAWN_JS,
    browser_context,
    time_full_render,
    voila_server,
)

APPS = list(APP_READY_JS)

COUNT_UPDATES_JS = """
async ([selector, ms]) => {
  const el = document.querySelector(selector);
  let n = 0;
  const obs = new MutationObserver(() => { n += 1; });
  obs.observe(el, {subtree: true, childList: true, characterData: true});
  await new Promise(r => setTimeout(r, ms));
  obs.disconnect();
  return n;
}
"""


def cold_renders(
    apps: list[str], repeats: int, params: dict[str, dict[str, str]]
) -> dict[str, list[float]]:
    """Render times without preheated kernels (a fresh kernel per page load)."""
    times: dict[str, list[float]] = {a: [] for a in apps}
    with voila_server() as server, browser_context() as context:
        for _ in range(repeats):
            for name in apps:
                page = context.new_page()
                times[name].append(time_full_render(page, server, name, **params.get(name, {})))
                page.close()
    return times


def preheated_renders(apps: list[str], settle: float) -> dict[str, float]:
    """Render times with one preheated kernel per app (waits ``settle`` s for the pool)."""
    times = {}
    with voila_server(preheat=True) as server, browser_context() as context:
        time.sleep(settle)  # let every pooled kernel execute its notebook
        for name in apps:
            page = context.new_page()
            times[name] = time_full_render(page, server, name)
            page.close()
            time.sleep(settle / len(apps))  # the pool refills after each page load
    return times


def idle_kernels(server, expected: int, settle: float, timeout: float = 300) -> None:
    """Wait until ``expected`` pooled kernels run and have finished their notebooks."""
    deadline = time.monotonic() + timeout
    server.wait_for_kernels(expected, timeout=timeout)
    while time.monotonic() < deadline:
        busy = 0.0
        for kernel in server.kernels():
            with contextlib.suppress(Exception):  # a kernel may end meanwhile
                busy += kernel.cpu_percent(interval=0.5)
        if busy < 10.0:
            break
    time.sleep(settle)


def visitors_at_once(app: str, pool: int, visitors: int = 5, settle: float = 5.0) -> dict:
    """Open ``visitors`` pages of ``app`` together on a server with a preheated pool of ``pool``.

    Returns each page's seconds to a full render (in the order served), the kernels' memory
    with the pool idle and with every page open, and the number of apps pooled.
    """
    apps_count = len(APPS)
    with voila_server(preheat=True, pool_size=pool) as server, browser_context() as context:
        idle_kernels(server, pool * apps_count, settle)
        idle_mb = server.kernel_memory_mb()
        pages = [context.new_page() for _ in range(visitors)]
        start = time.monotonic()
        for page in pages:
            page.goto(server.app_url(app), wait_until="commit", timeout=180_000)
        done: dict[int, float] = {}
        while len(done) < visitors and time.monotonic() - start < 300:
            for i, page in enumerate(pages):
                if i not in done and page.evaluate(APP_READY_JS[app]):
                    done[i] = time.monotonic() - start
            time.sleep(0.1)
        open_mb = server.kernel_memory_mb()
        for page in pages:
            page.close(run_before_unload=True)
    return {
        "times": sorted(done.values()) + [float("nan")] * (visitors - len(done)),
        "idle_mb": idle_mb,
        "open_mb": open_mb,
        "idle_kernels": pool * apps_count,
    }


def cam_overlay_time(params: dict[str, str]) -> float:
    """Seconds from opening the quality inspector until the sample's CAM overlay is drawn."""
    with voila_server() as server, browser_context() as context:
        page = context.new_page()
        start = time.monotonic()
        page.goto(server.app_url("quality_inspector", **params))
        page.wait_for_function(OVERLAY_DRAWN_JS, timeout=180_000, polling=100)
        return time.monotonic() - start


def playback_rate(seconds: float = 5.0) -> dict[str, float]:
    """Updates per second of the 3D view's clock while playing, at 1x, 2x (default) and 8x."""
    rates = {}
    with voila_server() as server, browser_context() as context:
        page = context.new_page()
        time_full_render(page, server, "factory_floor")
        buttons = ".dtwin-factory3d .widget-play button"
        page.click(f"{buttons} >> nth=2")  # loop, so that fast speeds never reach the end
        for label in ("1×", "2×", "8×"):
            page.select_option(".dtwin-factory3d .widget-dropdown select", label=label)
            page.click(f"{buttons} >> nth=1")  # stop: back to the first frame
            page.wait_for_timeout(500)
            page.click(f"{buttons} >> nth=0")  # play
            n = page.evaluate(COUNT_UPDATES_JS, [".dtwin-time", int(seconds * 1000)])
            page.click(f"{buttons} >> nth=0")  # pause
            page.wait_for_timeout(500)
            rates[label] = n / seconds
        page.close()
    return rates


def main() -> None:
    """Measure and print the figures."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--apps", default=",".join(APPS))
    parser.add_argument("--repeats", type=int, default=2, help="cold page loads per app")
    parser.add_argument("--settle", type=float, default=40.0, help="s for preheated kernels")
    parser.add_argument("--measure", default="cold,preheated,cam,playback,pool")
    parser.add_argument("--pools", default="1,2,3", help="preheated pool sizes to compare")
    parser.add_argument("--pool-app", default="factory_floor", help="app the visitors open")
    parser.add_argument("--visitors", type=int, default=5, help="pages opened at once")
    parser.add_argument(
        "--model-dir", default="", help="model folder for the quality inspector (cold runs only)"
    )
    args = parser.parse_args()
    apps = [a for a in args.apps.split(",") if a]
    measure = set(args.measure.split(","))
    print(f"load average at the start: {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs")

    if "cold" in measure:
        params = {"quality_inspector": {"model_dir": args.model_dir}} if args.model_dir else {}
        cold = cold_renders(apps, args.repeats, params)
        print("first full render without preheating (s): first load, then repeats")
        for name, values in cold.items():
            status = "ok" if values[0] <= 8.0 else "OVER 8 s"
            shown = ", ".join(f"{v:.2f}" for v in values)
            print(f"  {name:18s} {shown}  median {statistics.median(values):.2f}  [{status}]")

    if "preheated" in measure:
        warm = preheated_renders(apps, args.settle)
        print("first full render with a preheated kernel (s)")
        for name, value in warm.items():
            print(f"  {name:18s} {value:.2f}  [{'ok' if value <= 3.0 else 'OVER 3 s'}]")

    if "cam" in measure and "quality_inspector" in apps:
        seconds = cam_overlay_time({"model_dir": args.model_dir} if args.model_dir else {})
        print(f"quality inspector: CAM overlay of the sample drawn after {seconds:.1f} s")

    if "playback" in measure and "factory_floor" in apps:
        rates = playback_rate()
        print("factory floor playback in the browser (clock updates per second)")
        for label, rate in rates.items():
            if label == "1×":
                print(f"  speed {label}: {rate:.1f} updates/s  (capped at 10/s by design)")
            else:
                print(
                    f"  speed {label}: {rate:.1f} updates/s  [{'ok' if rate >= 10 else 'UNDER 10'}]"
                )
    if "pool" in measure:
        print(
            f"{args.visitors} visitors open {args.pool_app} at once "
            f"(preheated pool of N per app, {len(APPS)} apps; s to a full render, in order)"
        )
        for pool in [int(p) for p in args.pools.split(",") if p]:
            got = visitors_at_once(args.pool_app, pool, args.visitors)
            shown = ", ".join(f"{t:.1f}" for t in got["times"])
            print(
                f"  pool {pool}: {shown}  (last {max(got['times']):.1f} s); kernels "
                f"{got['idle_mb']:.0f} MB idle ({got['idle_kernels']} pooled), "
                f"{got['open_mb']:.0f} MB with the pages open"
            )
    print(f"load average at the end: {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs")


if __name__ == "__main__":
    main()
