"""The local cloud is its user's alone (local/origins.py): both ports answer only their own names, and
the AWS endpoint grants CORS only to the console's origins."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

import pytest
from werkzeug.test import Client

from patron_tools.local.origins import LocalOnly, console_origins


def app(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
    """An endpoint that, as flask-cors in moto's server does, reflects any origin."""
    origin = environ.get("HTTP_ORIGIN", "*")
    start_response("200 OK", [("Content-Type", "text/plain"), ("Access-Control-Allow-Origin", origin)])
    return [b"secret"]


CONSOLE = console_origins("127.0.0.1", 3000)


def client(host: str = "127.0.0.1", origins: set[str] | None = CONSOLE) -> Client:
    return Client(LocalOnly(app, host, 4566, origins=origins, headers={"Access-Control-Allow-Origin": "*"}))


@pytest.mark.parametrize(
    "host", ["127.0.0.1:4566", "localhost:4566", "[::1]:4566", "127.0.0.1", "LOCALHOST:4566"]
)
def test_the_servers_own_names_are_answered(host: str) -> None:
    assert client().get("/", headers={"Host": host}).status_code == 200


@pytest.mark.parametrize(
    "host",
    ["evil.example", "evil.example:4566", "127.0.0.1:3000", "127.0.0.1.nip.io:4566", "", "localhost.:4566"],
)
def test_any_other_host_is_refused_with_a_json_answer(host: str) -> None:
    response = client().get("/", headers={"Host": host})

    assert response.status_code == 403
    assert response.json == {"message": "This server answers only requests for its own names (Host)."}
    assert response.headers["Access-Control-Allow-Origin"] == "*"
    assert b"secret" not in response.data


def test_the_host_it_was_started_on_is_one_of_its_names() -> None:
    assert (
        client(host="devbox.internal").get("/", headers={"Host": "devbox.internal:4566"}).status_code == 200
    )
    assert client(host="::1").get("/", headers={"Host": "[::1]:4566"}).status_code == 200


def test_another_origin_gets_no_cors_and_its_preflight_is_refused() -> None:
    evil = {"Host": "127.0.0.1:4566", "Origin": "https://evil.example"}

    simple = client().get("/", headers=evil)
    preflight = client().options("/", headers={**evil, "Access-Control-Request-Method": "POST"})

    assert simple.status_code == 200
    assert "Access-Control-Allow-Origin" not in simple.headers  # the browser withholds the answer
    assert preflight.status_code == 403
    assert "Access-Control-Allow-Origin" not in preflight.headers


@pytest.mark.parametrize("origin", sorted(CONSOLE))
def test_the_consoles_origins_keep_their_cors(origin: str) -> None:
    response = client().get("/", headers={"Host": "127.0.0.1:4566", "Origin": origin})

    assert response.headers["Access-Control-Allow-Origin"] == origin


def test_without_a_list_of_origins_every_origin_keeps_the_apps_cors() -> None:
    # the gateway: its APIs answer every origin as the template's CORS says (a key and a token decide)
    response = client(origins=None).get(
        "/", headers={"Host": "127.0.0.1:4566", "Origin": "https://any.example"}
    )

    assert response.headers["Access-Control-Allow-Origin"] == "https://any.example"
