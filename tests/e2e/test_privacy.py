"""SPEC §1.6 over HTTP, through a real `patron dev`: a person seeded into all four services through
their own APIs is exported with everything, then erased everywhere; work in flight (an enrollment
message, a marketing batch) does not bring the data back."""

from __future__ import annotations

import time
import uuid
from typing import Any

import pytest
import requests
from tests.customers import customer_body
from tests.devserver import DevServer
from tests.marketing import make_record
from tests.privacy import enroll, random_cpf, run, seed_person, submit

pytestmark = pytest.mark.e2e

NOTHING = {"crm": 0, "enrollment": 0, "marketing": 0, "ids": 0}


def test_a_person_in_all_four_services_is_exported_then_erased_everywhere(dev: DevServer) -> None:
    person = seed_person(dev)
    identifiers = {"email": person["email"], "cpf": person["cpf"], "id": person["id"]}

    # export: everything, per service, in each API's shape, behind a presigned GET
    exported = run(dev, type="export", **identifiers)
    assert exported["status"] == "SUCCEEDED"
    assert exported["found"] == {"crm": 1, "enrollment": 1, "marketing": 1, "ids": 1}
    assert exported["submitted_at"] <= exported["completed_at"]
    document = requests.get(exported["export_url"], timeout=10)
    assert document.status_code == 200
    export = document.json()
    assert export["crm"][0]["customer_id"] == person["customer_id"]
    assert export["crm"][0]["email_address"] == person["email"]
    assert export["enrollment"][0]["enrollment_id"] == person["enrollment_id"]
    assert export["enrollment"][0]["cpf"] == person["cpf"].replace(".", "").replace("-", "")
    assert export["marketing"][0]["Email"] == person["email"].lower()
    assert export["ids"] == [{"id": person["id"], "exists": True}]

    # erase (the e-mail in another case, the CPF without separators: normalised as the services do)
    erased = run(
        dev, type="erase", email=person["email"].upper(), cpf=export["enrollment"][0]["cpf"], id=person["id"]
    )
    assert (erased["status"], erased["found"]) == (
        "SUCCEEDED",
        {"crm": 1, "enrollment": 1, "marketing": 1, "ids": 1},
    )
    assert erased["export_url"] is None
    h = dev.headers
    assert (
        requests.get(f"{dev.url}/crm/customers/{person['customer_id']}", headers=h, timeout=10).status_code
        == 404
    )
    assert (
        requests.get(f"{dev.url}/marketing/preferences/{person['email']}", headers=h, timeout=10).status_code
        == 404
    )
    assert (
        requests.get(f"{dev.url}/ids/customers/{person['id']}", headers=h, timeout=10).json()["exists"]
        is False
    )
    enrollment = requests.get(
        f"{dev.url}/enrollment/enrollments/{person['enrollment_id']}", headers=h, timeout=10
    )
    assert enrollment.status_code == 200
    assert (enrollment.json()["name"], enrollment.json()["cpf"]) == (None, None)
    assert enrollment.json()["created_at"]
    # the e-mail is free again in crm (its claim went with the customer)
    again = requests.post(
        f"{dev.url}/crm/customers", json=customer_body(email_address=person["email"]), headers=h, timeout=10
    )
    assert again.status_code == 201, again.text
    requests.delete(f"{dev.url}/crm/customers/{again.json()['customer_id']}", headers=h, timeout=10)

    # a second erase finds nothing and succeeds; an export afterwards finds nothing
    assert run(dev, type="erase", **identifiers)["found"] == NOTHING
    after = run(dev, type="export", **identifiers)
    assert after["found"] == NOTHING
    assert requests.get(after["export_url"], timeout=10).json()["crm"] == []


def test_an_enrollment_message_processed_after_the_erasure_restores_nothing(dev: DevServer) -> None:
    # Given an enrollment still PENDING (the processor works ProcessingDelaySeconds on it)
    cpf = random_cpf()
    created = enroll(dev, "Maria Silva", 34, cpf).json()
    url = f"{dev.url}/enrollment/enrollments/{created['enrollment_id']}"

    # When the person is erased while its message waits
    erased = run(dev, type="erase", cpf=cpf)
    assert erased["found"]["enrollment"] == 1

    # Then the message still completes the enrollment, and the name and CPF stay gone
    deadline = time.monotonic() + 60
    while (enrollment := requests.get(url, headers=dev.headers, timeout=10).json())["status"] != "PROCESSED":
        assert time.monotonic() < deadline, enrollment
        time.sleep(0.2)
    assert (enrollment["name"], enrollment["cpf"]) == (None, None)


