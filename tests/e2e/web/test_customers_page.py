"""The customers page as a user meets it: clearing a field, a phone-sized screen, where a new customer
lands, the samples' badge and filter (issue 18)."""

from __future__ import annotations

import uuid

import pytest
import requests
from playwright.sync_api import Page, expect
from tests.devserver import DevServer

pytestmark = pytest.mark.e2e


def create_customer(dev: DevServer, **fields: str) -> dict[str, str]:
    body = {
        "first_name": "Cleo",
        "last_name": "Park",
        "email_address": f"cleo-{uuid.uuid4().hex[:8]}@example.org",
    }
    response = requests.post(
        f"{dev.url}/crm/customers", json={**body, **fields}, headers=dev.headers, timeout=10
    )
    assert response.status_code == 201, response.text
    return dict(response.json())


def test_clearing_optional_fields_removes_them(page: Page, dev: DevServer) -> None:
    customer = create_customer(dev, phone_number="555-0101", date_of_birth="1990-01-02", city="Porto")
    page.goto("/customers")
    page.get_by_label("Filter by e-mail").fill(customer["email_address"])
    page.get_by_role("button", name="Apply").click()
    page.get_by_role("button", name="Edit Cleo Park").click()
    edit = page.get_by_test_id("customer-edit")

    for label in ("Phone number", "Date of birth", "City"):
        edit.get_by_label(label).fill("")
    edit.get_by_role("button", name="Save changes").click()

    expect(page.get_by_test_id("customer-edit-status")).to_have_text("Success: Saved Cleo Park.")
    stored = requests.get(
        f"{dev.url}/crm/customers/{customer['customer_id']}", headers=dev.headers, timeout=10
    )
    assert {"phone_number", "date_of_birth", "city"}.isdisjoint(stored.json())


def test_a_new_customer_is_listed_first(page: Page, dev: DevServer) -> None:
    for _ in range(3):
        create_customer(dev)
    page.goto("/customers")
    expect(page.get_by_test_id("customer-row").first).to_be_visible()
    create = page.get_by_test_id("customer-create")
    email = f"first-{uuid.uuid4().hex[:8]}@example.org"

    create.get_by_label("First name").fill("Newest")
    create.get_by_label("Last name").fill("One")
    create.get_by_label("E-mail address").fill(email)
    create.get_by_role("button", name="Create customer").click()

    expect(page.get_by_test_id("customer-row").first).to_contain_text(email)


def test_at_375_px_every_cell_and_action_of_a_customer_is_on_screen(page: Page, dev: DevServer) -> None:
    customer = create_customer(dev, city="Lisbon")
    page.set_viewport_size({"width": 375, "height": 800})
    page.goto("/customers")
    page.get_by_label("Filter by e-mail").fill(customer["email_address"])
    page.get_by_role("button", name="Apply").click()
    row = page.get_by_test_id("customer-row")
    expect(row).to_have_count(1)

    for part in (
        row.get_by_text("active", exact=True),
        row.get_by_role("button", name="Edit Cleo Park"),
        row.get_by_role("button", name="Delete Cleo Park"),
        row.get_by_text(customer["email_address"]),
    ):
        box = part.bounding_box()
        assert box is not None
        assert box["x"] >= 0, part
        assert box["x"] + box["width"] <= 375, part
    assert page.evaluate("document.documentElement.scrollWidth") <= 375  # nothing to scroll sideways to
    create = page.get_by_test_id("customer-create")
    loyalty = create.get_by_label("Loyalty member").bounding_box()
    channel = create.get_by_label("email", exact=True).bounding_box()
    assert loyalty is not None
    assert channel is not None
    assert loyalty["y"] > channel["y"]  # its own row, not among the channels


def test_samples_carry_a_badge_and_the_list_filters_them(page: Page, dev: DevServer) -> None:
    assert requests.post(f"{dev.url}/crm/seed", headers=dev.headers, timeout=10).status_code == 201
    customer = create_customer(dev)
    page.goto("/customers")
    rows = page.get_by_test_id("customer-row")

    # samples only: the ten seeded customers, each with its badge
    page.get_by_label("Show", exact=True).select_option(label="samples")
    page.get_by_role("button", name="Apply").click()
    expect(rows).to_have_count(10)
    expect(rows.get_by_test_id("sample-badge")).to_have_count(10)
    expect(rows.filter(has_text="@sample.example.net")).to_have_count(10)

    # real customers only: no badge, and the one just created is among them
    page.get_by_label("Filter by e-mail").fill(customer["email_address"])
    page.get_by_label("Show", exact=True).select_option(label="real customers")
    page.get_by_role("button", name="Apply").click()
    expect(rows).to_have_count(1)
    expect(rows.first).to_contain_text(customer["email_address"])
    expect(page.get_by_test_id("sample-badge")).to_have_count(0)

    page.get_by_label("Show", exact=True).select_option(label="samples")
    page.get_by_role("button", name="Apply").click()
    expect(page.get_by_text("No customers on this page.")).to_be_visible()
