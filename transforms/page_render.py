"""The dashboard's PNG and PDF, made by a real headless browser (Debian's chromium, driven by
Playwright) from the very HTML page the email and the archive carry, so the three never differ.

The browser is offline while it renders: the page must need nothing from the network, and a
console error or a script error is reported with the files rather than ignored."""

from __future__ import annotations

import os
import shutil
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

from transforms.errors import ListenerError
from transforms.files import write_atomic_bytes

CANDIDATES = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable")
PAGE_WIDTH = 980  # CSS pixels: the page's 940 px column and its margins


class BrowserUnavailable(ListenerError):
    """No headless browser to render PNG and PDF with."""


@dataclass(frozen=True)
class Rendered:
    png: Path
    pdf: Path
    console_errors: list[str] = field(default_factory=list)


def chromium_path() -> str:
    """The browser: $LISTENER_CHROMIUM, else the first of CANDIDATES on the PATH."""
    configured = os.environ.get("LISTENER_CHROMIUM", "").strip()
    if configured:
        if not Path(configured).is_file():
            raise BrowserUnavailable(f"LISTENER_CHROMIUM={configured} is not a file")
        return configured
    for name in CANDIDATES:
        found = shutil.which(name)
        if found:
            return found
    raise BrowserUnavailable(
        "no chromium found for the dashboard's PNG and PDF: install Debian's package "
        "(`apt-get install chromium`, which `make install` does) or set LISTENER_CHROMIUM"
    )


def _launch_args() -> list[str]:
    # Chromium refuses to start as root with its sandbox on (CI), and containers without user
    # namespaces cannot sandbox it (the image sets LISTENER_CHROMIUM_SANDBOX=0); else keep it.
    off = os.geteuid() == 0 or os.environ.get("LISTENER_CHROMIUM_SANDBOX", "1") == "0"
    return ["--no-sandbox"] if off else []


def render_png_pdf(page_file: Path, png: Path, pdf: Path) -> Rendered:
    """Screenshot the whole page to `png` and print it to an A4 `pdf` (backgrounds kept)."""
    # Playwright's sync API refuses a thread that runs an asyncio loop (some task runners and
    # notebooks do): a thread of its own always works.
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="listener-render") as pool:
        return pool.submit(_render, page_file, png, pdf).result()


def _render(page_file: Path, png: Path, pdf: Path) -> Rendered:
    from playwright.sync_api import Error as PlaywrightError
    from playwright.sync_api import sync_playwright

    executable = chromium_path()
    errors: list[str] = []
    try:
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=executable, args=_launch_args())
            try:
                context = browser.new_context(
                    viewport={"width": PAGE_WIDTH, "height": 900}, offline=True
                )
                page = context.new_page()
                page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
                page.on("pageerror", lambda e: errors.append(str(e)))
                page.goto(page_file.resolve().as_uri(), wait_until="load")
                screenshot = page.screenshot(full_page=True, type="png")
                document = page.pdf(format="A4", print_background=True, scale=0.8)
            finally:
                browser.close()
    except PlaywrightError as error:
        raise BrowserUnavailable(f"{executable} could not render {page_file}: {error}") from error
    write_atomic_bytes(screenshot, png)
    write_atomic_bytes(document, pdf)
    return Rendered(png, pdf, errors)
