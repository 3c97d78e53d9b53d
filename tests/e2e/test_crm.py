"""SPEC §1.2 over HTTP, through a real `patron dev`."""

from __future__ import annotations

import uuid
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest
import requests
from tests.customers import customer_body
from tests.devserver import DevServer

pytestmark = pytest.mark.e2e

CORS = {
    "Access-Control-Allow-Origin": "*",
    "Access-Control-Allow-Methods": "DELETE,GET,PATCH,POST,PUT,OPTIONS",
    "Access-Control-Allow-Headers": "Content-Type,X-Amz-Date,Authorization,X-Api-Key,X-Amz-Security-Token",
}


def assert_cors(response: requests.Response) -> None:
    for name, value in CORS.items():
        assert response.headers.get(name) == value, name


def test_the_briefs_create_list_get_update_delete(dev: DevServer) -> None:
    base = f"{dev.url}/crm"
    body = customer_body()  # the brief's example, with an e-mail of its own

    created = requests.post(f"{base}/customers", json=body, headers=dev.headers, timeout=5)
    customer = created.json()
    url = f"{base}/customers/{customer['customer_id']}"
    listed = requests.get(
        f"{base}/customers", params={"email": body["email_address"]}, headers=dev.headers, timeout=5
    )
    fetched = requests.get(url, headers=dev.headers, timeout=5)
    updated = requests.put(
        url, json={"lifetime_value": 2000.00, "customer_status": "active"}, headers=dev.headers, timeout=5
    )
    patched = requests.patch(url, json={"customer_status": "inactive"}, headers=dev.headers, timeout=5)
    deleted = requests.delete(url, headers=dev.headers, timeout=5)
    gone = requests.get(url, headers=dev.headers, timeout=5)

    assert created.status_code == 201
    assert {name: customer[name] for name in body} == body
    assert (listed.status_code, listed.json()) == (200, {"customers": [customer], "next_token": None})
    assert (fetched.status_code, fetched.json()) == (200, customer)
    assert (updated.status_code, updated.json()) == (200, {**customer, "lifetime_value": 2000})
    assert patched.json()["customer_status"] == "inactive"
    assert (deleted.status_code, deleted.content) == (204, b"")
    assert gone.status_code == 404
    for response in (created, listed, fetched, updated, patched, deleted, gone):
        assert_cors(response)


def test_the_customer_is_in_the_table_seen_through_the_aws_endpoint(dev: DevServer) -> None:
    customer = requests.post(
        f"{dev.url}/crm/customers", json=customer_body(lifetime_value=0.1), headers=dev.headers, timeout=5
    ).json()

    item = dev.aws("dynamodb").get_item(
        TableName="customers", Key={"customer_id": {"S": customer["customer_id"]}}
    )

    assert item["Item"]["lifetime_value"] == {"N": "0.1"}
    assert item["Item"]["email_address"] == {"S": customer["email_address"]}


def test_two_concurrent_creates_with_one_email_give_one_201_and_one_409(dev: DevServer) -> None:
    email = f"race-{uuid.uuid4().hex[:8]}@example.com"

    def create(variant: str) -> int:
        body = customer_body(email_address=variant)
        return requests.post(
            f"{dev.url}/crm/customers", json=body, headers=dev.headers, timeout=30
        ).status_code

    with ThreadPoolExecutor(max_workers=16) as pool:
        statuses = list(pool.map(create, [email, email.upper()] * 8))

    assert statuses.count(201) == 1
    assert statuses.count(409) == 15


def test_validation_errors_name_every_bad_field(dev: DevServer) -> None:
    body = customer_body(
        customer_id=str(uuid.uuid4()), lifetime_value=-5, is_loyalty_member="maybe", shoe_size=9
    )

    response = requests.post(f"{dev.url}/crm/customers", json=body, headers=dev.headers, timeout=5)

    assert response.status_code == 400
    error = response.json()["error"]
    assert error["code"] == "invalid_request"
    assert {d["field"] for d in error["details"]} == {
        "customer_id",
        "lifetime_value",
        "is_loyalty_member",
        "shoe_size",
    }
    assert_cors(response)


