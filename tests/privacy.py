"""Privacy requests over HTTP against a `patron dev` (the e2e tests and `make bench`): submit one,
wait for it, and seed a person into all four services through their own APIs."""

from __future__ import annotations

import random
import time
import uuid
from typing import Any

import requests
from tests.customers import customer_body
from tests.devserver import DevServer
from tests.marketing import make_record
from tests.polling import finished


def random_cpf() -> str:
    digits = f"{random.randrange(10**11):011d}"
    return f"{digits[:3]}.{digits[3:6]}.{digits[6:9]}-{digits[9:]}"


def enroll(dev: DevServer, name: str, age: int, cpf: str) -> requests.Response:
    """An enrollment through the API, with an age group (30 to 40, made or already there) that holds it."""
    requests.post(
        f"{dev.url}/enrollment/age-groups",
        json={"min_age": 30, "max_age": 40},
        headers=dev.headers,
        timeout=10,
    )
    return requests.post(
        f"{dev.url}/enrollment/enrollments",
        json={"name": name, "age": age, "cpf": cpf},
        headers=dev.headers,
        timeout=10,
    )


def submit(dev: DevServer, **body: Any) -> requests.Response:
    return requests.post(f"{dev.url}/privacy/requests", json=body, headers=dev.headers, timeout=10)


def wait_done(dev: DevServer, request_id: str, timeout: float = 60) -> dict[str, Any]:
    return finished(lambda: dev.get_json(f"/privacy/requests/{request_id}"), timeout, interval=0.1)


def run(dev: DevServer, **body: Any) -> dict[str, Any]:
    accepted = submit(dev, **body)
    assert accepted.status_code == 202, accepted.text
    assert accepted.json() == {
        "request_id": accepted.json()["request_id"],
        "type": body["type"],
        "status": "RUNNING",
    }
    return wait_done(dev, accepted.json()["request_id"])


def seed_person(dev: DevServer) -> dict[str, str]:
    """Through each service's own API: a crm customer, an enrollment, marketing interests, an id."""
    email = f"Maria.{uuid.uuid4().hex[:8]}@Example.com"
    cpf = random_cpf()
    person_id = f"person-{uuid.uuid4().hex[:8]}"
    customer = requests.post(
        f"{dev.url}/crm/customers", json=customer_body(email_address=email), headers=dev.headers, timeout=10
    )
    assert customer.status_code == 201, customer.text
    enrollment = enroll(dev, "Maria Silva", 34, cpf)
    assert enrollment.status_code in (201, 202), enrollment.text
    batch = requests.post(
        f"{dev.url}/marketing/preferences",
        json=[make_record(1, Email=email)],
        headers=dev.headers,
        timeout=10,
    )
    assert batch.status_code == 202, batch.text
    registered = requests.put(f"{dev.url}/ids/customers/{person_id}", headers=dev.headers, timeout=10)
    assert registered.status_code == 201, registered.text
    deadline = time.monotonic() + 30
    while (
        requests.get(f"{dev.url}/marketing/preferences/{email}", headers=dev.headers, timeout=10).status_code
        != 200
    ):
        assert time.monotonic() < deadline
        time.sleep(0.1)
    return {
        "email": email,
        "cpf": cpf,
        "id": person_id,
        "customer_id": customer.json()["customer_id"],
        "enrollment_id": enrollment.json()["enrollment_id"],
    }
