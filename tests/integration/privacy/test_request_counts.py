"""Each service's privacy task makes the same AWS calls however many other people its tables hold:
lookups by index or key, never a scan (bench/calls.py measures the same at 10 and 1,000)."""

from __future__ import annotations

import uuid
from collections import Counter
from typing import Any

import pytest
from tests.customers import customer_body

from patron.crm import privacy as crm_privacy
from patron.crm.handlers import repository as customers
from patron.crm.models import NewCustomer
from patron.crm.service import create
from patron.enrollment import privacy as enrollment_privacy
from patron.enrollment.models import Enrollment, Status
from patron.ids import privacy as ids_privacy
from patron.ids.steps import repository as ids
from patron.marketing import privacy as marketing_privacy
from patron.marketing.steps import interests
from patron.privacy.repository import now
from patron.privacy.wiring import erasures, hash_key, objects
from patron_tools.local.lambdas import LambdaContext

EMAIL, CPF = "maria.silva@example.com", "52998224725"
TASKS = {
    "crm": crm_privacy,
    "enrollment": enrollment_privacy,
    "marketing": marketing_privacy,
    "ids": ids_privacy,
}
# per task: export, then erase (found: the person), then erase again (found: nothing); besides these,
# each call reads the subject object (s3 GetObject) and writes its part (export) or nothing
EXPECTED = {
    "crm": [{"Query": 1}, {"Query": 1, "TransactWriteItems": 1}, {"Query": 1}],
    "enrollment": [{"Query": 1}, {"Query": 1, "UpdateItem": 1}, {"Query": 1}],
    "marketing": [
        {"GetItem": 1},
        {"GetItem": 1, "PutItem": 1, "BatchWriteItem": 1},
        {"GetItem": 1, "PutItem": 1},
    ],
    "ids": [{"GetItem": 1}, {"DeleteItem": 1}, {"DeleteItem": 1}],
}


def fill(others: int) -> None:
    enrollments = enrollment_privacy.repository()
    records = []
    for i in range(others + 1):
        person = i == others
        email = EMAIL if person else f"other{i}@example.com"
        create(NewCustomer.model_validate(customer_body(email_address=email)), customers())
        enrollment = Enrollment(
            enrollment_id=f"e-{i}", name="N", age=30, cpf=CPF if person else f"{i:011d}",
            status=Status.PENDING, created_at=now(),
        )  # fmt: skip
        enrollments.add(enrollment)
        ids().insert("maria-1" if person else f"other-{i}")
        records.append({"Email": email, "Name": "N", "MarketingInterests": ["x"], "updated_at": now()})
    interests().write(records, [])


@pytest.mark.parametrize("others", [3, 60])
def test_each_task_costs_the_same_calls_whatever_the_table_size(cloud: None, others: int) -> None:
    fill(others)
    hash_key().digest("email", EMAIL)  # the secret is read once per process; not part of a request
    made: Counter[str] = Counter()
    clients = {id(c): c for c in (customers()._client, enrollment_privacy.repository()._client,
                                  interests()._client, ids()._client, erasures()._client,
                                  crm_privacy.repository()._client)}  # fmt: skip

    def count(model: Any, **_: Any) -> None:
        made[model.name] += 1

    for client in clients.values():
        client.meta.events.register("before-call.dynamodb", count)
    context = LambdaContext("test", 512, 10)

    for service, module in TASKS.items():
        for request_type, expected in zip(("export", "erase", "erase"), EXPECTED[service], strict=True):
            request_id = uuid.uuid4().hex
            objects().put_subject(request_id, {"email": EMAIL, "cpf": CPF, "id": "maria-1"})
            made.clear()
            module.handler({"request_id": request_id, "type": request_type, "started_at": now()}, context)
            assert dict(made) == expected, (service, request_type)
