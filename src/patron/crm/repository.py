"""The only module of the crm service that talks to DynamoDB.

Two tables: `customers` (key `customer_id`) and `customer_emails` (key `email`, the normalized e-mail,
holding the `customer_id` that owns it). A customer and the claim on its e-mail are written in one
transaction, so an e-mail belongs to at most one customer even under concurrent writes. The customer item
also carries `email_key` (the normalized e-mail) for the e-mail index, and a sample of `POST /seed` carries
`sample_key` for the sparse sample index; neither is an attribute of the API model (`sample` is read from
`sample_key`)."""

from __future__ import annotations

import random
import time
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, TypeVar

from boto3.dynamodb.types import TypeDeserializer, TypeSerializer
from botocore.exceptions import ClientError

from patron.core import errors
from patron.core.types import normalize_email
from patron.crm.models import Customer

if TYPE_CHECKING:
    from mypy_boto3_dynamodb import DynamoDBClient

T = TypeVar("T")

STATUS_INDEX = "status-index"  # partition key customer_status
EMAIL_INDEX = "email-index"  # partition key email_key
EMAIL_KEY = "email_key"
SAMPLE_INDEX = "sample-index"  # partition key sample_key: sparse, only the samples of POST /seed have it
SAMPLE_KEY = "sample_key"
SAMPLE_VALUE = "sample"
CONFLICT_RETRIES = 3  # DynamoDB cancels a write that meets another transaction on the same item

_serializer = TypeSerializer()
_deserializer = TypeDeserializer()

NO_SUCH_CUSTOMER = "No customer with this id."


def _email_taken() -> errors.Conflict:
    return errors.Conflict(
        "The e-mail address is already in use.",
        [{"field": "email_address", "message": "is already used by another customer"}],
    )


def to_item(customer: Customer) -> dict[str, Any]:
    """A customer as a DynamoDB item (numbers stay Decimal, absent fields are not written)."""
    attributes = customer.model_dump(mode="python", exclude={"sample"})
    attributes[EMAIL_KEY] = normalize_email(customer.email_address)
    if customer.sample:
        attributes[SAMPLE_KEY] = SAMPLE_VALUE
    return {name: _serializer.serialize(value) for name, value in attributes.items()}


def from_item(item: dict[str, Any]) -> Customer:
    attributes = {name: _deserializer.deserialize(value) for name, value in item.items()}
    attributes.pop(EMAIL_KEY, None)
    attributes["sample"] = attributes.pop(SAMPLE_KEY, None) is not None
    return Customer.model_validate(attributes)


def _s(value: str) -> dict[str, str]:
    return {"S": value}


def _error_code(exc: ClientError) -> str:
    return str(exc.response["Error"]["Code"])


def _met_a_transaction(exc: ClientError) -> bool:
    """The write was refused only because another transaction held one of its items: worth a retry."""
    if _error_code(exc) == "TransactionConflictException":
        return True
    codes = errors.cancellation_reasons(exc)
    return "TransactionConflict" in codes and "ConditionalCheckFailed" not in codes


def _retrying_conflicts(write: Callable[[], T]) -> T:
    """Run `write`, retried with jittered backoff while it only collides with another transaction
    (the SDK does not retry those); still colliding after that is a 409."""
    for attempt in range(CONFLICT_RETRIES + 1):
        try:
            return write()
        except ClientError as exc:
            if not _met_a_transaction(exc):
                raise
            if attempt == CONFLICT_RETRIES:
                raise errors.Conflict("The customer is being changed by another request; retry.") from exc
            time.sleep(0.025 * 2**attempt * (1 + random.random()))
    raise AssertionError("unreachable")


