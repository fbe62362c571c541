"""Plant dashboard (apps/kpi_dashboard.ipynb): the four quadrants follow the day selector, the
KPI explorer redraws through the kernel, and nothing keeps a figure it no longer has: an empty
machine selection and a one-day range (issue 19); the rows set aside are shown beside the KPIs."""

from voila_harness import assert_no_errors, open_app, screenshot

from dtwin.warehouse import demo_warehouse, load_plant_board, quality_on
from widgets.set_aside import kind_label, rule_label, set_aside

EXPLORER = ".dtwin-explorer-chart"
LINES_JS = """
() => Array.from(document.querySelectorAll('.dtwin-explorer-chart svg path.line'))
        .map(p => p.getAttribute('d')).join('|')
"""
VISIBLE_LINES_JS = """
() => Array.from(document.querySelectorAll('.dtwin-explorer-chart svg .line'))
        .filter(p => p.getBoundingClientRect().width > 0
                     && getComputedStyle(p).visibility !== 'hidden'
                     && getComputedStyle(p.closest('g')).visibility !== 'hidden').length
"""
DAY = ".dtwin-day"


def card(page, machine: str):
    return page.locator(f".dtwin-machine-card[data-machine='{machine}']")


def test_plant_dashboard_quadrants_follow_the_day(page, server):
    open_app(page, server, "kpi_dashboard", ".dtwin-plant-dashboard .dtwin-machine-card")
    page.wait_for_selector(".dtwin-flow .js-plotly-plot .sankey-node")
    assert "2026-01-01 (day 1 of 30)" in page.inner_text(DAY)
    # day 1: too few days to judge wear, nobody flagged
    assert page.locator(".dtwin-flag").count() == 0
    assert "too few days" in card(page, "SMELTER-02").inner_text()
    # the Sankey: raw material -> 3 machines -> 2 products -> good / defective
    assert page.locator(".dtwin-flow .sankey-node").count() == 8
    labels = page.inner_text(".dtwin-flow .js-plotly-plot")
    for node in ("raw material", "SMELTER-02", "iron-plate", "good units", "defective units"):
        assert node in labels, labels
    assert page.locator(".dtwin-gauges svg.dtwin-gauge").count() == 9  # 3 machines x 3 gauges

    # the last day: the wearing smelter is flagged from the trend of the days so far
    page.focus(".dtwin-day-selector .noUi-handle")
    page.keyboard.press("End")
    page.wait_for_function(f"() => document.querySelector('{DAY}').innerText.includes('day 30')")
    page.wait_for_selector(".dtwin-machine-card[data-machine='SMELTER-02'] .dtwin-flag")
    assert "efficiency" in card(page, "SMELTER-02").inner_text()
    assert page.locator(".dtwin-flag").count() == 1, page.inner_text(".dtwin-status-cards")
    assert "2026-01-30" in page.inner_text(".dtwin-gauges")
    page.wait_for_function(
        "() => document.querySelector('.dtwin-flow').innerText.includes('2026-01-30')"
    )
    # data quality of that day, check by check, as the warehouse counts it
    board = load_plant_board(demo_warehouse(days=30, seed=0))
    findings = quality_on(board, board.days[-1])
    quality = page.inner_text(".dtwin-quality")
    assert "Data quality of the files delivered on 2026-01-30" in quality
    for check, group in findings.groupby("check"):
        assert f"{int(group['rows'].sum()):,}" in quality, (check, quality)
    assert "none" in quality  # checks that found nothing say so

    # play at 100x from the start: the day moves on by itself, pause stops it
    page.keyboard.press("Home")
    page.wait_for_function(f"() => document.querySelector('{DAY}').innerText.includes('day 1 ')")
    page.click(".dtwin-day-selector .widget-toggle-button:has-text('100×')")
    page.click(".dtwin-day-selector .widget-play button >> nth=0")
    page.wait_for_function(
        f"() => !document.querySelector('{DAY}').innerText.includes('day 1 ')", timeout=20_000
    )
    page.click(".dtwin-day-selector .widget-play button >> nth=1")  # pause
    assert_no_errors(page)
    screenshot(page, "plant_dashboard_day30_then_played")


