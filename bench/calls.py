"""AWS calls per API operation at two table sizes, which must be equal: no operation may scan or page
through a table whose size it does not depend on. The handlers run in-process on moto with the
template's tables (as the integration tests run them); every call any boto3 client makes is counted
with botocore's `before-call` event, as tests/integration/crm/test_request_counts.py does for crm."""

from __future__ import annotations

import json
import os
import sys
import uuid
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import boto3
from moto import mock_aws

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT), str(ROOT / "src")]

from tests.customers import customer_body  # noqa: E402
from tests.events import api_event  # noqa: E402

from patron.core.aws import reset as reset_wiring  # noqa: E402
from patron_tools.local import aws  # noqa: E402
from patron_tools.local.cloud import function_environment  # noqa: E402
from patron_tools.local.lambdas import LambdaContext  # noqa: E402
from patron_tools.local.template import Template  # noqa: E402

SIZES = (10, 1_000)
ABSENT = "00000000-0000-4000-8000-ffffffffffff"

Call = Callable[..., tuple[int, Any]]


@contextmanager
def cloud() -> Iterator[Counter[str]]:
    """moto with the template's tables and queues, the functions' environment, and a counter of the
    calls ("dynamodb.GetItem": n) made by every client created from boto3's default session."""
    template = Template()
    os.environ.update(
        {
            "AWS_ACCESS_KEY_ID": "bench",
            "AWS_SECRET_ACCESS_KEY": "bench",
            "AWS_DEFAULT_REGION": "us-east-1",
            "POWERTOOLS_SERVICE_NAME": "patron",
            "POWERTOOLS_METRICS_NAMESPACE": "Patron",
            **function_environment(template),
            "POWERTOOLS_METRICS_DISABLED": "true",
            "POWERTOOLS_LOG_LEVEL": "ERROR",
        }
    )
    os.environ.pop("AWS_ENDPOINT_URL", None)
    aws.moto_patches.apply_all()
    with mock_aws(config=aws.MOTO_CONFIG):
        aws.create_stores(template)
        made: Counter[str] = Counter()

        def count(event_name: str, **_: Any) -> None:
            made[event_name.removeprefix("before-call.")] += 1

        boto3.setup_default_session()  # the handlers' clients are created from it on first use
        assert boto3.DEFAULT_SESSION is not None
        boto3.DEFAULT_SESSION.events.register("before-call", count)
        reset_wiring()
        yield made
        reset_wiring()


def caller(module: Any) -> Call:
    """call(method, resource, parameters, body=..., query=...) → (status, JSON body) through the
    module's lambda_handler, with a REST API proxy event."""
    from patron.core.observability import metrics  # after cloud() has set the log level

    context = LambdaContext("bench", 512, 10)

    def call(method: str, resource: str, parameters: dict[str, str] | None = None, **kwargs: Any) -> Any:
        response = module.lambda_handler(api_event(method, resource, parameters, **kwargs), context)
        metrics.clear_metrics()  # disabled, but Powertools prints them once 100 are kept
        return response["statusCode"], json.loads(response["body"]) if response.get("body") else None

    return call


def ids_operations(size: int) -> dict[str, tuple[Any, ...]]:
    from patron.ids import handlers

    call = caller(handlers)
    for i in range(size):
        assert call("PUT", "/customers/{id}", {"id": f"fill-{i}"})[0] == 201
    one = {"id": "fill-1"}
    return {
        "ids PUT (new id)": (call, "PUT", "/customers/{id}", {"id": f"new-{size}"}),
        "ids PUT (existing id)": (call, "PUT", "/customers/{id}", one),
        "ids GET": (call, "GET", "/customers/{id}", one),
        "ids GET (absent)": (call, "GET", "/customers/{id}", {"id": "absent"}),
        "ids DELETE": (call, "DELETE", "/customers/{id}", one),
    }


def crm_operations(size: int) -> dict[str, tuple[Any, ...]]:
    from patron.crm import handlers

    call = caller(handlers)
    created = [call("POST", "/customers", body=customer_body())[1] for _ in range(size)]
    target, other = {"customer_id": created[1]["customer_id"]}, created[2]
    item = "/customers/{customer_id}"
    return {
        "crm POST /customers": (call, "POST", "/customers", None, {"body": customer_body()}),
        "crm GET": (call, "GET", item, target),
        "crm GET (absent)": (call, "GET", item, {"customer_id": ABSENT}),
        "crm PUT": (call, "PUT", item, target, {"body": {"lifetime_value": 2000.0}}),
        "crm PATCH (new e-mail)": (call, "PATCH", item, target, {"body": {"email_address": f"m{size}@example.com"}}),
        "crm list (first page of 5)": (call, "GET", "/customers", None, {"query": {"limit": "5"}}),
        "crm list by status": (call, "GET", "/customers", None, {"query": {"status": "active", "limit": "5"}}),
        "crm list by e-mail": (call, "GET", "/customers", None, {"query": {"email": other["email_address"]}}),
        "crm DELETE": (call, "DELETE", item, {"customer_id": other["customer_id"]}),
    }  # fmt: skip


