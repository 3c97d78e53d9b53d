"""The only module of the enrollment service that talks to AWS: the age-groups and enrollments tables."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from boto3.dynamodb.types import TypeDeserializer, TypeSerializer
from botocore.exceptions import ClientError

from patron.core.errors import Conflict, NotFound
from patron.enrollment.models import AgeGroup, Enrollment, ProcessingRequest, Status

if TYPE_CHECKING:
    from mypy_boto3_dynamodb import DynamoDBClient
    from mypy_boto3_sqs import SQSClient

CPF_INDEX = "cpf-index"  # partition key cpf (11 digits, as the API stores it)

_serializer = TypeSerializer()
_deserializer = TypeDeserializer()


def to_item(values: dict[str, Any]) -> dict[str, Any]:
    return {key: _serializer.serialize(value) for key, value in values.items() if value is not None}


def from_item(item: dict[str, Any]) -> dict[str, Any]:
    # DynamoDB numbers come back as Decimal; every number of this service is an integer
    values = {key: _deserializer.deserialize(value) for key, value in item.items()}
    return {key: int(value) if key.endswith("age") else value for key, value in values.items()}


class AgeGroupsRepository:
    def __init__(self, client: DynamoDBClient, table_name: str) -> None:
        self._client = client
        self._table = table_name

    def add(self, group: AgeGroup) -> None:
        """Store a new group. Raises Conflict when its id is taken: ids are derived from the range, so
        that is an identical group, refused atomically however many requests race."""
        try:
            self._client.put_item(
                TableName=self._table,
                Item=to_item(group.model_dump(mode="json")),
                ConditionExpression="attribute_not_exists(id)",
            )
        except ClientError as exc:
            if exc.response["Error"]["Code"] != "ConditionalCheckFailedException":
                raise
            raise Conflict(
                f"An age group from {group.min_age} to {group.max_age} already exists (id {group.id}).",
                [{"field": "min_age", "message": "an identical age group exists"}],
            ) from None

    def all(self) -> list[AgeGroup]:
        """Every age group, strongly consistent: an enrollment right after a group's creation sees it."""
        groups = []
        for page in self._client.get_paginator("scan").paginate(TableName=self._table, ConsistentRead=True):
            groups += [AgeGroup.model_validate(from_item(item)) for item in page["Items"]]
        return groups

    def delete(self, group_id: str) -> None:
        old = self._client.delete_item(
            TableName=self._table, Key={"id": {"S": group_id}}, ReturnValues="ALL_OLD"
        )
        if "Attributes" not in old:
            raise NotFound(f"There is no age group {group_id}.")


class EnrollmentsRepository:
    def __init__(self, client: DynamoDBClient, table_name: str) -> None:
        self._client = client
        self._table = table_name

    def add(self, enrollment: Enrollment) -> None:
        self._client.put_item(
            TableName=self._table,
            Item=to_item(enrollment.model_dump(mode="json")),
            ConditionExpression="attribute_not_exists(enrollment_id)",
        )

    def get(self, enrollment_id: str) -> Enrollment:
        item = self._client.get_item(
            TableName=self._table, Key={"enrollment_id": {"S": enrollment_id}}, ConsistentRead=True
        )
        if "Item" not in item:
            raise NotFound(f"There is no enrollment {enrollment_id}.")
        return Enrollment.model_validate(from_item(item["Item"]))

    def mark_processed(self, enrollment_id: str, processed_at: str) -> bool:
        """PENDING → PROCESSED; False when it was already processed (a redelivered message)."""
        try:
            self._client.update_item(
                TableName=self._table,
                Key={"enrollment_id": {"S": enrollment_id}},
                UpdateExpression="SET #status = :processed, processed_at = :at",
                ConditionExpression="attribute_exists(enrollment_id) AND #status = :pending",
                ExpressionAttributeNames={"#status": "status"},
                ExpressionAttributeValues={
                    ":processed": {"S": Status.PROCESSED.value},
                    ":pending": {"S": Status.PENDING.value},
                    ":at": {"S": processed_at},
                },
                ReturnValuesOnConditionCheckFailure="ALL_OLD",
            )
        except ClientError as exc:
            if exc.response["Error"]["Code"] != "ConditionalCheckFailedException":
                raise
            if "Item" not in exc.response:
                raise NotFound(f"There is no enrollment {enrollment_id}.") from exc
            return False
        return True

    def by_cpf(self, cpf: str) -> list[Enrollment]:
        """Every enrollment with this CPF (11 digits, as stored), by the table's CPF index: never a scan."""
        enrollments = []
        pages = self._client.get_paginator("query").paginate(
            TableName=self._table,
            IndexName=CPF_INDEX,
            KeyConditionExpression="cpf = :cpf",
            ExpressionAttributeValues={":cpf": {"S": cpf}},
        )
        for page in pages:
            enrollments += [Enrollment.model_validate(from_item(item)) for item in page["Items"]]
        return enrollments

    def anonymise(self, enrollment_id: str, cpf: str) -> bool:
        """Remove the name and the CPF, keep status and dates (SPEC §1.6); only while the CPF is still
        `cpf`, so a second erasure changes nothing. True when this call anonymised it."""
        try:
            self._client.update_item(
                TableName=self._table,
                Key={"enrollment_id": {"S": enrollment_id}},
                UpdateExpression="REMOVE #name, cpf",
                ConditionExpression="cpf = :cpf",
                ExpressionAttributeNames={"#name": "name"},
                ExpressionAttributeValues={":cpf": {"S": cpf}},
            )
        except ClientError as exc:
            if exc.response["Error"]["Code"] == "ConditionalCheckFailedException":
                return False
            raise
        return True


class EnrollmentQueue:
    def __init__(self, client: SQSClient, queue_url: str) -> None:
        self._client = client
        self._url = queue_url

    def send(self, request: ProcessingRequest) -> None:
        self._client.send_message(QueueUrl=self._url, MessageBody=request.model_dump_json())
