"""Start Voila on a free 127.0.0.1 port with throw-away Jupyter state, and a headless Chromium.

Used by the browser tests (``tests/browser/conftest.py``) and by ``benchmarks/apps.py``.
"""

from __future__ import annotations

import contextlib
import os
import re
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

import psutil

REPO = Path(__file__).resolve().parents[2]
APPS = REPO / "apps"
ARTIFACTS = REPO / "test-artifacts" / "browser"  # git-ignored screenshots
CHROMIUM = Path("/usr/bin/chromium")
WIDGET_TIMEOUT_MS = 60_000
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--use-gl=angle",
    "--use-angle=swiftshader",
]


@dataclass(frozen=True)
class VoilaServer:
    """A running Voila server: its base URL, process and log file."""

    url: str
    process: subprocess.Popen
    log: Path

    def app_url(self, name: str, **params: object) -> str:
        """URL that renders ``apps/<name>.ipynb`` (query parameters become notebook parameters)."""
        query = "&".join(f"{k}={v}" for k, v in params.items())
        return f"{self.url}/voila/render/{name}.ipynb" + (f"?{query}" if query else "")

    def log_tail(self, chars: int = 4000) -> str:
        """Last characters of the server log (for failure messages)."""
        return self.log.read_text(errors="replace")[-chars:]

    def kernels(self) -> list[psutil.Process]:
        """The kernel processes this server runs now (pooled ones included)."""
        try:
            children = psutil.Process(self.process.pid).children(recursive=True)
        except psutil.NoSuchProcess:
            return []
        found = []
        for child in children:
            with contextlib.suppress(psutil.Error):
                if "ipykernel_launcher" in " ".join(child.cmdline()):
                    found.append(child)
        return found

    def kernel_memory_mb(self) -> float:
        """Resident memory of all kernel processes together, in MB."""
        total = 0
        for kernel in self.kernels():
            with contextlib.suppress(psutil.Error):
                total += kernel.memory_info().rss
        return total / 1e6

    def kernel_alive(self, kernel_id: str) -> bool:
        """Whether Voila still knows the kernel (``GET /api/kernels/<id>``: 200, else 404)."""
        try:
            with urllib.request.urlopen(f"{self.url}/api/kernels/{kernel_id}", timeout=10):
                return True
        except urllib.error.HTTPError as error:
            if error.code == 404:
                return False
            raise

    def wait_for_heated_pool(
        self, count: int, exclude: Sequence[int] = (), timeout: float = 180
    ) -> list[int]:
        """Wait until ``count`` kernels run, none in ``exclude`` (pids), and sit idle; their pids.

        Idle: together under 10% of a core over 2 s, i.e. a preheated kernel has run its
        notebook up to the wait for a page request (``widgets.params``).
        """
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            kernels = self.kernels()
            if len(kernels) == count and not {k.pid for k in kernels} & set(exclude):
                with contextlib.suppress(psutil.Error):
                    for kernel in kernels:
                        kernel.cpu_percent(None)
                    time.sleep(2)
                    if sum(kernel.cpu_percent(None) for kernel in kernels) < 10:
                        return [k.pid for k in kernels]
            time.sleep(0.5)
        raise AssertionError(
            f"no heated pool of {count} within {timeout} s; kernels: "
            f"{[k.pid for k in self.kernels()]}\n{self.log_tail()}"
        )

    def preheated_uses(self) -> int:
        """How many pages were served by a preheated kernel so far (from the server log)."""
        return self.log.read_text(errors="replace").count("Using pre-heated kernel")

    def wait_for_kernels(self, count: int, timeout: float = 60) -> int:
        """Wait until exactly ``count`` kernels run; the number running at the end."""
        deadline = time.monotonic() + timeout
        while (running := len(self.kernels())) != count and time.monotonic() < deadline:
            time.sleep(0.5)
        return running


