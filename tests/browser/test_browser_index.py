"""Landing page (apps/index.ipynb): every app notebook in apps/ is named, described and linked,
and following a link opens that app."""

import json
from pathlib import Path

from voila_harness import WIDGET_TIMEOUT_MS, assert_no_errors

APPS = Path(__file__).resolve().parents[2] / "apps"
#: the app whose link is followed, and a selector that only it renders once ready
FOLLOW, FOLLOW_READY = "kpi_dashboard", ".dtwin-plant-dashboard .dtwin-machine-card"


def app_heading(path: Path) -> tuple[str, str]:
    """The title (``# ...``) and first description line of a notebook's first markdown cell."""
    cells = json.loads(path.read_text(encoding="utf-8"))["cells"]
    text = "".join(next(c for c in cells if c["cell_type"] == "markdown")["source"])
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    assert lines[0].startswith("# "), (path.name, lines[0])
    return lines[0][2:].strip(), lines[1]


def test_index_lists_every_app_and_a_link_opens_it(page, server):
    notebooks = sorted(p for p in APPS.glob("*.ipynb") if p.stem != "index")
    assert len(notebooks) >= 5
    page.goto(server.app_url("index"))
    page.wait_for_selector(".dtwin-app-catalog .dtwin-app-link", timeout=WIDGET_TIMEOUT_MS)
    assert_no_errors(page)
    catalog = " ".join(page.inner_text(".dtwin-app-catalog").split())
    links = page.locator(".dtwin-app-link")
    assert links.count() == len(notebooks), catalog
    hrefs = [links.nth(i).get_attribute("href") for i in range(links.count())]
    for path in notebooks:
        title, first_line = app_heading(path)
        assert title in catalog, (path.name, catalog)
        # the description's opening words (markdown emphasis aside) are on the card
        words = " ".join(first_line.replace("*", "").replace("`", "").split()[:4])
        assert words in catalog, (path.name, words, catalog)
        assert any(h and h.split("?")[0].endswith(f"{path.stem}.ipynb") for h in hrefs), (
            path.name,
            hrefs,
        )

    page.locator(f".dtwin-app-link[href*='{FOLLOW}.ipynb']").click()
    page.wait_for_selector(FOLLOW_READY, state="visible", timeout=WIDGET_TIMEOUT_MS)
    assert f"{FOLLOW}.ipynb" in page.url
    assert_no_errors(page)
