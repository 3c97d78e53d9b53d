"""The IDs page (brief 002) in a real browser against a real `patron dev`."""

from __future__ import annotations

import uuid

import pytest
import requests
from playwright.sync_api import Page, expect
from tests.devserver import DevServer
from tests.e2e.web.conftest import has_route

pytestmark = pytest.mark.e2e


def unique(prefix: str) -> str:
    return f"{prefix}-{uuid.uuid4().hex[:10]}"


def submit(page: Page, action: str, customer_id: str) -> None:
    form = page.get_by_test_id(f"ids-{action}")
    form.get_by_label("Customer ID").fill(customer_id)
    form.get_by_role("button").click()


def test_add_check_delete_an_id(page: Page, dev: DevServer) -> None:
    customer_id = unique("web")
    page.goto("/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Customer IDs")

    submit(page, "add", customer_id)
    expect(page.get_by_test_id("ids-add-status")).to_have_text(f"Success: Added {customer_id}.")
    # the browser really wrote it
    assert requests.get(f"{dev.url}/ids/customers/{customer_id}", headers=dev.headers, timeout=5).json()[
        "exists"
    ]

    submit(page, "add", customer_id)
    expect(page.get_by_test_id("ids-add-status")).to_contain_text("already registered")

    submit(page, "check", customer_id)
    expect(page.get_by_test_id("ids-check-status")).to_have_text(f"Success: {customer_id} exists.")

    submit(page, "delete", customer_id)
    expect(page.get_by_test_id("ids-delete-status")).to_have_text(f"Success: Deleted {customer_id}.")

    submit(page, "check", customer_id)
    expect(page.get_by_test_id("ids-check-status")).to_have_text(f"Info: {customer_id} was not found.")
    submit(page, "delete", customer_id)
    expect(page.get_by_test_id("ids-delete-status")).to_contain_text("nothing to delete")
    expect(page.get_by_test_id("ids-activity").get_by_role("listitem")).to_have_count(6)


def test_a_bad_id_is_flagged_once_next_to_the_field_and_nothing_is_sent(page: Page) -> None:
    page.goto("/")
    form = page.get_by_test_id("ids-add")
    field = form.get_by_label("Customer ID")
    sent: list[str] = []
    page.on("request", lambda request: sent.append(request.url) if "/ids/customers/" in request.url else None)
    field.fill("bad id!")
    # typing feedback before anything is sent
    expect(form).to_contain_text("Contains characters the API refuses")

    form.get_by_role("button", name="Add").click()

    expect(field).to_have_attribute("aria-invalid", "true")
    expect(form.get_by_text("Contains characters the API refuses")).to_have_count(1)  # one message per fault
    expect(form).not_to_contain_text("characters: letters, digits")  # the hint gives way to the error
    expect(page.get_by_test_id("ids-add-status")).to_have_text("")  # no second, boxed copy
    assert sent == []  # the check the page made stopped the request
    assert page.get_by_test_id("ids-add-status").get_attribute("aria-live") == "polite"


def test_a_wrong_key_is_reported_as_an_auth_error(page: Page) -> None:
    page.goto("/")
    page.get_by_text("API key", exact=True).click()
    page.get_by_label("x-api-key sent with every request").fill("not-the-key")
    page.get_by_role("button", name="Use key").click()
    expect(page.get_by_test_id("key-settings")).to_contain_text("API key (changed)")

    submit(page, "add", unique("web-auth"))

    expect(page.get_by_test_id("ids-add-status")).to_contain_text("403 Forbidden")


def test_the_server_being_down_is_reported_as_a_network_error(page: Page) -> None:
    page.goto("/")
    page.route("**/ids/customers/**", lambda route: route.abort("connectionrefused"))

    submit(page, "check", unique("web-down"))

    expect(page.get_by_test_id("ids-check-status")).to_contain_text("Cannot reach the ids API")


def test_the_keyboard_alone_adds_an_id(page: Page) -> None:
    customer_id = unique("web-kbd")
    page.goto("/")
    page.get_by_test_id("ids-add").get_by_label("Customer ID").focus()
    page.keyboard.type(customer_id)
    page.keyboard.press("Enter")

    expect(page.get_by_test_id("ids-add-status")).to_have_text(f"Success: Added {customer_id}.")


def test_the_workflow_runs_to_its_result(page: Page, dev: DevServer) -> None:
    if not has_route(dev, "/ids/workflow/submit"):
        pytest.skip(reason="POST /ids/workflow/submit is not in this build of patron dev yet")
    customer_id = unique("web-sfn")
    page.goto("/")
    form = page.get_by_test_id("ids-workflow")
    form.get_by_label("Customer ID for the workflow").fill(customer_id)

    form.get_by_role("button", name="Start workflow").click()
    expect(page.get_by_test_id("ids-workflow-result")).to_have_text("Inserted", timeout=30_000)

    form.get_by_role("button", name="Start workflow").click()
    expect(page.get_by_test_id("ids-workflow-result")).to_have_text("AlreadyExists", timeout=30_000)
    expect(page.get_by_test_id("ids-workflow-status")).to_contain_text("already registered")


def test_without_the_workflow_route_the_form_says_so(page: Page, dev: DevServer) -> None:
    if has_route(dev, "/ids/workflow/submit"):
        pytest.skip(reason="the workflow is deployed: test_the_workflow_runs_to_its_result covers it")
    page.goto("/")
    form = page.get_by_test_id("ids-workflow")
    form.get_by_label("Customer ID for the workflow").fill(unique("web-sfn"))
    form.get_by_role("button", name="Start workflow").click()

    expect(page.get_by_test_id("ids-workflow-status")).to_contain_text("not deployed")
