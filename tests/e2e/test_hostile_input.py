"""Hostile input (SPEC §1, issue 14): every operation of the four committed OpenAPI documents, over HTTP
against a real `patron dev`, with a corpus of hostile encodings: bodies that are not UTF-8, a byte order
mark, integers too long to convert, NaN/Infinity, deep nesting, media-type spellings, `null`/array/scalar
bodies, control characters in every string field, encoded `%0A`/`%00`/`%2F`/`%25` and trailing slashes
in every path parameter, repeated query keys. Every answer is a 2xx or a 4xx JSON error with a top-level
`message` and CORS headers, and DynamoDB holds nothing the contract forbids afterwards.

The schema fuzzer (test_fuzz.py) explores the documented schemas; this corpus is about what lies outside
them, so it is written by hand, one entry per kind of fault."""

from __future__ import annotations

import json
import re
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest
import requests
from tests.devserver import DevServer

from patron.crm.models import PHONE_PATTERN
from patron.ids.models import ID_PATTERN
from patron_tools.local import openapi

pytestmark = pytest.mark.e2e

APIS = ("ids", "crm", "enrollment", "marketing", "privacy")
FORBIDDEN_IN_MESSAGES = ("Value error", "String should match", "^", "Input should be a valid dictionary")


@dataclass(frozen=True)
class Operation:
    api: str
    method: str
    path: str  # as documented: /customers/{id}
    parameters: tuple[tuple[str, str], ...]  # (name, in)
    has_body: bool

    @property
    def label(self) -> str:
        return f"{self.api} {self.method} {self.path}"


def operations() -> list[Operation]:
    found = []
    for api in APIS:
        document = json.loads(openapi.path_of(api).read_text())
        for path, items in document["paths"].items():
            for method, operation in items.items():
                parameters = tuple((p["name"], p["in"]) for p in operation.get("parameters", []))
                found.append(Operation(api, method.upper(), path, parameters, "requestBody" in operation))
    return found


# ------------------------------------------------------------------ valid requests to start from
def valid_body(operation: Operation) -> Any:
    """A body each write accepts; the corpus bends it one way at a time."""
    unique = uuid.uuid4().hex[:8]
    bodies: dict[tuple[str, str], Any] = {
        ("ids", "/customers/{id}"): {},
        ("ids", "/workflow/submit"): {"id": f"hostile-wf-{unique}"},
        ("crm", "/customers"): {
            "first_name": "Ann",
            "last_name": "Lee",
            "email_address": f"ann.{unique}@example.com",
            "phone_number": "555-0123",
            "date_of_birth": "1990-01-01",
        },
        ("crm", "/customers/{customer_id}"): {"first_name": "Ann", "phone_number": "555-0199"},
        ("enrollment", "/age-groups"): {"min_age": 18, "max_age": 25},
        ("enrollment", "/enrollments"): {"name": "Ann Lee", "age": 20, "cpf": "123.456.789-00"},
        ("marketing", "/executions"): {"input": "[]"},
        ("marketing", "/uploads"): {},
        ("privacy", "/requests"): {"type": "export", "email": f"ann.{unique}@example.com"},
        ("marketing", "/preferences"): [
            {
                "Name": "Ann",
                "Email": f"ann.{unique}@example.com",
                "MarketingOptIn": True,
                "MarketingInterests": [],
            }
        ],
    }
    return bodies[(operation.api, operation.path)]


def string_fields(body: Any) -> list[str]:
    fields = body if isinstance(body, dict) else body[0] if isinstance(body, list) and body else {}
    return [name for name, value in fields.items() if isinstance(value, str)]


def with_field(body: Any, field: str, value: str) -> Any:
    if isinstance(body, list):
        return [{**body[0], field: value}]
    return {**body, field: value}


# ------------------------------------------------------------------ the corpus
DEEP = "[" * 5000 + "]" * 5000
NOT_JSON: dict[str, bytes] = {
    "latin-1 bytes": '{"first_name": "José"}'.encode("latin-1"),
    "utf-16 with BOM": '{"a": 1}'.encode("utf-16"),
    "4,301-digit integer": b'{"n": ' + b"9" * 4301 + b"}",
    "NaN": b'{"n": NaN}',
    "Infinity": b'{"n": Infinity}',
    "-Infinity": b'{"n": -Infinity}',
    "deep nesting": DEEP.encode(),
    "deep object": b'{"a":' * 5000 + b"1" + b"}" * 5000,
    "truncated": b'{"a": ',
    "lone surrogate escape": b'{"a": "\\udc80"}',
}
NOT_AN_OBJECT = {"null": b"null", "string": b'"x"', "number": b"3", "true": b"true"}
JSON_MEDIA_TYPES = ["Application/JSON", "APPLICATION/JSON; charset=UTF-8", "application/vnd.api+json"]
OTHER_MEDIA_TYPES = ["text/plain", "application/x-www-form-urlencoded", "Text/JSON"]
CONTROL_CHARACTERS = ["{}\n", "{}\r\n", "\x00{}", "{}\x1f", "{}\t"]
PATH_VALUES = [
    "{}%0A",
    "{}%0a",
    "{}%00",
    "{}%0D%0A",
    "{}%2F",
    "{}%2Fx",
    "{}%25",
    "%25{}",
    "{}%09",
    "%0A",
    "%FF",
    "%C0%AF",
]


