"""enrollment's part of a privacy request (SPEC §1.6): the enrollments with the person's CPF, found by
the table's CPF index (the CPF as the API stores it: 11 digits); an erase anonymises each one — name and
CPF removed, status and dates kept so that counts stay true."""

from __future__ import annotations

from typing import Any

from patron.enrollment.wiring import enrollments as repository
from patron.privacy.models import Subject
from patron.privacy.steps import privacy_task


def part(subject: Subject, request_type: str, started_at: str) -> list[dict[str, Any]]:
    if subject.cpf is None:
        return []
    repo = repository()
    enrollments = repo.by_cpf(subject.cpf)
    if request_type == "erase":
        for enrollment in enrollments:
            repo.anonymise(enrollment.enrollment_id, subject.cpf)
    return [enrollment.model_dump(mode="json") for enrollment in enrollments]


handler = privacy_task("enrollment", part)