class CustomersRepository:
    def __init__(self, client: DynamoDBClient, customers_table: str, emails_table: str) -> None:
        self._client = client
        self._customers = customers_table
        self._emails = emails_table

    # ------------------------------------------------------------------------- writes
    def create(self, customer: Customer) -> None:
        """Write the customer and claim its e-mail in one transaction; Conflict if the e-mail is taken."""
        try:
            self._transact(
                {
                    "Put": {
                        "TableName": self._customers,
                        "Item": to_item(customer),
                        "ConditionExpression": "attribute_not_exists(customer_id)",
                    }
                },
                self._claim(normalize_email(customer.email_address), customer.customer_id),
            )
        except ClientError as exc:
            if _error_code(exc) != "TransactionCanceledException":
                raise
            if errors.cancellation_reasons(exc)[1:2] == ["ConditionalCheckFailed"]:
                raise _email_taken() from exc
            raise

    def update(
        self,
        customer_id: str,
        changes: dict[str, Any],
        removals: set[str],
        expected_email_key: str | None = None,
    ) -> Customer:
        """Set `changes` and remove `removals` on an existing customer (NotFound if absent: an update
        never creates). With `expected_email_key`, only while the stored e-mail key is still that one."""
        request = self._update_request(customer_id, changes, removals, expected_email_key)
        try:
            result = _retrying_conflicts(lambda: self._client.update_item(**request, ReturnValues="ALL_NEW"))
        except ClientError as exc:
            if _error_code(exc) == "ConditionalCheckFailedException":
                raise self._lost_race(customer_id) from exc
            raise
        return from_item(result["Attributes"])

    def update_with_new_email(
        self, customer_id: str, changes: dict[str, Any], removals: set[str], old_email_key: str
    ) -> Customer:
        """Like `update`, moving the e-mail claim from `old_email_key` to the new address in the same
        transaction (Conflict if another customer holds the new one)."""
        new_email_key = normalize_email(changes["email_address"])
        update = self._update_request(customer_id, changes, removals, old_email_key)
        try:
            self._transact(
                {"Update": update},
                self._release(old_email_key, customer_id),
                self._claim(new_email_key, customer_id),
            )
        except ClientError as exc:
            if _error_code(exc) != "TransactionCanceledException":
                raise
            if errors.cancellation_reasons(exc)[2:3] == ["ConditionalCheckFailed"]:
                raise _email_taken() from exc
            raise self._lost_race(customer_id) from exc
        customer = self.get(customer_id)
        if customer is None:  # deleted right after this update
            raise errors.NotFound(NO_SUCH_CUSTOMER)
        return customer

    def delete(self, customer_id: str, email_key: str) -> None:
        """Delete the customer and release its e-mail in one transaction."""
        try:
            self._transact(
                {
                    "Delete": {
                        "TableName": self._customers,
                        "Key": {"customer_id": _s(customer_id)},
                        "ConditionExpression": "#email_key = :email_key",
                        "ExpressionAttributeNames": {"#email_key": EMAIL_KEY},
                        "ExpressionAttributeValues": {":email_key": _s(email_key)},
                    }
                },
                self._release(email_key, customer_id),
            )
        except ClientError as exc:
            if _error_code(exc) != "TransactionCanceledException":
                raise
            raise self._lost_race(customer_id) from exc

    # ------------------------------------------------------------------------- reads
    def get(self, customer_id: str) -> Customer | None:
        item = self._client.get_item(
            TableName=self._customers, Key={"customer_id": _s(customer_id)}, ConsistentRead=True
        )
        return from_item(item["Item"]) if "Item" in item else None

    def page(
        self,
        limit: int,
        after: str | None,
        status: str | None = None,
        email_key: str | None = None,
        sample: bool | None = None,
    ) -> tuple[list[Customer], str | None]:
        """Up to `limit` customers (by the e-mail index, the status index, the sparse sample index, or
        the table), starting after the customer `after`; and the id to continue after, None on the last
        page. A condition that is not the index's key filters what the index reads, and reading goes on
        until the page is full: what a filter skips is small (one e-mail's customer, the ten samples)."""
        request: dict[str, Any] = {"TableName": self._customers, "Limit": limit + 1}
        start = {"customer_id": _s(after)} if after else {}
        names: dict[str, str] = {}
        values: dict[str, Any] = {}
        filters: list[str] = []
        index: tuple[str, str, str] | None = None  # the narrowest index that applies, by its key
        if email_key is not None:
            index = (EMAIL_INDEX, EMAIL_KEY, email_key)
        elif sample:
            index = (SAMPLE_INDEX, SAMPLE_KEY, SAMPLE_VALUE)
        elif status is not None:
            index = (STATUS_INDEX, "customer_status", status)
        index_name = index[0] if index else None
        if status is not None and index_name != STATUS_INDEX:
            names["#status"], values[":status"] = "customer_status", _s(status)
            filters.append("#status = :status")
        if sample is not None and index_name != SAMPLE_INDEX:
            names["#sample"] = SAMPLE_KEY
            filters.append("attribute_exists(#sample)" if sample else "attribute_not_exists(#sample)")
        if index is None:  # the table reads consistently; the indexes cannot (eventually consistent GSIs)
            request["ConsistentRead"] = True
            read: Callable[..., Any] = self._client.scan
        else:
            index_name, key_name, key_value = index
            names["#key"], values[":key"] = key_name, _s(key_value)
            request |= {"IndexName": index_name, "KeyConditionExpression": "#key = :key"}
            if start:  # an index's start key is the table key plus the index key
                start[key_name] = _s(key_value)
            read = self._client.query
        if filters:
            request["FilterExpression"] = " AND ".join(filters)
        if names:
            request["ExpressionAttributeNames"] = names
        if values:
            request["ExpressionAttributeValues"] = values
        customers: list[Customer] = []
        while True:
            result = read(**request, **({"ExclusiveStartKey": start} if start else {}))
            customers += [from_item(item) for item in result["Items"]]
            start = result.get("LastEvaluatedKey") or {}
            if len(customers) > limit or not start:
                break
        if len(customers) > limit:
            return customers[:limit], customers[limit - 1].customer_id
        return customers, None

    # ------------------------------------------------------------------------- parts
    def _transact(self, *items: dict[str, Any]) -> None:
        _retrying_conflicts(lambda: self._client.transact_write_items(TransactItems=list(items)))

    def _update_request(
        self, customer_id: str, changes: dict[str, Any], removals: set[str], expected_email_key: str | None
    ) -> dict[str, Any]:
        attributes = dict(changes)
        if "email_address" in attributes:
            attributes[EMAIL_KEY] = normalize_email(attributes["email_address"])
        names = {f"#f{i}": name for i, name in enumerate([*attributes, *sorted(removals)])}
        placeholders = {name: placeholder for placeholder, name in names.items()}
        values = {f":v{i}": _serializer.serialize(value) for i, value in enumerate(attributes.values())}
        clauses = []
        if attributes:
            clauses.append("SET " + ", ".join(f"{placeholders[n]} = :v{i}" for i, n in enumerate(attributes)))
        if removals:
            clauses.append("REMOVE " + ", ".join(placeholders[name] for name in sorted(removals)))
        condition = "attribute_exists(customer_id)"
        if expected_email_key is not None:
            names["#expected_email_key"] = EMAIL_KEY
            values[":expected_email_key"] = _s(expected_email_key)
            condition += " AND #expected_email_key = :expected_email_key"
        request: dict[str, Any] = {
            "TableName": self._customers,
            "Key": {"customer_id": _s(customer_id)},
            "UpdateExpression": " ".join(clauses),
            "ConditionExpression": condition,
            "ExpressionAttributeNames": names,
        }
        if values:
            request["ExpressionAttributeValues"] = values
        return request

    def _claim(self, email_key: str, customer_id: str) -> dict[str, Any]:
        return {
            "Put": {
                "TableName": self._emails,
                "Item": {"email": _s(email_key), "customer_id": _s(customer_id)},
                "ConditionExpression": "attribute_not_exists(email)",
            }
        }

    def _release(self, email_key: str, customer_id: str) -> dict[str, Any]:
        return {
            "Delete": {
                "TableName": self._emails,
                "Key": {"email": _s(email_key)},
                "ConditionExpression": "customer_id = :customer_id",
                "ExpressionAttributeValues": {":customer_id": _s(customer_id)},
            }
        }

    def _lost_race(self, customer_id: str) -> errors.PatronError:
        """A conditional write on an existing customer failed: it is gone, or changed in between."""
        if self.get(customer_id) is None:
            return errors.NotFound(NO_SUCH_CUSTOMER)
        return errors.Conflict("The customer was changed by another request; retry.")