@dataclass
class Case:
    description: str
    method: str
    path: str  # already percent-encoded, relative to the API
    body: bytes | None = None
    content_type: str | None = "application/json"
    expect: set[int] | None = None  # None: any 2xx or 4xx


def cases(operation: Operation, values: dict[str, str]) -> Iterator[Case]:
    """Every hostile request for one operation. `values`: a valid value per path parameter."""
    path = operation.path
    for name, value in values.items():
        path = path.replace("{" + name + "}", value)
    path_names = [name for name, where in operation.parameters if where == "path"]
    for name in path_names:
        for template in PATH_VALUES:
            bad = operation.path.replace("{" + name + "}", template.format(values[name]))
            for other, value in values.items():
                bad = bad.replace("{" + other + "}", value)
            # a control character, a slash or a percent sign in a value names nothing: 400 or 404
            yield Case(f"path {name}={template}", operation.method, bad, expect={400, 404})
    yield Case("trailing slash", operation.method, path + "/", body=_encoded(operation, None))
    for name, where in operation.parameters:
        if where == "query":
            value = "2" if name == "limit" else "active" if name == "status" else "a@example.com"
            query = f"?{name}={value}&{name}={value}"
            yield Case(f"repeated query {name}", operation.method, path + query, expect={400})
            # an integer may come with blanks around it (pydantic strips them); a name or e-mail may not
            expect = None if name == "limit" else {400}
            yield Case(f"query {name} with %0A", operation.method, f"{path}?{name}={value}%0A", expect=expect)
    if not operation.has_body:
        return
    for label, raw in NOT_JSON.items():
        yield Case(f"body {label}", operation.method, path, body=raw, expect={400})
    for label, raw in NOT_AN_OBJECT.items():
        yield Case(f"body {label}", operation.method, path, body=raw, expect={400})
    if not isinstance(valid_body(operation), list):
        yield Case("body array", operation.method, path, body=b"[{}]", expect={400})
    for media_type in JSON_MEDIA_TYPES:
        yield Case(f"media type {media_type}", operation.method, path, _encoded(operation), media_type)
    for media_type in OTHER_MEDIA_TYPES:
        yield Case(f"media type {media_type}", operation.method, path, _encoded(operation), media_type, {415})
    yield Case("byte order mark", operation.method, path, b"\xef\xbb\xbf" + _encoded(operation))
    for field in string_fields(valid_body(operation)):
        for template in CONTROL_CHARACTERS:
            body = valid_body(operation)
            raw = json.dumps(with_field(body, field, template.format(_field(body, field)))).encode()
            yield Case(
                f"{field}={template!r}", operation.method, path, raw, expect=_expect_field(operation, field)
            )


def _field(body: Any, field: str) -> str:
    value: str = (body[0] if isinstance(body, list) else body)[field]
    return value


def _encoded(operation: Operation, body: Any = ...) -> bytes | None:
    if not operation.has_body:
        return None
    return json.dumps(valid_body(operation) if body is ... else body).encode()


# string fields whose value is checked as a whole (ids, e-mails, phones, dates, CPFs): control characters
# are refused; free text (names, the pass-through input) may be normalised or refused, never a 5xx
CHECKED_FIELDS = {"id", "email_address", "phone_number", "date_of_birth", "cpf"}


def _expect_field(operation: Operation, field: str) -> set[int] | None:
    return {400} if field in CHECKED_FIELDS else None


# ------------------------------------------------------------------ what each answer must be
def problems(case: Case, response: requests.Response) -> list[str]:
    found = []
    where = f"{case.description} → {response.status_code}"
    if response.status_code >= 500:
        found.append(f"{where}: a 5xx")
    if case.expect is not None and response.status_code not in case.expect:
        found.append(f"{where}: expected {sorted(case.expect)}")
    if response.headers.get("Access-Control-Allow-Origin") != "*":
        found.append(f"{where}: no CORS headers")
    if response.status_code >= 400:
        try:
            body = response.json()
        except ValueError:
            return [*found, f"{where}: not a JSON error: {response.text[:80]!r}"]
        message = body.get("message") if isinstance(body, dict) else None
        if not isinstance(message, str) or not message:
            found.append(f"{where}: no top-level message in {body!r:.120}")
        elif any(text in message for text in FORBIDDEN_IN_MESSAGES):
            found.append(f"{where}: not a plain message: {message!r}")
        elif "error" in body and body["error"].get("message") != message:
            found.append(f"{where}: error.message differs from message")
    return found


