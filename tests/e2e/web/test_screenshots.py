"""Every page at 375 px and 1440 px wide: nothing overflows sideways, and a screenshot of each.
`make screenshots` writes them to docs/screenshots/ (PATRON_SCREENSHOTS); otherwise to a temporary
folder."""

from __future__ import annotations

import os
import uuid
from collections.abc import Callable
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect
from tests.e2e.web.conftest import DESKTOP, PHONE, ROOT

pytestmark = pytest.mark.e2e


def ids(page: Page) -> None:
    form = page.get_by_test_id("ids-add")
    form.get_by_label("Customer ID").fill(f"user_{uuid.uuid4().hex[:6]}")
    form.get_by_role("button", name="Add").click()
    expect(page.get_by_test_id("ids-add-status")).to_contain_text("Success")
    check = page.get_by_test_id("ids-check")
    check.get_by_label("Customer ID").fill("no such id!")
    check.get_by_role("button", name="Check").click()
    expect(check.get_by_label("Customer ID")).to_have_attribute("aria-invalid", "true")


def customers(page: Page) -> None:
    page.get_by_role("button", name="Seed sample customers").click()
    expect(page.get_by_test_id("customer-row").first).to_be_visible()
    page.get_by_test_id("customer-row").first.get_by_role("button", name="Edit", exact=False).click()
    page.get_by_test_id("customer-edit").get_by_label("E-mail address").fill("not-an-email")
    page.get_by_test_id("customer-edit").get_by_role("button", name="Save changes").click()
    expect(page.get_by_test_id("customer-edit-status")).to_contain_text("Error")


def enrollments(page: Page) -> None:
    groups = page.get_by_test_id("age-group-create")
    groups.get_by_label("Minimum age").fill("18")
    groups.get_by_label("Maximum age").fill("25")
    groups.get_by_role("button", name="Add age group").click()
    expect(page.get_by_test_id("age-groups")).to_be_visible()
    enroll = page.get_by_test_id("enroll")
    enroll.get_by_label("Name").fill("John Doe")
    enroll.get_by_label("Age").fill("22")
    enroll.get_by_label("CPF").fill("12345678900")
    enroll.get_by_role("button", name="Enroll").click()
    expect(page.get_by_test_id("enrollment-status").first).to_have_text("PROCESSED", timeout=45_000)


def marketing(page: Page) -> None:
    page.get_by_role("button", name="Use the example batch").click()
    page.get_by_role("button", name="Submit batch").click()
    expect(page.get_by_test_id("marketing-execution-status")).to_have_text("SUCCEEDED", timeout=60_000)


def privacy(page: Page) -> None:
    form = page.get_by_test_id("privacy-form")
    form.get_by_label("E-mail").fill(f"nobody-{uuid.uuid4().hex[:6]}@example.org")
    form.get_by_role("button", name="Export").click()
    expect(page.get_by_test_id("privacy-request-status")).to_have_text("SUCCEEDED", timeout=30_000)


PAGES: dict[str, tuple[str, Callable[[Page], None]]] = {
    "ids": ("/", ids),
    "customers": ("/customers", customers),
    "enrollments": ("/enrollments", enrollments),
    "marketing": ("/preferences", marketing),
    "privacy": ("/privacy-requests", privacy),
}


@pytest.fixture(scope="module")
def shots(tmp_path_factory: pytest.TempPathFactory) -> Path:
    target = os.environ.get("PATRON_SCREENSHOTS")
    folder = ROOT / target if target else tmp_path_factory.mktemp("screenshots")
    folder.mkdir(parents=True, exist_ok=True)
    return folder


@pytest.mark.parametrize("name", list(PAGES))
@pytest.mark.parametrize(("width", "viewport"), [(1440, DESKTOP), (375, PHONE)])
def test_page_fits_and_is_captured(
    signed_in_page: Callable[..., Page],
    deployed: set[str],
    shots: Path,
    name: str,
    width: int,
    viewport: dict[str, int],
) -> None:
    page = signed_in_page("admin", viewport)
    path, prepare = PAGES[name]
    page.goto(path)
    prepare(page)

    overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
    assert overflow <= 0, f"{name} is {overflow}px wider than a {width}px screen"
    page.screenshot(path=shots / f"{name}-{width}.png", full_page=True)
