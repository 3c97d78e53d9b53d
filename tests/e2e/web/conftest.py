"""Browser tests: Python Playwright driving Debian's chromium (never a downloaded browser) against
the console served by a real `patron dev` (the session's `dev` fixture)."""

from __future__ import annotations

import os
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests
from playwright.sync_api import Browser, Page, Playwright, sync_playwright
from tests.devserver import DevServer

ROOT = Path(__file__).resolve().parents[3]
CHROMIUM = Path(os.environ.get("PATRON_CHROMIUM", "/usr/bin/chromium"))
# without the background-networking flags chromium keeps dialling out of this closed network
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]
DESKTOP = {"width": 1440, "height": 900}
PHONE = {"width": 375, "height": 812}


@pytest.fixture(scope="session")
def console_built() -> None:
    """`make console`: npm ci and vite build, each only when its inputs changed."""
    subprocess.run(["make", "-s", "console"], cwd=ROOT, check=True)
    assert (ROOT / "web" / "dist" / "index.html").is_file()


@pytest.fixture(scope="session")
def playwright() -> Iterator[Playwright]:
    if not CHROMIUM.exists():
        message = f"{CHROMIUM} is missing: apt-get install chromium (.ci/run does)"
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)
    with sync_playwright() as running:
        yield running


@pytest.fixture(scope="session")
def browser(playwright: Playwright, console_built: None) -> Iterator[Browser]:
    launched = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
    yield launched
    launched.close()


@pytest.fixture
def page(browser: Browser, dev: DevServer) -> Iterator[Page]:
    context = browser.new_context(base_url=dev.url, viewport=DESKTOP)  # type: ignore[arg-type]
    context.set_default_timeout(15_000)
    opened = context.new_page()
    yield opened
    context.close()


@pytest.fixture(scope="session")
def deployed(dev: DevServer) -> set[str]:
    """The APIs this server has (`/health` lists them): tests of the others skip until merged."""
    apis: list[str] = requests.get(f"{dev.url}/health", timeout=5).json()["apis"]
    return set(apis)


def has_route(dev: DevServer, path: str) -> bool:
    """Whether the running server has a route: its CORS preflight answers 2xx (an unknown route is
    API Gateway's 403 Missing Authentication Token)."""
    response = requests.options(f"{dev.url}{path}", timeout=5)
    return response.status_code < 300


def require(deployed: set[str], service: str) -> None:
    if service not in deployed:
        pytest.skip(reason=f"the {service} API is not in this build of patron dev yet (GET /health)")
