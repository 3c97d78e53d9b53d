"""The Privacy page (SPEC §1.6) in a real browser against a real `patron dev`: export a person found
by e-mail and download the export; erase by CPF after confirming; a bad identifier is shown at its
field."""

from __future__ import annotations

import uuid

import pytest
import requests
from playwright.sync_api import Page, expect
from tests.customers import customer_body
from tests.devserver import DevServer
from tests.privacy import enroll

pytestmark = pytest.mark.e2e


def test_export_by_email_then_download_it(page: Page, dev: DevServer) -> None:
    email = f"web.{uuid.uuid4().hex[:8]}@example.com"
    created = requests.post(
        f"{dev.url}/crm/customers", json=customer_body(email_address=email), headers=dev.headers, timeout=10
    )
    assert created.status_code == 201
    page.goto("/privacy-requests")
    expect(page.get_by_role("heading", level=1)).to_have_text("Privacy requests")

    form = page.get_by_test_id("privacy-form")
    form.get_by_label("E-mail").fill(email)
    form.get_by_role("button", name="Export").click()

    expect(page.get_by_test_id("privacy-status")).to_contain_text("Exported 1 item(s).", timeout=30_000)
    expect(page.get_by_test_id("privacy-request-status")).to_have_text("SUCCEEDED")
    expect(page.get_by_test_id("privacy-found-crm")).to_have_text("1")
    link = page.get_by_role("link", name="Download the export")
    href = link.get_attribute("href")
    assert href is not None
    export = requests.get(href, timeout=10).json()
    assert export["crm"][0]["customer_id"] == created.json()["customer_id"]


def test_erase_by_cpf_asks_for_confirmation_first(page: Page, dev: DevServer) -> None:
    cpf = f"{uuid.uuid4().int % 10**11:011d}"
    enrollment = enroll(dev, "Web Person", 33, cpf).json()
    page.goto("/privacy-requests")
    form = page.get_by_test_id("privacy-form")
    form.get_by_label("Request").select_option("erase")
    form.get_by_label("CPF").fill(f"{cpf[:3]}.{cpf[3:6]}.{cpf[6:9]}-{cpf[9:]}")

    form.get_by_role("button", name="Erase…").click()
    confirm = page.get_by_test_id("privacy-confirm")
    expect(confirm).to_contain_text("cannot be undone")
    confirm.get_by_role("button", name="Cancel").click()
    expect(confirm).to_have_count(0)
    stored = requests.get(
        f"{dev.url}/enrollment/enrollments/{enrollment['enrollment_id']}", headers=dev.headers, timeout=10
    )
    assert stored.json()["cpf"] == cpf  # nothing was sent

    form.get_by_role("button", name="Erase…").click()
    page.get_by_test_id("privacy-confirm").get_by_role("button", name="Yes, erase").click()

    expect(page.get_by_test_id("privacy-status")).to_contain_text("Erased 1 item(s).", timeout=30_000)
    expect(page.get_by_test_id("privacy-found-enrollment")).to_have_text("1")
    erased = requests.get(
        f"{dev.url}/enrollment/enrollments/{enrollment['enrollment_id']}", headers=dev.headers, timeout=10
    )
    assert (erased.json()["name"], erased.json()["cpf"]) == (None, None)


def test_a_bad_identifier_is_shown_at_its_field(page: Page) -> None:
    page.goto("/privacy-requests")
    form = page.get_by_test_id("privacy-form")
    form.get_by_label("crm customer id").fill("not-a-uuid")

    form.get_by_role("button", name="Export").click()

    expect(page.get_by_test_id("privacy-status")).to_contain_text("Error:")
    expect(form.get_by_label("crm customer id")).to_have_attribute("aria-invalid", "true")
