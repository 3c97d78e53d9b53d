"""The only module of the ids service that talks to DynamoDB."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import TYPE_CHECKING

from botocore.exceptions import ClientError

if TYPE_CHECKING:
    from mypy_boto3_dynamodb import DynamoDBClient


class IdsRepository:
    def __init__(self, client: DynamoDBClient, table_name: str) -> None:
        self._client = client
        self._table = table_name

    def insert(self, customer_id: str) -> bool:
        """Insert the id unless it exists; True when this call created it. The conditional write makes
        concurrent inserts of one id create it exactly once."""
        try:
            self._client.put_item(
                TableName=self._table,
                Item={"id": {"S": customer_id}, "created_at": {"S": datetime.now(UTC).isoformat()}},
                ConditionExpression="attribute_not_exists(#id)",
                ExpressionAttributeNames={"#id": "id"},
            )
        except ClientError as exc:
            if exc.response["Error"]["Code"] == "ConditionalCheckFailedException":
                return False
            raise
        return True

    def exists(self, customer_id: str) -> bool:
        item = self._client.get_item(
            TableName=self._table,
            Key={"id": {"S": customer_id}},
            ProjectionExpression="#id",
            ExpressionAttributeNames={"#id": "id"},
        )
        return "Item" in item

    def delete(self, customer_id: str) -> bool:
        """Delete the id; True when it existed."""
        old = self._client.delete_item(
            TableName=self._table, Key={"id": {"S": customer_id}}, ReturnValues="ALL_OLD"
        )
        return "Attributes" in old
