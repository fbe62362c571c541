"""KPI dashboard app: changing a filter redraws the chart through the kernel; the rows the
warehouse set aside are shown next to the KPIs."""

from voila_harness import assert_no_errors, open_app

from dtwin.warehouse import demo_warehouse
from widgets.set_aside import kind_label, rule_label, set_aside

CHART = ".dtwin-chart"
LINES_JS = """
() => Array.from(document.querySelectorAll('.dtwin-chart svg path.line'))
        .map(p => p.getAttribute('d')).join('|')
"""


def test_kpi_dashboard_filter_changes_chart(page, server):
    open_app(page, server, "kpi_dashboard", f"{CHART} .bqplot")
    page.wait_for_function(f"() => ({LINES_JS})().length > 100")
    assert_set_aside_panel(page)
    before_lines = page.evaluate(LINES_JS)
    before_title = page.text_content(f"{CHART} .mainheading")
    assert "by day" in before_title

    page.select_option(".widget-dropdown:has(label:text-is('metric')) select", "energy_kwh")
    page.wait_for_function(
        "(t) => document.querySelector('.dtwin-chart .mainheading').textContent !== t",
        arg=before_title,
    )
    page.wait_for_function(
        "(d) => ({LINES_JS})() !== d".replace("{LINES_JS}", LINES_JS), arg=before_lines
    )
    assert "Energy" in page.text_content(f"{CHART} .mainheading")

    # a machine filter also goes through the kernel: fewer rows in the summary
    summary = page.inner_text(".dtwin-filter-summary")
    page.click(".widget-select-multiple select option >> nth=0")  # select only the first one
    page.wait_for_function(
        "(t) => document.querySelector('.dtwin-filter-summary').innerText !== t", arg=summary
    )
    assert "1 machines" in page.inner_text(".dtwin-filter-summary")
    assert_no_errors(page)


def assert_set_aside_panel(page) -> None:
    """The "data set aside" panel shows the demo warehouse's quarantined and rejected rows."""
    panel = page.wait_for_selector(".dtwin-set-aside", state="visible")
    text = panel.inner_text()
    assert "Data set aside (not in these KPIs)" in text, text
    expected = set_aside(demo_warehouse(days=30, seed=0))  # the file the app opened
    assert expected.headline() in text, text
    flat = " ".join(text.split())
    for heading in (line for line in expected.lines() if not line.startswith(" ")):
        assert heading in flat, (heading, text)  # "Rejected (implausible): none" when none
    for row in expected.quarantined.itertuples():
        assert f"{kind_label(row.kind)} {row.rows:,}" in flat, text
    for row in expected.rejected.itertuples():
        assert f"{kind_label(row.kind)} {rule_label(row.rule)} {row.rows:,}" in flat, text


def test_kpi_dashboard_bad_url_parameters_get_the_apps_message(page, server):
    """Issue 14: ?days=nan&seed=abc showed Voila's generic cell error; now the app's message."""
    page.goto(server.app_url("kpi_dashboard", days="nan", seed="abc"))
    box = page.wait_for_selector(".dtwin-url-parameters", state="visible")
    text = box.inner_text()
    assert "days='nan': expected a whole number" in text, text
    assert "seed='abc': expected a whole number" in text, text
    # the app still opens on its defaults
    page.wait_for_selector(".dtwin-filter-summary", state="visible")
    assert "There was an error when executing cell" not in page.inner_text("body")
