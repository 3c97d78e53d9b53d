"""Browser tests: Python Playwright driving Debian's chromium (never a downloaded browser) against
the console served by a real `patron dev` (the session's `dev` fixture). The console signs in to the
stage's user pool (SPEC §1.7): `page` is signed in as an admin, `signed_in_page(role)` as a user of any
role, `anonymous_page` not at all; users are made through the local AWS endpoint's Cognito."""

from __future__ import annotations

import os
import subprocess
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
import requests
from playwright.sync_api import Browser, Page, Playwright, StorageState, expect, sync_playwright
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
# a deadline for what the page shows, not a pace: the machine may be busy (an SRP sign-in is some
# hundred milliseconds of big-number arithmetic in the page, an API call may meet a cold start)
SHOWN = 30_000


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


@pytest.fixture(scope="session", autouse=True)
def _generous_expectations() -> None:
    expect.set_options(timeout=SHOWN)


@dataclass(frozen=True)
class Account:
    username: str
    password: str


def sign_in(page: Page, account: Account) -> None:
    """Through the sign-in form, as a person does; returns once the console shows the user."""
    form = page.get_by_test_id("sign-in")
    form.get_by_label("Username").fill(account.username)
    form.get_by_label("Password").fill(account.password)
    form.get_by_role("button", name="Sign in").click()
    expect(page.get_by_test_id("account-username")).to_have_text(account.username)


@dataclass
class Accounts:
    """Users of the local user pool, made through the AWS endpoint's Cognito (the admin API calls an
    administrator makes), and the browser storage of a session signed in as each role, made once."""

    dev: DevServer
    browser: Browser
    user_pool_id: str
    states: dict[str, StorageState] = field(default_factory=dict)

    def create(self, *groups: str, temporary: bool = False) -> Account:
        """A new user in `groups`, with a permanent password (or a temporary one: the first sign-in
        then asks for a new one)."""
        idp = self.dev.aws("cognito-idp")
        account = Account(
            f"e2e-{'-'.join(groups) or 'nogroup'}-{uuid.uuid4().hex[:8]}", f"Pw-{uuid.uuid4().hex}-A1!"
        )
        if temporary:
            idp.admin_create_user(
                UserPoolId=self.user_pool_id,
                Username=account.username,
                TemporaryPassword=account.password,
                MessageAction="SUPPRESS",
            )
        else:
            idp.admin_create_user(
                UserPoolId=self.user_pool_id, Username=account.username, MessageAction="SUPPRESS"
            )
            idp.admin_set_user_password(
                UserPoolId=self.user_pool_id,
                Username=account.username,
                Password=account.password,
                Permanent=True,
            )
        for group in groups:
            idp.admin_add_user_to_group(
                UserPoolId=self.user_pool_id, Username=account.username, GroupName=group
            )
        return account

    def state(self, role: str) -> StorageState:
        """The storage (the SDK's tokens) of a browser signed in, through the form, as a user of `role`."""
        if role not in self.states:
            context = self.browser.new_context(base_url=self.dev.url, viewport=DESKTOP)  # type: ignore[arg-type]
            try:
                page = context.new_page()
                page.goto("/")
                sign_in(page, self.create(role))
                self.states[role] = context.storage_state()
            finally:
                context.close()
        return self.states[role]


@pytest.fixture(scope="session")
def auth_config(dev: DevServer) -> dict[str, Any]:
    """config.json's `auth`: the user pool and the console's app client."""
    auth: dict[str, Any] | None = requests.get(f"{dev.url}/config.json", timeout=10).json().get("auth")
    assert auth, "config.json has no auth: this patron dev does not provision the user pool (SPEC §1.7)"
    return auth


@pytest.fixture(scope="session")
def accounts(dev: DevServer, browser: Browser, auth_config: dict[str, Any]) -> Accounts:
    return Accounts(dev, browser, auth_config["userPoolId"])


@pytest.fixture
def signed_in_page(browser: Browser, dev: DevServer, accounts: Accounts) -> Iterator[Callable[..., Page]]:
    """`signed_in_page(role, viewport=DESKTOP)`: a page of a new browser context signed in as `role`."""
    contexts: list[Any] = []

    def open_page(role: str = "admin", viewport: dict[str, int] = DESKTOP) -> Page:
        context = browser.new_context(
            base_url=dev.url,
            viewport=viewport,  # type: ignore[arg-type]
            storage_state=accounts.state(role),
        )
        context.set_default_timeout(SHOWN)
        contexts.append(context)
        return context.new_page()

    yield open_page
    for context in contexts:
        context.close()


@pytest.fixture
def page(signed_in_page: Callable[..., Page]) -> Page:
    """A page signed in as an admin: every page and control of the console."""
    return signed_in_page("admin")


@pytest.fixture
def anonymous_page(browser: Browser, dev: DevServer) -> Iterator[Page]:
    """A page of a browser that has never signed in."""
    context = browser.new_context(base_url=dev.url, viewport=DESKTOP)  # type: ignore[arg-type]
    context.set_default_timeout(SHOWN)
    yield context.new_page()
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
