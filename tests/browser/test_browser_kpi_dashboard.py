"""KPI dashboard app: changing a filter redraws the chart through the kernel."""

from voila_harness import assert_no_errors, open_app

CHART = ".dtwin-chart"
LINES_JS = """
() => Array.from(document.querySelectorAll('.dtwin-chart svg path.line'))
        .map(p => p.getAttribute('d')).join('|')
"""


def test_kpi_dashboard_filter_changes_chart(page, server):
    open_app(page, server, "kpi_dashboard", f"{CHART} .bqplot")
    page.wait_for_function(f"() => ({LINES_JS})().length > 100")
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