def free_port() -> int:
    """A TCP port on 127.0.0.1 that was free a moment ago."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def jupyter_env(state_dir: Path) -> dict[str, str]:
    """Environment with every Jupyter/IPython state folder inside ``state_dir``."""
    env = dict(os.environ)
    for var, sub in [
        ("JUPYTER_CONFIG_DIR", "config"),
        ("JUPYTER_DATA_DIR", "data"),
        ("JUPYTER_RUNTIME_DIR", "runtime"),
        ("IPYTHONDIR", "ipython"),
    ]:
        path = state_dir / sub
        path.mkdir(parents=True, exist_ok=True)
        env[var] = str(path)
    env["PYTHONPATH"] = os.pathsep.join(p for p in [str(REPO), env.get("PYTHONPATH", "")] if p)
    env["JUPYTER_PLATFORM_DIRS"] = "1"
    return env


def voila_command(
    root: Path,
    port: int,
    state_dir: Path,
    preheat: bool = False,
    pool_size: int = 1,
    preheat_only: Sequence[str] = (),
    cull_idle_timeout: int = 60,
) -> list[str]:
    """The Voila command line serving ``root`` on 127.0.0.1:``port``.

    Voila runs in ``root`` so that it reads ``apps/voila.json`` as ``make apps`` does (the XSRF
    cookie that lets a closing page free its kernel, the upload bound); flags below win over it.
    ``preheat_only`` (notebook names, e.g. ``kpi_dashboard.ipynb``) limits the preheated pools
    to those notebooks, so a test heats one kernel instead of one per app. Kernels idle for
    ``cull_idle_timeout`` seconds are culled (checked every tenth of it, at most every 10 s).
    """
    cmd = [
        sys.executable,
        "-m",
        "voila",
        str(root),
        "--no-browser",
        f"--port={port}",
        "--Voila.ip=127.0.0.1",
        "--show_tracebacks=False",
        f"--Voila.connection_dir_root={state_dir / 'connections'}",
        f"--MappingKernelManager.cull_idle_timeout={cull_idle_timeout}",
        f"--MappingKernelManager.cull_interval={min(10, max(1, cull_idle_timeout // 10))}",
        f"--preheat_kernel={preheat}",
    ]
    if preheat:
        # refill a used pool 10 s later, not 1 s: the refill would compete with the first paint
        cmd += [
            f"--VoilaConfiguration.default_pool_size={pool_size}",
            "--VoilaKernelManager.fill_delay=10",
        ]
        if preheat_only:
            # Voila matches each denylist entry (a regular expression) against the notebook's
            # absolute path: deny every path that does not end in one of these names
            names = "|".join(re.escape(name) for name in preheat_only)
            cmd.append(f"--VoilaKernelManager.preheat_denylist=^(?!(?:.*/)?(?:{names})$)")
    return cmd


def wait_for_port(port: int, process: subprocess.Popen, log: Path, timeout: float = 60) -> None:
    """Block until something listens on ``port`` (a TCP connect, so no kernel is started)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(
                f"voila exited with {process.returncode}:\n{log.read_text()[-3000:]}"
            )
        with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), 0.5):
            return
        time.sleep(0.2)
    raise RuntimeError(f"voila did not listen on port {port} within {timeout} s")


def stop(process: subprocess.Popen, timeout: float = 10) -> None:
    """Stop Voila and its kernels (whole process group): SIGTERM, then SIGKILL."""
    if process.poll() is not None:
        return
    with contextlib.suppress(ProcessLookupError):
        os.killpg(process.pid, signal.SIGTERM)
    try:
        process.wait(timeout)
    except subprocess.TimeoutExpired:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout)