def enrollment_operations(size: int) -> dict[str, tuple[Any, ...]]:
    from patron.enrollment import handlers

    call = caller(handlers)
    for low, high in ((0, 17), (18, 64), (65, 120)):
        assert call("POST", "/age-groups", body={"min_age": low, "max_age": high})[0] == 201
    person = {"name": "Maria Silva", "age": 30, "cpf": "529.982.247-25"}
    created = [call("POST", "/enrollments", body=person)[1]["enrollment_id"] for _ in range(size)]
    group = call("POST", "/age-groups", body={"min_age": 30, "max_age": 40})[1]["id"]
    return {
        "enrollment POST /enrollments": (call, "POST", "/enrollments", None, {"body": person}),
        "enrollment GET": (call, "GET", "/enrollments/{id}", {"id": created[1]}),
        "enrollment GET (absent)": (call, "GET", "/enrollments/{id}", {"id": "absent"}),
        "enrollment POST /age-groups": (call, "POST", "/age-groups", None, {"body": {"min_age": 1, "max_age": 2}}),
        "enrollment GET /age-groups": (call, "GET", "/age-groups"),
        "enrollment DELETE /age-groups/{id}": (call, "DELETE", "/age-groups/{id}", {"id": group}),
    }  # fmt: skip


def privacy_operations(size: int) -> dict[str, tuple[Any, ...]]:
    """Each service's privacy task (export, erase, erase again) for a person present in all four
    services, with `size` other people in each service's table."""
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
    from patron.privacy.wiring import objects

    email, cpf = "maria.silva@example.com", "52998224725"
    enrollments = enrollment_privacy.repository()
    for i in range(size + 1):
        person = i == size
        address = email if person else f"other{i}@example.com"
        create(NewCustomer.model_validate(customer_body(email_address=address)), customers())
        enrollments.add(
            Enrollment(
                enrollment_id=f"e-{i}",
                name="Maria Silva",
                age=30,
                cpf=cpf if person else f"{i:011d}",
                status=Status.PENDING,
                created_at=now(),
            )
        )
        ids().insert("maria-1" if person else f"other-{i}")
    records = [
        {
            "Email": email if i == size else f"other{i}@example.com",
            "Name": "N",
            "MarketingInterests": ["x"],
            "updated_at": now(),
        }
        for i in range(size + 1)
    ]
    interests().write(records, [])
    context = LambdaContext("bench", 512, 10)

    def task(handler: Any, request_type: str) -> Call:
        def call(*_: Any) -> tuple[int, Any]:
            request_id = f"{request_type}-{uuid.uuid4().hex}"
            objects().put_subject(request_id, {"email": email, "cpf": cpf, "id": "maria-1"})
            return 200, handler(
                {"request_id": request_id, "type": request_type, "started_at": now()}, context
            )

        return call

    operations: dict[str, tuple[Any, ...]] = {}
    for request_type in ("export", "erase", "erase again"):
        for name, module in (
            ("crm", crm_privacy),
            ("enrollment", enrollment_privacy),
            ("marketing", marketing_privacy),
            ("ids", ids_privacy),
        ):
            kind = request_type.split()[0]
            operations[f"privacy {request_type}: {name} task"] = (task(module.handler, kind), "", "")
    return operations


def calls_per_operation(size: int) -> dict[str, Counter[str]]:
    counts = {}
    for operations in (ids_operations, crm_operations, enrollment_operations, privacy_operations):
        with cloud() as made:
            for name, (call, method, resource, *rest) in operations(size).items():
                parameters = rest[0] if rest else None
                kwargs = rest[1] if len(rest) > 1 else {}
                made.clear()
                status = call(method, resource, parameters, **kwargs)[0]
                assert status < 500, (name, status)
                counts[name] = Counter(made)
    return counts


def describe(calls: Counter[str]) -> str:
    return ", ".join(f"{n} {name}" for name, n in sorted(calls.items())) or "none"


def aws_calls() -> str:
    small, large = (calls_per_operation(size) for size in SIZES)
    rows = [
        f"| {name} | {describe(small[name])} | {describe(large[name])} | "
        f"{'yes' if small[name] == large[name] else '**NO**'} |"
        for name in small
    ]
    return "\n".join(
        [
            "## AWS calls per operation",
            "",
            "Each API operation through its `lambda_handler` (in-process, moto, the template's tables) against a",
            f"table of {SIZES[0]:,} and of {SIZES[1]:,} items (ids; crm customers; enrollments, with 3 age",
            "groups; for the privacy tasks, that many other people in each of the four services' tables); every",
            "AWS call of any client counted by botocore's `before-call` event (a privacy task's count includes",
            "the bench's own put of the request's subject object and the secret read once per process). Equal",
            "counts mean the operation costs the same whatever the table size.",
            "",
            f"| operation | calls at {SIZES[0]:,} | calls at {SIZES[1]:,} | equal |",
            "|---|---|---|---|",
            *rows,
        ]
    )


if __name__ == "__main__":
    print(aws_calls())
