"""Signing in to the console (SPEC §1.7) in a real browser against a real `patron dev` and its user pool:
sign-in, a refused password, the first sign-in's new password, what each role sees, a session that has
expired or is about to, the token on every call, sign-out."""

from __future__ import annotations

import base64
import json
import re
import time
from collections.abc import Callable
from typing import Any

import pytest
from playwright.sync_api import Page, expect
from tests.devserver import DevServer
from tests.e2e.web.conftest import Account, Accounts, sign_in

pytestmark = pytest.mark.e2e

SESSION_EXPIRED = "Your session has expired; sign in again."
NAV = ["Customer IDs", "Customers", "Enrollments", "Marketing", "Privacy"]


def nav_labels(page: Page) -> list[str]:
    return [
        label.strip()
        for label in page.get_by_role("navigation", name="Main").get_by_role("link").all_inner_texts()
    ]


def stored_access_token(page: Page) -> str:
    """The access token the SDK keeps in localStorage (CognitoIdentityServiceProvider.<client>.<user>.accessToken)."""
    token: str = page.evaluate(
        "Object.keys(localStorage).filter((k) => k.endsWith('.accessToken')).map((k) => localStorage.getItem(k))[0] ?? ''"
    )
    return token


def replace_stored_access_token(page: Page, token: str) -> None:
    page.evaluate(
        "(token) => Object.keys(localStorage).filter((k) => k.endsWith('.accessToken'))"
        ".forEach((k) => localStorage.setItem(k, token))",
        token,
    )


def forged_token(claims: dict[str, Any], expires_in: int) -> str:
    """A JWT shaped like Cognito's access token, whose signature no key made."""

    def part(value: dict[str, Any]) -> str:
        return base64.urlsafe_b64encode(json.dumps(value).encode()).decode().rstrip("=")

    now = int(time.time())
    payload = {**claims, "iat": now - 60, "auth_time": now - 60, "exp": now + expires_in}
    return f"{part({'alg': 'RS256', 'kid': 'dummy'})}.{part(payload)}.{part({'not': 'a signature'})}"


def claims_of(token: str) -> dict[str, Any]:
    payload = token.split(".")[1]
    claims: dict[str, Any] = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    return claims


def check_id(page: Page, customer_id: str) -> None:
    check = page.get_by_test_id("ids-check")
    check.get_by_label("Customer ID").fill(customer_id)
    check.get_by_role("button", name="Check").click()


# ---------------------------------------------------------------- signing in


def test_signing_in_shows_the_user_and_role_and_survives_a_reload(
    anonymous_page: Page, accounts: Accounts
) -> None:
    page = anonymous_page
    account = accounts.create("operator")
    page.goto("/customers")
    expect(page).to_have_title("Sign in · Patron console")

    sign_in(page, account)

    expect(page.get_by_test_id("account-role")).to_have_text("operator")
    expect(page.get_by_role("heading", level=1)).to_have_text("Customers")  # the deep link, after sign-in
    page.reload()
    expect(page.get_by_test_id("account-username")).to_have_text(account.username)
    expect(page.get_by_test_id("sign-in")).to_have_count(0)


@pytest.mark.local_only
def test_the_local_admin_signs_in_with_the_password_patron_dev_printed(
    anonymous_page: Page, dev: DevServer
) -> None:
    password_file = dev.state_dir / "admin-password"
    assert password_file.is_file(), "patron dev keeps the first admin's password in its state directory"
    anonymous_page.goto("/")

    sign_in(anonymous_page, Account("admin", password_file.read_text().strip()))

    expect(anonymous_page.get_by_test_id("account-role")).to_have_text("admin")
    assert nav_labels(anonymous_page) == NAV


def test_a_wrong_password_is_refused_on_the_form(anonymous_page: Page, accounts: Accounts) -> None:
    page = anonymous_page
    account = accounts.create("viewer")
    page.goto("/")

    form = page.get_by_test_id("sign-in")
    form.get_by_label("Username").fill(account.username)
    form.get_by_label("Password").fill(account.password + "-wrong")
    form.get_by_role("button", name="Sign in").click()

    expect(page.get_by_test_id("sign-in-status")).to_have_text("Error: Incorrect username or password.")
    expect(form.get_by_label("Password")).to_have_value("")  # the password is not kept
    expect(page.get_by_test_id("account")).to_have_count(0)
    assert stored_access_token(page) == ""