def test_kpi_explorer_empty_selection_and_one_day_range(page, server):
    open_app(page, server, "kpi_dashboard", f"{EXPLORER} .bqplot")
    page.wait_for_function(f"() => ({LINES_JS})().length > 100")
    assert_set_aside_panel(page)
    # the date readout is whole, metric names are labels, not raw columns
    assert page.inner_text(".dtwin-date-range") == "2026-01-01 → 2026-01-30 (30 days)"
    metric = ".widget-dropdown:has(label:text-is('metric')) select"
    options = [o.replace("\xa0", " ") for o in page.locator(f"{metric} option").all_inner_texts()]
    assert "Energy kWh" in options and not any("_" in o for o in options), options

    before_title = page.text_content(f"{EXPLORER} .mainheading")
    page.select_option(metric, index=options.index("Energy kWh"))
    page.wait_for_function(
        "(t) => document.querySelector('.dtwin-explorer-chart .mainheading').textContent !== t",
        arg=before_title,
    )
    assert "Energy" in page.text_content(f"{EXPLORER} .mainheading")

    # one machine, then none: an empty state everywhere, no stale figures
    machines = ".widget-select-multiple select"
    page.click(f"{machines} option >> nth=0")
    page.wait_for_function(
        "() => document.querySelector('.dtwin-filter-summary').innerText.includes('1 machine ')"
    )
    page.click(f"{machines} option >> nth=0", modifiers=["Control"])  # deselect it
    page.wait_for_selector(".dtwin-filter-summary:has-text('no machine selected')")
    cards = page.locator(".dtwin-kpi-panel .dtwin-kpi-value").all_inner_texts()
    assert cards and all(c == "—" for c in cards), cards
    assert "no machine selected" in page.inner_text(EXPLORER)
    assert "no machine selected" in page.inner_text(".dtwin-explorer-bars")
    assert "no machine selected" in page.inner_text(".dtwin-explorer-oee")
    assert page.evaluate(VISIBLE_LINES_JS) == 0, "lines (and legend) of the last machine remain"
    page.locator(EXPLORER).scroll_into_view_if_needed()
    screenshot(page, "kpi_explorer_empty_selection")

    # all machines again, and a one-day range: points on a date axis of that day
    page.click(f"{machines} option >> nth=0")
    page.click(f"{machines} option >> nth=2", modifiers=["Shift"])
    page.wait_for_function(
        "() => document.querySelector('.dtwin-filter-summary').innerText.includes('3 machines')"
    )
    page.locator(".widget-hslider:has(label:text-is('dates')) .noUi-handle").nth(0).focus()
    page.keyboard.press("End")
    page.wait_for_selector(".dtwin-date-range:has-text('(1 day)')")
    assert page.inner_text(".dtwin-date-range") == "2026-01-30 → 2026-01-30 (1 day)"
    page.wait_for_selector(f"{EXPLORER} .mainheading:has-text('one day')")
    ticks = page.locator(f"{EXPLORER} .axis text").all_text_contents()
    assert any("30" in t for t in ticks) and not any("1970" in t for t in ticks), ticks
    legend = page.locator(f"{EXPLORER} .g_legend").text_content()
    assert all(m in legend for m in ("ASSEMBLER-01", "SMELTER-01", "SMELTER-02")), legend
    dots = page.locator(f"{EXPLORER} g.curve path.dot").count()
    assert dots >= 3, f"a one-day range draws {dots} points for 3 machines"
    page.locator(EXPLORER).scroll_into_view_if_needed()
    assert "2026-01-30 → 2026-01-30" in page.inner_text(".dtwin-filter-summary")
    assert_no_errors(page)
    screenshot(page, "kpi_explorer_one_day")


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