@contextlib.contextmanager
def voila_server(
    root: Path = APPS,
    preheat: bool = False,
    pool_size: int = 1,
    preheat_only: Sequence[str] = (),
    cull_idle_timeout: int = 60,
) -> Iterator[VoilaServer]:
    """Run Voila on ``root`` for the duration of the ``with`` block; always stops it."""
    with tempfile.TemporaryDirectory(prefix="dtwin-voila-") as tmp:
        state = Path(tmp)
        (state / "connections").mkdir()
        port = free_port()
        log = state / "voila.log"
        with log.open("w") as log_file:
            process = subprocess.Popen(
                voila_command(
                    root, port, state, preheat, pool_size, preheat_only, cull_idle_timeout
                ),
                cwd=root,
                env=jupyter_env(state),
                stdout=log_file,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
            try:
                wait_for_port(port, process, log)
                yield VoilaServer(f"http://127.0.0.1:{port}", process, log)
            finally:
                stop(process)


def require_chromium() -> None:
    """Fail (not skip) with a clear message when Debian's chromium is missing."""
    if not CHROMIUM.exists():
        raise RuntimeError(
            f"{CHROMIUM} not found: the browser tier needs Debian's chromium "
            "(apt-get update && apt-get install -y chromium chromium-driver)"
        )


@contextlib.contextmanager
def browser_context(width: int = 1280, height: int = 900) -> Iterator[object]:
    """A headless Chromium persistent context in a fresh profile (Playwright, no download)."""
    from playwright.sync_api import sync_playwright

    require_chromium()
    with tempfile.TemporaryDirectory(prefix="dtwin-chromium-") as profile, sync_playwright() as pw:
        context = pw.chromium.launch_persistent_context(
            user_data_dir=profile,
            headless=True,
            executable_path=str(CHROMIUM),
            args=CHROMIUM_ARGS,
            viewport={"width": width, "height": height},
        )
        try:
            yield context
        finally:
            context.close()


# JavaScript run in the page: distinct colours of a WebGL canvas, read through a 2D copy.
CANVAS_COLOURS_JS = """
(selector) => {
  const src = document.querySelector(selector);
  if (!src || src.width === 0) return -1;
  const c = document.createElement('canvas');
  c.width = src.width; c.height = src.height;
  const ctx = c.getContext('2d');
  ctx.drawImage(src, 0, 0);
  const data = ctx.getImageData(0, 0, c.width, c.height).data;
  const seen = new Set();
  for (let i = 0; i < data.length; i += 4 * 7) {
    seen.add((data[i] >> 3) + ',' + (data[i + 1] >> 3) + ',' + (data[i + 2] >> 3));
  }
  return seen.size;
}
"""

CANVAS_DIGEST_JS = """
(selector) => {
  const src = document.querySelector(selector);
  if (!src) return '';
  const c = document.createElement('canvas');
  c.width = src.width; c.height = src.height;
  const ctx = c.getContext('2d');
  ctx.drawImage(src, 0, 0);
  const data = ctx.getImageData(0, 0, c.width, c.height).data;
  let h = 0;
  for (let i = 0; i < data.length; i += 3) { h = (h * 31 + data[i]) | 0; }
  return String(h);
}
"""

# Canvas coordinates of a pixel of a given colour family (here: a running machine, green).
GREEN_PIXEL_JS = """
(selector) => {
  const src = document.querySelector(selector);
  const c = document.createElement('canvas');
  c.width = src.width; c.height = src.height;
  const ctx = c.getContext('2d');
  ctx.drawImage(src, 0, 0);
  const d = ctx.getImageData(0, 0, c.width, c.height).data;
  const scale = src.getBoundingClientRect().width / src.width;
  const green = (x, y) => {
    const i = 4 * (y * c.width + x);
    return d[i + 1] > 110 && d[i + 1] > d[i] + 50 && d[i + 1] > d[i + 2] + 50;
  };
  for (let y = 0; y < c.height; y += 2) for (let x = 0; x < c.width; x += 2) {
    if (!green(x, y)) continue;
    let sx = 0, sy = 0, n = 0;  // centre of the green blob around the first hit
    for (let v = y; v < Math.min(y + 30, c.height); v++)
      for (let u = Math.max(x - 15, 0); u < Math.min(x + 15, c.width); u++)
        if (green(u, v)) { sx += u; sy += v; n += 1; }
    return [sx / n * scale, sy / n * scale];
  }
  return null;
}
"""

ERROR_TEXTS = ("There was an error when executing cell", "Traceback", "Error:")


def page_errors(page) -> list[str]:
    """Error outputs visible in a Voila page (stderr/error outputs and dtwin error boxes)."""
    found = []
    for selector in [
        ".jp-OutputArea-output[data-mime-type='application/vnd.jupyter.stderr']",
        ".jp-RenderedText[data-mime-type='application/vnd.jupyter.stderr']",
        ".dtwin-error",
    ]:
        for el in page.query_selector_all(selector):
            if el.is_visible():
                found.append(f"{selector}: {el.inner_text()[:500]}")
    body = page.inner_text("body")
    found += [f"text {t!r} in page" for t in ERROR_TEXTS[:1] if t in body]
    return found


def open_app(page, server: VoilaServer, name: str, ready: str) -> float:
    """Open ``apps/<name>.ipynb`` and wait for the ``ready`` selector; seconds it took."""
    start = time.monotonic()
    page.goto(server.app_url(name))
    try:  # an app that fails shows a .dtwin-error box instead: stop waiting at once
        page.wait_for_selector(f"{ready}, .dtwin-error", state="visible", timeout=WIDGET_TIMEOUT_MS)
    except Exception as error:
        raise AssertionError(
            f"{name}: {ready!r} did not appear; page errors: {page_errors(page)}\n"
            f"voila log:\n{server.log_tail()}"
        ) from error
    assert_no_errors(page)
    return time.monotonic() - start


def screenshot(page, name: str) -> Path:
    """Save a full-page screenshot as ``test-artifacts/browser/<name>.png``."""
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    path = ARTIFACTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path


def assert_no_errors(page) -> None:
    """No error output, Voila error notice or dtwin error box in the page."""
    errors = page_errors(page)
    assert not errors, errors


# When an app counts as fully rendered: a JavaScript predicate per app (used by the benchmark).
APP_READY_JS = {
    "factory_floor": "() => (" + CANVAS_COLOURS_JS + ")('.dtwin-factory3d canvas') >= 8",
    "schedule_board": """() => !!document.querySelector('.dtwin-gantt-summary')
        && document.querySelectorAll('.dtwin-gantt svg path').length > 10""",
    "quality_inspector": """() => { const p = document.querySelector('.dtwin-prediction');
        return !!p && p.innerText.includes('class'); }""",
    "kpi_dashboard": """() => Array.from(document.querySelectorAll('.dtwin-chart svg path.line'))
        .map(p => (p.getAttribute('d') || '').length).reduce((a, b) => a + b, 0) > 100""",
    # the twin is built in the background after the page is sent: ready once it says so
    "control_room": "() => (" + CANVAS_COLOURS_JS + ")('.dtwin-twin-floor canvas') >= 6"
    " && (document.querySelector('.dtwin-room-status')?.innerText || '').includes('press play')",
}


OVERLAY_DRAWN_JS = """
() => { const img = document.querySelector('.dtwin-overlay');
        return !!img && img.offsetParent !== null && img.naturalWidth > 0; }
"""


def time_full_render(
    page, server: VoilaServer, name: str, timeout_ms: int = 90_000, **params: object
) -> float:
    """Seconds from navigation until ``APP_READY_JS[name]`` holds (errors fail loudly)."""
    start = time.monotonic()
    page.goto(server.app_url(name, **params))
    page.wait_for_function(APP_READY_JS[name], timeout=timeout_ms, polling=50)
    elapsed = time.monotonic() - start
    assert_no_errors(page)
    return elapsed
