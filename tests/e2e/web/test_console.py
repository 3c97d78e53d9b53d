"""The console as served: runtime configuration, no key in the bundle, deep links, a missing API."""

from __future__ import annotations

import re
from typing import Any

import pytest
import requests
from playwright.sync_api import Page, expect
from tests.devserver import DevServer
from tests.e2e.web.conftest import ROOT

pytestmark = pytest.mark.e2e

DIST = ROOT / "web" / "dist"


def test_the_built_bundle_carries_no_api_key(dev: DevServer, console_built: None) -> None:
    files = [path for path in DIST.rglob("*") if path.is_file()]
    bundle = b"".join(path.read_bytes() for path in files)

    assert any(path.suffix == ".js" for path in files)
    assert dev.api_key.encode() not in bundle
    saved_key = ROOT / ".patron" / "api-key"  # a developer's own `patron dev` key, if any
    if saved_key.is_file() and saved_key.read_text().strip():
        assert saved_key.read_text().strip().encode() not in bundle
    assert b"/config.json" in bundle  # the key arrives at run time instead


def test_config_json_gives_the_key_and_a_base_per_api(dev: DevServer) -> None:
    config = requests.get(f"{dev.url}/config.json", timeout=5).json()
    apis = requests.get(f"{dev.url}/health", timeout=5).json()["apis"]

    assert config["apiKey"] == dev.api_key
    assert config["apis"] == {name: f"/{name}" for name in apis}


def test_a_config_without_a_user_pool_is_a_clear_error(anonymous_page: Page) -> None:
    anonymous_page.route(
        "**/config.json", lambda route: route.fulfill(json={"apis": {"ids": "/ids"}, "apiKey": "k"})
    )

    anonymous_page.goto("/")

    expect(anonymous_page.get_by_role("alert")).to_contain_text('config.json has no "auth"')


@pytest.mark.parametrize(
    ("path", "title"),
    [("/customers", "Customers"), ("/enrollments", "Enrollments"), ("/preferences", "Marketing preferences")],
)
def test_a_deep_link_opens_its_page(page: Page, path: str, title: str) -> None:
    page.goto(path)

    expect(page.get_by_role("heading", level=1)).to_have_text(title)
    expect(page.get_by_role("link", name=title.split()[0], exact=False).first).to_have_attribute(
        "aria-current", "page"
    )


def test_navigation_is_client_side_and_moves_focus_to_the_heading(page: Page) -> None:
    page.goto("/")
    page.evaluate("window.__sameDocument = true")

    page.get_by_role("navigation", name="Main").get_by_role("link", name="Enrollments").click()

    expect(page).to_have_url(re.compile(r"/enrollments$"))
    expect(page.get_by_role("heading", level=1)).to_be_focused()
    assert page.evaluate("window.__sameDocument") is True
    page.go_back()
    expect(page.get_by_role("heading", level=1)).to_have_text("Customer IDs")


def test_a_page_whose_api_is_absent_says_so(page: Page, auth_config: dict[str, Any]) -> None:
    # Given a stage whose config.json has only the ids API
    page.route(
        "**/config.json",
        lambda route: route.fulfill(json={"apis": {"ids": "/ids"}, "apiKey": "k", "auth": auth_config}),
    )

    for path in ("/customers", "/enrollments", "/preferences"):
        page.goto(path)
        expect(page.get_by_test_id("not-deployed")).to_contain_text("is not available on this stage")


def test_a_missing_config_is_a_clear_error(page: Page) -> None:
    page.route("**/config.json", lambda route: route.fulfill(status=404, body="{}"))

    page.goto("/")

    expect(page.get_by_role("alert")).to_contain_text("Cannot load /config.json")
