"""The enrollment service's cached builders: settings → client → repository (core.aws.reset() clears
them)."""

from __future__ import annotations

from patron.core import aws
from patron.core.settings import settings
from patron.enrollment.repository import AgeGroupsRepository, EnrollmentQueue, EnrollmentsRepository


@aws.wired
def age_groups() -> AgeGroupsRepository:
    return AgeGroupsRepository(aws.client("dynamodb"), settings().AGE_GROUPS_TABLE)


@aws.wired
def enrollments() -> EnrollmentsRepository:
    return EnrollmentsRepository(aws.client("dynamodb"), settings().ENROLLMENTS_TABLE)


@aws.wired
def queue() -> EnrollmentQueue:
    return EnrollmentQueue(aws.client("sqs"), settings().ENROLLMENT_QUEUE_URL)