@pytest.mark.parametrize(
    ("data", "content_type"), [("{oops", "application/json"), ("[]", "application/json"), ("x", "text/plain")]
)
def test_a_body_that_is_not_a_json_object_is_a_4xx_json_error(
    dev: DevServer, data: str, content_type: str
) -> None:
    headers = {**dev.headers, "Content-Type": content_type}

    response = requests.post(f"{dev.url}/crm/customers", data=data, headers=headers, timeout=5)

    assert response.status_code in (400, 415)
    assert "error" in response.json()


def test_put_of_an_absent_customer_is_404_and_leaves_nothing(dev: DevServer) -> None:
    missing = str(uuid.uuid4())

    response = requests.put(
        f"{dev.url}/crm/customers/{missing}", json={"first_name": "Ghost"}, headers=dev.headers, timeout=5
    )
    item = dev.aws("dynamodb").get_item(TableName="customers", Key={"customer_id": {"S": missing}})

    assert response.status_code == 404
    assert "Item" not in item


def test_seed_is_idempotent_and_pages_list_everything(dev: DevServer, fresh_stage: bool) -> None:
    first = requests.post(f"{dev.url}/crm/seed", headers=dev.headers, timeout=10)
    second = requests.post(f"{dev.url}/crm/seed", headers=dev.headers, timeout=10)

    seen: list[dict[str, Any]] = []
    params: dict[str, Any] = {"limit": 4}
    while True:
        page = requests.get(f"{dev.url}/crm/customers", params=params, headers=dev.headers, timeout=5).json()
        seen += page["customers"]
        if page["next_token"] is None:
            break
        params = {"limit": 4, "next_token": page["next_token"]}

    assert first.status_code == 201
    assert first.json()["created"] in ({10} if fresh_stage else {0, 10})  # 0: seeded by an earlier run
    assert (second.status_code, second.json()) == (201, {"created": 0, "customers": []})
    seen_ids = [customer["customer_id"] for customer in seen]
    assert len(seen_ids) == len(set(seen_ids))
    assert {c["customer_id"] for c in first.json()["customers"]} <= set(seen_ids)


@pytest.mark.parametrize("token", ["garbage", "eyJxIjoiIiwiYWZ0ZXIiOiJ4In0", "%00", "a" * 5000])
def test_a_bad_next_token_is_400_never_500(dev: DevServer, token: str) -> None:
    response = requests.get(
        f"{dev.url}/crm/customers", params={"next_token": token}, headers=dev.headers, timeout=5
    )

    assert response.status_code == 400
    assert response.json()["error"]["details"][0]["field"] == "next_token"


@pytest.mark.parametrize("method", ["GET", "POST", "PUT", "PATCH", "DELETE"])
def test_a_missing_key_is_403_forbidden_with_cors(dev: DevServer, method: str) -> None:
    path = "/crm/customers" if method in ("GET", "POST") else f"/crm/customers/{uuid.uuid4()}"

    response = requests.request(method, f"{dev.url}{path}", json={}, headers=dev.token_only, timeout=5)

    assert (response.status_code, response.json()) == (403, {"message": "Forbidden"})
    assert_cors(response)


def test_preflight_needs_no_key(dev: DevServer) -> None:
    response = requests.options(
        f"{dev.url}/crm/customers/anything",
        headers={"Origin": "http://localhost:5173", "Access-Control-Request-Method": "PATCH"},
        timeout=5,
    )

    assert response.status_code in (200, 204)
    assert_cors(response)


@pytest.mark.local_only
def test_the_docs_serve_the_crm_openapi_document(dev: DevServer) -> None:
    page = requests.get(f"{dev.url}/docs", timeout=5)
    document = requests.get(f"{dev.url}/docs/openapi/crm.json", timeout=5)

    assert "/docs/openapi/crm.json" in page.text
    assert document.status_code == 200
    assert set(document.json()["paths"]) == {"/customers", "/customers/{customer_id}", "/seed"}


@pytest.mark.local_only
def test_health_lists_the_crm_api(dev: DevServer) -> None:
    assert "crm" in requests.get(f"{dev.url}/health", timeout=5).json()["apis"]
