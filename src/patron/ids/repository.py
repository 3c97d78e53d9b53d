"""The only module of the ids service that talks to AWS: DynamoDB, Step Functions, EventBridge."""

from __future__ import annotations

import json
import uuid
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any, Literal

from botocore.exceptions import ClientError

from patron.core.errors import execution_cause
from patron.ids.models import ExecutionError, WorkflowExecution

if TYPE_CHECKING:
    from mypy_boto3_dynamodb import DynamoDBClient
    from mypy_boto3_events import EventBridgeClient
    from mypy_boto3_stepfunctions import SFNClient

Creator = Literal["api", "workflow"]


class IdsRepository:
    """The registry (`customer_ids`)."""

    def __init__(self, client: DynamoDBClient, table_name: str) -> None:
        self._client = client
        self._table = table_name

    def insert(self, customer_id: str, created_by: Creator = "api") -> bool:
        """Insert the id unless it exists; True when this call created it. The conditional write makes
        concurrent inserts of one id create it exactly once. `created_by` tells the table's stream which
        path created it (only ids created through the API publish CustomerCreated)."""
        try:
            self._client.put_item(
                TableName=self._table,
                Item=self._item(customer_id, created_by),
                ConditionExpression="attribute_not_exists(#id)",
                ExpressionAttributeNames={"#id": "id"},
            )
        except ClientError as exc:
            if exc.response["Error"]["Code"] == "ConditionalCheckFailedException":
                return False
            raise
        return True

    def exists(self, customer_id: str) -> bool:
        """Whether the id is registered, strongly consistent: a workflow run reads what the PUT or the
        submit that started it has just written."""
        item = self._client.get_item(
            TableName=self._table,
            Key={"id": {"S": customer_id}},
            ConsistentRead=True,
            ProjectionExpression="#id",
            ExpressionAttributeNames={"#id": "id"},
        )
        return "Item" in item

    def delete(self, customer_id: str) -> bool:
        """Delete the id; True when it existed (the deleted item comes back, ReturnValues ALL_OLD)."""
        deleted = self._client.delete_item(
            TableName=self._table, Key={"id": {"S": customer_id}}, ReturnValues="ALL_OLD"
        )
        return "Attributes" in deleted

    @staticmethod
    def _item(customer_id: str, created_by: Creator) -> dict[str, Any]:
        return {
            "id": {"S": customer_id},
            "created_at": {"S": datetime.now(UTC).isoformat()},
            "created_by": {"S": created_by},
        }


EXECUTION_STATUS = {
    "RUNNING": "RUNNING",
    "PENDING_REDRIVE": "RUNNING",
    "SUCCEEDED": "SUCCEEDED",
    "FAILED": "FAILED",
    "TIMED_OUT": "FAILED",
    "ABORTED": "FAILED",
}


class CustomersWorkflow:
    """The customers-workflow state machine: start executions, read them back by name."""

    def __init__(self, client: SFNClient, state_machine_arn: str) -> None:
        self._client = client
        self._arn = state_machine_arn

    def start(self, customer_id: str) -> tuple[str, str]:
        """(executionArn, executionName) of a new execution with input {"id"}."""
        name = str(uuid.uuid4())
        started = self._client.start_execution(
            stateMachineArn=self._arn, name=name, input=json.dumps({"id": customer_id})
        )
        return started["executionArn"], name

    def execution(self, name: str) -> WorkflowExecution | None:
        execution_arn = self._arn.replace(":stateMachine:", ":execution:", 1) + ":" + name
        try:
            described = self._client.describe_execution(executionArn=execution_arn)
        except ClientError as exc:
            if exc.response["Error"]["Code"] in ("ExecutionDoesNotExist", "InvalidArn"):
                return None
            raise
        status = EXECUTION_STATUS.get(described["status"], "FAILED")
        output = _json_object(described.get("output"))
        error = None
        if status == "FAILED":
            error = ExecutionError(
                error=described.get("error") or described["status"],
                cause=execution_cause(described.get("cause")),
            )
        result = output.get("result") if status == "SUCCEEDED" else None
        customer_id = _json_object(described.get("input")).get("id")
        return WorkflowExecution.model_validate(
            {
                "status": status,
                "id": customer_id if isinstance(customer_id, str) else None,
                "result": result if result in ("Inserted", "AlreadyExists") else None,
                "error": error,
            }
        )


def _json_object(text: str | None) -> dict[str, Any]:
    try:
        value = json.loads(text or "{}")
    except ValueError:
        return {}
    return value if isinstance(value, dict) else {}


class EventNotPublished(RuntimeError):
    """EventBridge refused the entry (FailedEntryCount > 0); the caller must retry."""


class CustomerEvents:
    """CustomerCreated events on the stage's own event bus (`bus`: its name)."""

    SOURCE = "customer.api"
    CREATED = "CustomerCreated"

    def __init__(self, client: EventBridgeClient, bus: str) -> None:
        self._client = client
        self._bus = bus

    def customer_created(self, customer_id: str) -> None:
        answer = self._client.put_events(
            Entries=[
                {
                    "EventBusName": self._bus,
                    "Source": self.SOURCE,
                    "DetailType": self.CREATED,
                    "Detail": json.dumps({"id": customer_id}),
                }
            ]
        )
        if answer.get("FailedEntryCount", 0):
            entry = answer["Entries"][0]
            raise EventNotPublished(f"{entry.get('ErrorCode')}: {entry.get('ErrorMessage')}")