def test_the_first_sign_in_asks_for_a_new_password(
    anonymous_page: Page, accounts: Accounts, dev: DevServer
) -> None:
    page = anonymous_page
    account = accounts.create("viewer", temporary=True)
    page.goto("/")
    form = page.get_by_test_id("sign-in")
    form.get_by_label("Username").fill(account.username)
    form.get_by_label("Password").fill(account.password)
    form.get_by_role("button", name="Sign in").click()

    # the challenge: a form for the new password, checked before it is sent
    choose = page.get_by_test_id("new-password")
    expect(page.get_by_role("heading", name="Choose a new password")).to_be_visible()
    choose.get_by_label("New password", exact=True).fill("Chosen-passw0rd!")
    choose.get_by_label("New password, again").fill("Chosen-passw0rd?")
    choose.get_by_role("button", name="Set password and sign in").click()
    expect(choose).to_contain_text("The two passwords differ.")
    choose.get_by_label("New password, again").fill("Chosen-passw0rd!")
    choose.get_by_role("button", name="Set password and sign in").click()

    expect(page.get_by_test_id("account-username")).to_have_text(account.username)
    user = dev.aws("cognito-idp").admin_get_user(UserPoolId=accounts.user_pool_id, Username=account.username)
    assert user["UserStatus"] == "CONFIRMED"

    # and the new password is the one that signs in from now on
    page.get_by_role("button", name="Sign out").click()
    sign_in(page, Account(account.username, "Chosen-passw0rd!"))


# ---------------------------------------------------------------- what each role sees

ROLE_PAGES = {
    "viewer": NAV[:4],
    "operator": NAV[:4],
    "privacy": ["Privacy"],
    "admin": NAV,
}


@pytest.mark.parametrize("role", list(ROLE_PAGES))
def test_each_role_sees_only_its_pages(signed_in_page: Callable[..., Page], role: str) -> None:
    page = signed_in_page(role)

    page.goto("/privacy-requests" if role == "privacy" else "/")

    expect(page.get_by_test_id("account-role")).to_have_text(role)
    assert nav_labels(page) == ROLE_PAGES[role]


def test_a_viewer_reads_but_sees_no_write_control(signed_in_page: Callable[..., Page]) -> None:
    page = signed_in_page("viewer")

    page.goto("/")
    expect(page.get_by_test_id("ids-check")).to_be_visible()
    for form in ("ids-add", "ids-delete", "ids-workflow"):
        expect(page.get_by_test_id(form)).to_have_count(0)
    expect(page.get_by_test_id("read-only")).to_contain_text("operator role")
    check_id(page, "nobody-here")
    expect(page.get_by_test_id("ids-check-status")).to_have_text("Info: nobody-here was not found.")

    page.goto("/customers")
    expect(page.get_by_role("region", name="Customer list")).to_be_visible()
    expect(page.get_by_role("button", name="Apply")).to_be_visible()
    expect(page.get_by_role("button", name="Seed sample customers")).to_have_count(0)
    expect(page.get_by_test_id("customer-create")).to_have_count(0)
    expect(page.get_by_role("button", name=re.compile(r"^(Edit|Delete) "))).to_have_count(0)

    page.goto("/enrollments")
    expect(page.get_by_role("heading", name="Age groups")).to_be_visible()
    expect(page.get_by_role("heading", name="Look up an enrollment")).to_be_visible()
    for form in ("age-group-create", "enroll"):
        expect(page.get_by_test_id(form)).to_have_count(0)
    expect(page.get_by_role("button", name=re.compile(r"^Delete age group"))).to_have_count(0)

    page.goto("/preferences")
    expect(page.get_by_role("heading", name="Stored interests")).to_be_visible()
    expect(page.get_by_test_id("marketing-batch")).to_have_count(0)

    # a page the role may not use is not there, even by its address
    page.goto("/privacy-requests")
    expect(page.get_by_role("heading", level=1)).to_have_text("Customer IDs")
    expect(page).to_have_url(re.compile(r"/$"))


def test_an_operator_sees_the_write_controls_but_no_privacy(signed_in_page: Callable[..., Page]) -> None:
    page = signed_in_page("operator")

    page.goto("/")
    for form in ("ids-add", "ids-check", "ids-delete", "ids-workflow"):
        expect(page.get_by_test_id(form)).to_be_visible()
    expect(page.get_by_test_id("read-only")).to_have_count(0)
    page.goto("/customers")
    expect(page.get_by_role("button", name="Seed sample customers")).to_be_visible()
    expect(page.get_by_test_id("customer-create")).to_be_visible()
    page.goto("/enrollments")
    expect(page.get_by_test_id("enroll")).to_be_visible()
    page.goto("/preferences")
    expect(page.get_by_test_id("marketing-batch")).to_be_visible()
    page.goto("/privacy-requests")
    expect(page.get_by_role("heading", level=1)).to_have_text("Customer IDs")


def test_a_privacy_officer_sees_only_the_privacy_page(signed_in_page: Callable[..., Page]) -> None:
    page = signed_in_page("privacy")

    page.goto("/customers")

    expect(page.get_by_role("heading", level=1)).to_have_text("Privacy requests")
    expect(page).to_have_url(re.compile(r"/privacy-requests$"))
    expect(page.get_by_test_id("privacy-form")).to_be_visible()


def test_an_account_in_no_group_is_told_it_has_no_role(anonymous_page: Page, accounts: Accounts) -> None:
    page = anonymous_page
    account = accounts.create()
    page.goto("/")
    form = page.get_by_test_id("sign-in")
    form.get_by_label("Username").fill(account.username)
    form.get_by_label("Password").fill(account.password)
    form.get_by_role("button", name="Sign in").click()

    expect(page.get_by_test_id("no-role")).to_contain_text("Your account has no role")
    expect(page.get_by_test_id("no-role")).to_contain_text(account.username)
    expect(page.get_by_role("navigation", name="Main")).to_have_count(0)
    page.get_by_role("button", name="Sign out").click()
    expect(page.get_by_test_id("sign-in")).to_be_visible()