def send(session: requests.Session, dev: DevServer, api: str, case: Case) -> requests.Response:
    headers = dict(dev.headers)
    if case.body is not None and case.content_type is not None:
        headers["Content-Type"] = case.content_type
    return session.request(
        case.method, f"{dev.url}/{api}{case.path}", data=case.body, headers=headers, timeout=30
    )


@pytest.fixture(scope="module")
def session() -> Iterator[requests.Session]:
    with requests.Session() as opened:
        yield opened


@pytest.fixture(scope="module")
def path_values(dev: DevServer, session: requests.Session) -> dict[str, str]:
    """A valid value of each path parameter, for resources that exist."""
    created = session.post(
        f"{dev.url}/crm/customers",
        json={
            "first_name": "Path",
            "last_name": "Owner",
            "email_address": f"owner.{uuid.uuid4().hex}@example.com",
        },
        headers=dev.headers,
        timeout=30,
    )
    assert created.status_code == 201, created.text
    return {
        "id": "hostile-victim",
        "customer_id": created.json()["customer_id"],
        "executionName": "no-such-execution",
        "name": "no-such-execution",
        "email": "owner%40example.com",
        "request_id": str(uuid.uuid4()),  # a privacy request never issued: a 404
    }


@pytest.mark.parametrize("operation", operations(), ids=lambda operation: operation.label)
def test_every_hostile_request_is_a_2xx_or_a_4xx_json_error_with_cors(
    dev: DevServer, session: requests.Session, path_values: dict[str, str], operation: Operation
) -> None:
    victim = session.put(f"{dev.url}/ids/customers/hostile-victim", headers=dev.headers, timeout=30)
    assert victim.status_code in (200, 201)
    found: list[str] = []

    for case in cases(operation, path_values):
        response = send(session, dev, operation.api, case)
        found += problems(case, response)
        deleting = operation.label == "ids DELETE /customers/{id}" and case.description.startswith("path")
        if deleting and not _id_exists(dev, "hostile-victim"):
            # no encoding of a character after (or instead of) the id may reach the id itself
            found.append(f"{case.description}: deleted hostile-victim")
            session.put(f"{dev.url}/ids/customers/hostile-victim", headers=dev.headers, timeout=30)

    assert found == []
    assert forbidden_items(dev) == []


def _id_exists(dev: DevServer, value: str) -> bool:
    item = dev.aws("dynamodb").get_item(
        TableName="customer_ids", Key={"id": {"S": value}}, ConsistentRead=True
    )
    return "Item" in item


def _scan(dev: DevServer, table: str) -> list[dict[str, Any]]:
    items: list[dict[str, Any]] = []
    for page in dev.aws("dynamodb").get_paginator("scan").paginate(TableName=table):
        items += page["Items"]
    return items


EMAIL = re.compile(r"[^\x00-\x20\x7f]+@[^\x00-\x20\x7f]+")
CPF = re.compile(r"[0-9]{11}")


def forbidden_items(dev: DevServer) -> list[str]:
    """What DynamoDB must never hold, whatever was sent: ids outside the id rule, e-mails and phones with
    control characters, CPFs that are not 11 digits."""
    found = []
    for item in _scan(dev, "customer_ids"):
        if not re.fullmatch(ID_PATTERN.strip("^$"), item["id"]["S"]):
            found.append(f"customer_ids holds {item['id']['S']!r}")
    for item in _scan(dev, "customers"):
        email = item["email_address"]["S"]
        if not EMAIL.fullmatch(email):
            found.append(f"customers holds the e-mail {email!r}")
        phone = item.get("phone_number", {}).get("S")
        if phone is not None and not re.fullmatch(PHONE_PATTERN.strip("^$"), phone):
            found.append(f"customers holds the phone {phone!r}")
    for item in _scan(dev, "EnrollmentsTable"):
        if not CPF.fullmatch(item["cpf"]["S"]):
            found.append(f"EnrollmentsTable holds the CPF {item['cpf']['S']!r}")
    return found


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("PUT", "/customers/x"),
        ("POST", "/seed"),
        ("DELETE", "/customers/x"),
        ("POST", "/"),
        ("PATCH", "/health"),
    ],
)
def test_a_request_for_no_api_is_403_missing_authentication_token(
    dev: DevServer, session: requests.Session, method: str, path: str
) -> None:
    response = session.request(method, dev.url + path, headers=dev.headers, timeout=30)

    assert response.status_code == 403
    assert response.json() == {"message": "Missing Authentication Token"}
    assert response.headers["Access-Control-Allow-Origin"] == "*"


@pytest.mark.parametrize("path", ["/crm/customers/", "/enrollment/age-groups/", "/ids/customers/x/"])
def test_a_trailing_slash_reaches_the_same_resource(
    dev: DevServer, session: requests.Session, path: str
) -> None:
    response = session.get(dev.url + path, headers=dev.headers, timeout=30)

    assert response.status_code == 200
