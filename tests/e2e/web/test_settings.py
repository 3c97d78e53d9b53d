"""The console served from elsewhere, with no config.json of its own: connection settings saved in the
browser (brief 001's app had such a panel)."""

from __future__ import annotations

import uuid
from typing import Any

import pytest
import requests
from playwright.sync_api import Page, expect
from tests.devserver import DevServer
from tests.e2e.web.conftest import Accounts, sign_in

pytestmark = pytest.mark.e2e


def test_without_config_json_saved_settings_connect_the_console(
    anonymous_page: Page, dev: DevServer, auth_config: dict[str, Any], accounts: Accounts
) -> None:
    page = anonymous_page
    # Given a host that serves the console but no config.json
    page.route("**/config.json", lambda route: route.fulfill(status=404, body="not here"))
    page.goto("/")
    expect(page.get_by_role("alert")).to_contain_text("Cannot load /config.json")

    # When the user gives the API base URL and key, once
    settings = page.get_by_test_id("saved-settings")
    settings.get_by_label("API base URL").fill("not a url")
    settings.get_by_role("button", name="Save and reload").click()
    expect(settings).to_contain_text("Enter the API base URL")
    settings.get_by_label("API base URL").fill(dev.url + "/")
    settings.get_by_label("API key to save").fill(dev.api_key)
    settings.get_by_role("button", name="Save and reload").click()
    expect(settings).to_contain_text("Enter the user pool id")
    settings.get_by_label("User pool id").fill(auth_config["userPoolId"])
    settings.get_by_label("App client id").fill(auth_config["clientId"])
    settings.get_by_label("Cognito endpoint").fill(auth_config.get("endpoint", ""))
    settings.get_by_role("button", name="Save and reload").click()

    # Then the user signs in to the pool they name, the console works with them, and keeps them across a reload
    sign_in(page, accounts.create("operator"))
    customer_id = f"saved-{uuid.uuid4().hex[:8]}"
    form = page.get_by_test_id("ids-add")
    form.get_by_label("Customer ID").fill(customer_id)
    form.get_by_role("button", name="Add").click()
    expect(page.get_by_test_id("ids-add-status")).to_have_text(f"Success: Added {customer_id}.")
    assert requests.get(f"{dev.url}/ids/customers/{customer_id}", headers=dev.headers, timeout=10).json()[
        "exists"
    ]
    page.reload()
    expect(page.get_by_test_id("ids-add")).to_be_visible()

    # And forgetting them goes back to asking
    page.get_by_text("API key", exact=True).click()
    page.get_by_role("button", name="Forget saved settings").click()
    expect(page.get_by_role("alert")).to_contain_text("Cannot load /config.json")