def test_a_role_refusal_shows_the_apis_sentence(page: Page, accounts: Accounts, dev: DevServer) -> None:
    # Given a write that reaches the API with a viewer's token (as after the user's group changed)
    viewer = accounts.create("viewer")
    token = dev.sign_in(viewer.username, viewer.password)
    page.route(
        "**/ids/customers/**",
        lambda route: route.continue_(headers={**route.request.headers, "authorization": f"Bearer {token}"}),
    )
    page.goto("/")

    add = page.get_by_test_id("ids-add")
    add.get_by_label("Customer ID").fill("refused-id")
    add.get_by_role("button", name="Add").click()

    # Then the API's 403 sentence is shown where the action was, and the session goes on
    expect(page.get_by_test_id("ids-add-status")).to_have_text(
        re.compile(r"^Error: This route needs the role .*operator")
    )
    expect(page.get_by_test_id("account")).to_be_visible()


# ---------------------------------------------------------------- the token and the session


def test_every_api_call_carries_the_signed_in_users_access_token(page: Page) -> None:
    page.goto("/")
    expect(page.get_by_test_id("account")).to_be_visible()

    with page.expect_request(re.compile(r"/ids/customers/")) as sent:
        check_id(page, "carried")

    headers = sent.value.all_headers()
    assert headers["authorization"] == f"Bearer {stored_access_token(page)}"
    assert claims_of(stored_access_token(page))["token_use"] == "access"
    assert headers["x-api-key"]


@pytest.mark.parametrize("expires_in", [10, -60], ids=["about to expire", "expired"])
def test_an_access_token_about_to_expire_is_refreshed_before_the_call(page: Page, expires_in: int) -> None:
    page.goto("/")
    expect(page.get_by_test_id("account")).to_be_visible()
    # Given a stored access token that expires in 10 s, or expired a minute ago (its claims otherwise the
    # real one's, its signature none)
    claims = claims_of(stored_access_token(page))
    replace_stored_access_token(page, forged_token(claims, expires_in=expires_in))

    with page.expect_request(re.compile(r"/ids/customers/")) as sent:
        check_id(page, "refreshed")

    # Then the call went with a new token from the refresh token, and the API took it
    expect(page.get_by_test_id("ids-check-status")).to_have_text("Info: refreshed was not found.")
    fresh = stored_access_token(page)
    assert sent.value.all_headers()["authorization"] == f"Bearer {fresh}"
    assert claims_of(fresh)["exp"] > time.time() + 60


def test_a_token_the_api_refuses_brings_back_the_sign_in_page(page: Page) -> None:
    page.goto("/")
    expect(page.get_by_test_id("account")).to_be_visible()
    # Given a stored access token that looks valid for an hour but that no key of the pool signed
    replace_stored_access_token(page, forged_token(claims_of(stored_access_token(page)), expires_in=3600))

    check_id(page, "refused")

    # Then the API's 401 ends the session: the sign-in page says why
    expect(page.get_by_test_id("signin-notice")).to_have_text(SESSION_EXPIRED)
    expect(page.get_by_test_id("sign-in")).to_be_visible()
    assert stored_access_token(page) == ""


def expire_the_stored_session(page: Page) -> None:
    """An expired access token and a refresh token Cognito does not know."""
    replace_stored_access_token(page, forged_token(claims_of(stored_access_token(page)), expires_in=-60))
    page.evaluate(
        "Object.keys(localStorage).filter((k) => k.endsWith('.refreshToken'))"
        ".forEach((k) => localStorage.setItem(k, 'not-a-refresh-token'))"
    )


def test_a_session_that_cannot_be_refreshed_brings_back_the_sign_in_page(page: Page) -> None:
    page.goto("/")
    expect(page.get_by_test_id("account")).to_be_visible()
    expire_the_stored_session(page)

    check_id(page, "expired")

    expect(page.get_by_test_id("signin-notice")).to_have_text(SESSION_EXPIRED)
    assert stored_access_token(page) == ""


def test_opening_the_console_on_a_session_that_cannot_be_refreshed_asks_to_sign_in(page: Page) -> None:
    page.goto("/")
    expect(page.get_by_test_id("account")).to_be_visible()
    expire_the_stored_session(page)

    page.reload()

    expect(page.get_by_test_id("signin-notice")).to_have_text(SESSION_EXPIRED)
    expect(page.get_by_test_id("sign-in")).to_be_visible()


def test_signing_out_forgets_the_session(page: Page) -> None:
    page.goto("/enrollments")
    expect(page.get_by_test_id("account")).to_be_visible()

    page.get_by_role("button", name="Sign out").click()

    expect(page.get_by_test_id("sign-in")).to_be_visible()
    expect(page.get_by_test_id("signin-notice")).to_have_count(0)
    assert stored_access_token(page) == ""
    page.reload()
    expect(page.get_by_test_id("sign-in")).to_be_visible()