def test_a_marketing_batch_in_flight_during_the_erasure_does_not_bring_the_email_back(dev: DevServer) -> None:
    # Given a large batch (its pipeline runs a few seconds) holding the person's e-mail last
    email = f"inflight.{uuid.uuid4().hex[:8]}@example.com"
    records = [make_record(i, Email=f"bulk{i}.{uuid.uuid4().hex[:6]}@example.com") for i in range(20_000)]
    records.append(make_record(0, Email=email))
    batch = requests.post(f"{dev.url}/marketing/preferences", json=records, headers=dev.headers, timeout=60)
    assert batch.status_code == 202, batch.text

    # When the person is erased while the batch runs
    erased = run(dev, type="erase", email=email)
    assert erased["status"] == "SUCCEEDED"

    # Then, once the batch has finished, the e-mail is not stored
    name = batch.json()["executionName"]
    deadline = time.monotonic() + 120
    while (
        execution := requests.get(
            f"{dev.url}/marketing/executions/{name}", headers=dev.headers, timeout=10
        ).json()
    )["status"] == "RUNNING":
        assert time.monotonic() < deadline
        time.sleep(0.2)
    assert execution["status"] == "SUCCEEDED"
    assert (
        requests.get(f"{dev.url}/marketing/preferences/{email}", headers=dev.headers, timeout=10).status_code
        == 404
    )


@pytest.mark.parametrize(
    "body",
    [
        {"type": "export"},
        {"type": "export", "email": "not-an-email"},
        {"type": "erase", "cpf": "123.456"},
        {"type": "export", "customer_id": "12345"},
        {"type": "export", "id": "has space"},
        {"type": "forget", "email": "a@example.com"},
        {"type": "export", "email": "a@example.com", "extra": 1},
    ],
)
def test_bad_requests_are_400_with_the_platforms_error_shape_and_cors(
    dev: DevServer, body: dict[str, Any]
) -> None:
    response = submit(dev, **body)

    assert response.status_code == 400, response.text
    assert response.json()["error"]["code"] == "invalid_request"
    assert response.headers["Access-Control-Allow-Origin"] == "*"


def test_unknown_request_is_404_and_the_api_needs_its_key(dev: DevServer) -> None:
    unknown = requests.get(f"{dev.url}/privacy/requests/{'0' * 32}", headers=dev.headers, timeout=10)
    assert unknown.status_code == 404
    assert unknown.json()["error"]["code"] == "not_found"
    no_key = requests.post(
        f"{dev.url}/privacy/requests", json={"type": "export", "id": "x"}, headers=dev.token_only, timeout=10
    )
    assert no_key.status_code == 403
    preflight = requests.options(f"{dev.url}/privacy/requests", timeout=10)
    assert "POST" in preflight.headers["Access-Control-Allow-Methods"]


def test_the_audit_record_holds_hashes_and_the_api_keys_id_never_an_identifier(dev: DevServer) -> None:
    email, cpf = f"audit.{uuid.uuid4().hex[:8]}@example.com", random_cpf()
    done = run(dev, type="export", email=email, cpf=cpf)

    item = dev.aws("dynamodb").get_item(
        TableName="privacy_requests", Key={"request_id": {"S": done["request_id"]}}
    )
    keys = dev.aws("apigateway").get_api_keys(includeValues=True)["items"]
    (key_id,) = [key["id"] for key in keys if key["value"] == dev.api_key]
    assert item["Item"]["api_key_id"] == {"S": key_id}
    assert set(item["Item"]["subjects"]["M"]) == {"email", "cpf"}
    stored = str(item["Item"])
    for identifier in (email, cpf, cpf.replace(".", "").replace("-", "")):
        assert identifier not in stored
    assert dev.api_key not in stored
