"""The dashboard in a real headless browser (Debian's chromium, which `make install` installs):
it loads offline without a console error, no text from a post runs as script, every chart
draws, and the page becomes a PNG and a PDF."""

from __future__ import annotations

from pathlib import Path

import pytest
from hostile_content import hostile_content
from test_dashboard_page import CHARTS

from transforms.dashboard.page import render_page
from transforms.page_render import PAGE_WIDTH, chromium_path, render_png_pdf

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


@pytest.fixture(scope="module")
def page_file(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("dashboard") / "dashboard.html"
    path.write_text(render_page(hostile_content()), encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(
            executable_path=chromium_path(), args=["--no-sandbox"]
        )
        yield launched
        launched.close()


def test_the_page_loads_offline_without_errors_and_every_chart_draws(browser, page_file, tmp_path):
    context = browser.new_context(viewport={"width": PAGE_WIDTH, "height": 900}, offline=True)
    page = context.new_page()
    problems: list[str] = []
    page.on(
        "console", lambda m: problems.append(m.text) if m.type in ("error", "warning") else None
    )
    page.on("pageerror", lambda e: problems.append(str(e)))
    page.on("requestfailed", lambda r: problems.append(f"failed request {r.url}"))
    page.goto(page_file.as_uri(), wait_until="load")

    assert problems == []
    assert page.evaluate("window.hacked") is None, "no post text ran as script"
    drawn = page.evaluate(
        """() => [...document.querySelectorAll('svg.chart')].map(svg => {
            const box = svg.getBoundingClientRect();
            const marks = svg.querySelectorAll('polyline, rect.bar, polygon, circle').length;
            return [svg.dataset.chart, box.width, box.height, marks];
        })"""
    )
    assert {name for name, *_ in drawn} == CHARTS
    for name, width, height, marks in drawn:
        assert width > 600 and height > 60, f"{name} is {width}x{height}"
        assert marks > 0, f"{name} draws nothing"
    shown = page.locator(".post").first.inner_text()
    assert "<script>window.hacked = 1</script>" in shown, "the post's text shows as typed"

    screenshot = tmp_path / "dashboard.png"
    page.screenshot(path=str(screenshot), full_page=True)
    assert screenshot.read_bytes().startswith(PNG_SIGNATURE)
    print(f"screenshot: {screenshot} ({screenshot.stat().st_size:,} bytes)")
    context.close()


def test_the_page_becomes_a_png_and_a_pdf(page_file, tmp_path):
    rendered = render_png_pdf(page_file, tmp_path / "d.png", tmp_path / "d.pdf")
    assert rendered.console_errors == []
    png, pdf = rendered.png.read_bytes(), rendered.pdf.read_bytes()
    assert png.startswith(PNG_SIGNATURE)
    width, height = int.from_bytes(png[16:20], "big"), int.from_bytes(png[20:24], "big")
    assert width == PAGE_WIDTH and height > 2000, "the whole page, not the first screen"
    assert pdf.startswith(b"%PDF-") and pdf.count(b"/Type /Page") >= 2
