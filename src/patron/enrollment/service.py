"""The enrollment logic: plain functions over repositories, no HTTP, no event shapes, no environment."""

from __future__ import annotations

import asyncio
import uuid
from datetime import UTC, datetime

from patron.core.errors import Invalid
from patron.core.observability import logger
from patron.enrollment.models import (
    AgeGroup,
    AgeGroupInput,
    Enrollment,
    EnrollmentInput,
    ProcessingRequest,
    Status,
)
from patron.enrollment.repository import AgeGroupsRepository, EnrollmentQueue, EnrollmentsRepository


class AgeOutsideEveryGroup(Invalid):
    code = "age_not_in_any_age_group"


class InvalidCpf(Invalid):
    code = "invalid_cpf"


def now() -> str:
    return datetime.now(UTC).isoformat()


# ---------------------------------------------------------------- age groups
# Age-group ids are name-based UUIDs (RFC 4122 v5) of the range: an identical group gets the same id,
# so the conditional put refuses it (409) atomically, with no claim item or scan. Overlapping groups
# are allowed (brief 004); only an exact duplicate is a conflict.
AGE_GROUP_NAMESPACE = uuid.UUID("5b0d5a8e-7c1e-4f4b-9a57-2d0c6e3f4a11")


def create_age_group(request: AgeGroupInput, groups: AgeGroupsRepository) -> AgeGroup:
    """Create a group; raises Conflict when the same min_age..max_age range exists."""
    age_range = f"{request.min_age}-{request.max_age}"
    group = AgeGroup(id=str(uuid.uuid5(AGE_GROUP_NAMESPACE, age_range)), **request.model_dump())
    groups.add(group)
    logger.info("age group created", extra={"age_group": group.model_dump()})
    return group


def list_age_groups(groups: AgeGroupsRepository) -> list[AgeGroup]:
    return sorted(groups.all(), key=lambda g: (g.min_age, g.max_age, g.id))


def delete_age_group(group_id: str, groups: AgeGroupsRepository) -> None:
    groups.delete(group_id)
    logger.info("age group deleted", extra={"age_group_id": group_id})


# ---------------------------------------------------------------- enrollments
def cpf_check_digits_hold(cpf: str) -> bool:
    """The two check digits of a CPF (mod 11), and not one repeated digit (00000000000 passes mod 11)."""
    if len(set(cpf)) == 1:
        return False
    digits = [int(d) for d in cpf]
    for position in (9, 10):
        total = sum(d * w for d, w in zip(digits[:position], range(position + 1, 1, -1), strict=True))
        if digits[position] != (total * 10 % 11) % 10:
            return False
    return True


def request_enrollment(
    request: EnrollmentInput,
    groups: AgeGroupsRepository,
    enrollments: EnrollmentsRepository,
    cpf_validation: str = "format",
) -> Enrollment:
    """Validate and write the enrollment PENDING. Its queue message follows from the write itself
    (the table's stream feeds the dispatcher), so there is no second write here to lose."""
    if cpf_validation == "checksum" and not cpf_check_digits_hold(request.cpf):
        message = "The CPF's check digits are not valid."
        raise InvalidCpf(message, details=[{"field": "cpf", "message": message}])
    if not any(group.contains(request.age) for group in groups.all()):
        message = f"The age {request.age} is not inside any registered age group."
        raise AgeOutsideEveryGroup(message, details=[{"field": "age", "message": message}])
    enrollment = Enrollment(
        enrollment_id=str(uuid.uuid4()),
        name=request.name,
        age=request.age,
        cpf=request.cpf,
        status=Status.PENDING,
        created_at=now(),
    )
    enrollments.add(enrollment)
    logger.info("enrollment requested", extra={"enrollment_id": enrollment.enrollment_id})
    return enrollment


def get_enrollment(enrollment_id: str, enrollments: EnrollmentsRepository) -> Enrollment:
    return enrollments.get(enrollment_id)


def dispatch(enrollment_id: str, queue: EnrollmentQueue) -> None:
    queue.send(ProcessingRequest(enrollment_id=enrollment_id))
    logger.info("enrollment enqueued", extra={"enrollment_id": enrollment_id})


async def process(enrollment_id: str, enrollments: EnrollmentsRepository, delay_seconds: float) -> bool:
    """PENDING → PROCESSED after the (simulated) work; False for a message about an enrollment already
    processed (SQS delivers at least once). An unknown enrollment raises NotFound: that message fails."""
    if enrollments.get(enrollment_id).status is Status.PROCESSED:
        logger.info("enrollment already processed", extra={"enrollment_id": enrollment_id})
        return False
    await asyncio.sleep(delay_seconds)
    processed = enrollments.mark_processed(enrollment_id, now())
    logger.info("enrollment processed", extra={"enrollment_id": enrollment_id, "was_processed": processed})
    return processed
