"""The privacy logic as plain functions: accept a request, run one service's part of it, finish it.
No HTTP, no event shapes, no environment: the handlers and the tasks adapt them."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import Any

from patron.core.errors import NotFound
from patron.core.observability import logger
from patron.identity.access import Principal
from patron.privacy.models import (
    IDENTIFIERS,
    SERVICES,
    FinishInput,
    Found,
    PrivacyRequest,
    PrivacyRequestAccepted,
    PrivacyRequestInput,
    RequestedBy,
    Service,
    Subject,
    TaskInput,
    TaskResult,
)
from patron.privacy.repository import (
    HashKey,
    PrivacyRequests,
    RequestObjects,
    RequestsRepository,
    now,
)

# one service's part: (the person's identifiers, the request's type, the execution's start) → the
# items found (exported in the service's API shape; erased when the type is "erase")
Part = Callable[[Subject, str, str], list[dict[str, Any]]]


def subject_of(request: PrivacyRequestInput) -> Subject:
    """The identifiers as the services store them: e-mail lower-cased (crm and marketing compare it so),
    CPF digits only (the Cpf type strips '.' and '-'), the crm id lower-cased."""
    return Subject(
        email=request.email.strip().lower() if request.email else None,
        cpf=request.cpf,
        customer_id=request.customer_id,
        id=request.id,
    )


def subject_hashes(subject: Subject, key: HashKey) -> dict[str, str]:
    """HMAC-SHA256 of each identifier given, by its name: the only form the audit record keeps."""
    return {
        name: key.digest(name, value) for name in IDENTIFIERS if (value := getattr(subject, name)) is not None
    }


def submit(
    request: PrivacyRequestInput,
    api_key_id: str | None,
    principal: Principal | None,
    key: HashKey,
    records: RequestsRepository,
    objects: RequestObjects,
    executions: PrivacyRequests,
) -> PrivacyRequestAccepted:
    """Record the request (hashes only), put the identifiers in the request's private object, start
    privacy-requests named after the request."""
    request_id = uuid.uuid4().hex
    subject = subject_of(request)
    objects.put_subject(request_id, subject.model_dump(exclude_none=True))
    records.add(
        {
            "request_id": request_id,
            "type": request.type,
            "status": "RUNNING",
            "subjects": subject_hashes(subject, key),
            "found": Found().model_dump(),
            "submitted_at": now(),
            "api_key_id": api_key_id,
            "requested_by": RequestedBy.of(principal).model_dump() if principal else None,
        }
    )
    executions.start(request_id, request.type)
    logger.info(
        "privacy request submitted",
        extra={"request_id": request_id, "type": request.type, "identifiers": identifiers_given(subject)},
    )
    return PrivacyRequestAccepted(request_id=request_id, type=request.type)


def identifiers_given(subject: Subject) -> list[str]:
    """The names (never the values) of the identifiers a request gave."""
    return [name for name in IDENTIFIERS if getattr(subject, name) is not None]


def get(
    request_id: str, records: RequestsRepository, objects: RequestObjects, executions: PrivacyRequests
) -> PrivacyRequest:
    """The request as recorded; a RUNNING record whose execution was stopped or timed out (it never
    reached its failure path) is reported FAILED."""
    record = records.get(request_id)
    if record is None:
        raise NotFound("No privacy request with this id.")
    status = record["status"]
    if status == "RUNNING" and executions.ended_without_finishing(request_id):
        status = "FAILED"
    export_key = record.get("export_key")
    return PrivacyRequest(
        request_id=record["request_id"],
        type=record["type"],
        status=status,
        found=Found.model_validate(record["found"]),
        export_url=objects.url(export_key) if export_key and record["status"] == "SUCCEEDED" else None,
        submitted_at=record["submitted_at"],
        completed_at=record.get("completed_at"),
        requested_by=record.get("requested_by"),
    )


def run_part(service: Service, task: TaskInput, part: Part, objects: RequestObjects) -> TaskResult:
    """One service's part of a request. Idempotent: an export reads and writes its part again; an
    erase of what is already erased finds nothing."""
    stored = objects.subject(task.request_id)
    if stored is None:  # the request already finished (a late retry): nothing left to do
        return TaskResult(service=service, found=0)
    items = part(Subject.model_validate(stored), task.type, task.started_at)
    if task.type == "export":
        objects.put_part(task.request_id, service, items)
    logger.info(
        "privacy request part done",
        extra={"request_id": task.request_id, "service": service, "type": task.type, "found": len(items)},
    )
    return TaskResult(service=service, found=len(items))


def finish(task: FinishInput, records: RequestsRepository, objects: RequestObjects) -> dict[str, Any]:
    """Write the export (one JSON document, per service), delete the subject and the parts, then
    complete the record: a client that reads a completed record finds the identifiers gone. The request
    is FAILED when the execution failed or any service's part failed (every part has ended by then: the
    state machine catches each in its own branch).

    Safe to retry: the subject is deleted only after the export is written, so an attempt that finds the
    subject gone finds the export already there."""
    found = Found.model_validate({result.service: result.found for result in task.results})
    failed = task.failure is not None or any(result.error for result in task.results)
    status = "FAILED" if failed else "SUCCEEDED"
    export_key = None
    if task.type == "export" and status == "SUCCEEDED":
        export_key = objects.export_key(task.request_id)
        if objects.subject(task.request_id) is not None:
            export: dict[str, Any] = {"request_id": task.request_id, "exported_at": now()}
            export |= {service: objects.part(task.request_id, service) for service in SERVICES}
            objects.put_export(task.request_id, export)
    objects.forget(task.request_id, SERVICES)
    records.complete(task.request_id, status, found.model_dump(), export_key)
    logger.info(
        "privacy request finished",
        extra={
            "request_id": task.request_id,
            "status": status,
            "found": found.model_dump(),
            "failed_parts": [result.service for result in task.results if result.error],
        },
    )
    return {"request_id": task.request_id, "status": status, "found": found.model_dump()}
