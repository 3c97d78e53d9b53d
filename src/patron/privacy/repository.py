"""The only module of the privacy service that talks to AWS: the hashing key (a Secrets Manager secret
the template generates), the request records, the erasure records, the request's S3 objects (the
subject, each service's part, the export) and the state machine."""

from __future__ import annotations

import hashlib
import hmac
import json
from collections.abc import Iterable
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

from boto3.dynamodb.types import TypeDeserializer, TypeSerializer
from botocore.exceptions import ClientError

from patron.core.errors import is_missing_object

if TYPE_CHECKING:
    from mypy_boto3_dynamodb import DynamoDBClient
    from mypy_boto3_s3 import S3Client
    from mypy_boto3_secretsmanager import SecretsManagerClient
    from mypy_boto3_stepfunctions import SFNClient

EXPORT_URL_SECONDS = 3600  # a presigned GET of the export, made at each GET of the request
ERASURE_RECORD_DAYS = 7  # as long as a marketing batch can be in flight (its bucket keeps batches 7 days)
BATCH_GET_LIMIT = 100  # keys per BatchGetItem request

_serializer = TypeSerializer()
_deserializer = TypeDeserializer()


class HashKey:
    """HMAC-SHA256 of identifiers with the stage's secret key: the same person hashes the same within a
    stage, and nobody without the secret can test a guess against a hash (a plain SHA-256 of a CPF or an
    e-mail is reversed by trying them all)."""

    def __init__(self, client: SecretsManagerClient, secret_id: str) -> None:
        self._client = client
        self._secret_id = secret_id
        self._key: bytes | None = None

    def digest(self, kind: str, value: str) -> str:
        """The hex HMAC-SHA256 of `kind:value` (`value` already normalised by its service's rules)."""
        if self._key is None:
            self._key = self._client.get_secret_value(SecretId=self._secret_id)["SecretString"].encode()
        return hmac.new(self._key, f"{kind}:{value}".encode(), hashlib.sha256).hexdigest()


def _to_item(values: dict[str, Any]) -> dict[str, Any]:
    return {key: _serializer.serialize(value) for key, value in values.items() if value is not None}


def _from_item(item: dict[str, Any]) -> dict[str, Any]:
    return {key: _deserializer.deserialize(value) for key, value in item.items()}


def _ints(values: dict[str, Any]) -> dict[str, int]:
    return {key: int(value) for key, value in values.items()}


class RequestsRepository:
    """The request records: the audit trail (hashes, counts, timestamps, the API key's id), no
    personal data in clear."""

    def __init__(self, client: DynamoDBClient, table_name: str) -> None:
        self._client = client
        self._table = table_name

    def add(self, record: dict[str, Any]) -> None:
        self._client.put_item(
            TableName=self._table,
            Item=_to_item(record),
            ConditionExpression="attribute_not_exists(request_id)",
        )

    def get(self, request_id: str) -> dict[str, Any] | None:
        item = self._client.get_item(
            TableName=self._table, Key={"request_id": {"S": request_id}}, ConsistentRead=True
        ).get("Item")
        if item is None:
            return None
        record = _from_item(item)
        record["found"] = _ints(record.get("found", {}))
        return record

    def complete(self, request_id: str, status: str, found: dict[str, int], export_key: str | None) -> None:
        """RUNNING → SUCCEEDED or FAILED, once: a retried finishing task changes nothing."""
        values = {":status": status, ":found": found, ":at": now(), ":running": "RUNNING"}
        update = "SET #status = :status, #found = :found, completed_at = :at"
        if export_key is not None:
            update += ", export_key = :export_key"
            values[":export_key"] = export_key
        try:
            self._client.update_item(
                TableName=self._table,
                Key={"request_id": {"S": request_id}},
                UpdateExpression=update,
                ConditionExpression="#status = :running",
                ExpressionAttributeNames={"#status": "status", "#found": "found"},  # reserved words
                ExpressionAttributeValues=_to_item(values),
            )
        except ClientError as exc:
            if exc.response["Error"]["Code"] != "ConditionalCheckFailedException":
                raise


class ErasuresRepository:
    """One record per erased identifier, keyed by its keyed hash, with the time of the erasure: work
    that started before it (a marketing batch in flight) must not store that identifier again."""

    def __init__(self, client: DynamoDBClient, table_name: str) -> None:
        self._client = client
        self._table = table_name

    def record(self, subject_hash: str, erased_at: str) -> None:
        expires = datetime.now(UTC) + timedelta(days=ERASURE_RECORD_DAYS)
        self._client.put_item(
            TableName=self._table,
            Item=_to_item(
                {"subject": subject_hash, "erased_at": erased_at, "expires_at": int(expires.timestamp())}
            ),
        )

    def erased_since(self, subject_hashes: Iterable[str], started_at: str) -> set[str]:
        """The hashes erased at or after `started_at` (ISO 8601 UTC), in BatchGetItem requests of 100."""
        wanted = sorted(set(subject_hashes))
        erased: set[str] = set()
        for start in range(0, len(wanted), BATCH_GET_LIMIT):
            keys: list[dict[str, Any]] = [
                {"subject": {"S": h}} for h in wanted[start : start + BATCH_GET_LIMIT]
            ]
            while keys:
                response = self._client.batch_get_item(
                    RequestItems={self._table: {"Keys": keys, "ConsistentRead": True}}
                )
                for item in response["Responses"].get(self._table, []):
                    if _parse(item["erased_at"]["S"]) >= _parse(started_at):
                        erased.add(item["subject"]["S"])
                keys = response.get("UnprocessedKeys", {}).get(self._table, {}).get("Keys", [])
        return erased


def _parse(timestamp: str) -> datetime:
    parsed = datetime.fromisoformat(timestamp.replace("Z", "+00:00"))
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def now() -> str:
    return datetime.now(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


class RequestObjects:
    """A request's objects in the private exports bucket: `requests/<id>/subject.json` (the
    identifiers), `requests/<id>/<service>.json` (each service's part of an export), both deleted when
    the request finishes, and `exports/<id>.json` (the export, expired by the bucket's lifecycle)."""

    def __init__(self, client: S3Client, bucket: str) -> None:
        self._client = client
        self._bucket = bucket

    def _put(self, key: str, value: Any) -> None:
        self._client.put_object(
            Bucket=self._bucket,
            Key=key,
            Body=json.dumps(value, separators=(",", ":")).encode(),
            ContentType="application/json",
        )

    def _get(self, key: str) -> Any:
        try:
            return json.loads(self._client.get_object(Bucket=self._bucket, Key=key)["Body"].read())
        except ClientError as exc:
            if is_missing_object(exc):
                return None
            raise

    def put_subject(self, request_id: str, subject: dict[str, Any]) -> None:
        self._put(f"requests/{request_id}/subject.json", subject)

    def subject(self, request_id: str) -> dict[str, Any] | None:
        found: dict[str, Any] | None = self._get(f"requests/{request_id}/subject.json")
        return found

    def put_part(self, request_id: str, service: str, items: list[Any]) -> None:
        self._put(f"requests/{request_id}/{service}.json", items)

    def part(self, request_id: str, service: str) -> list[Any]:
        found = self._get(f"requests/{request_id}/{service}.json")
        return found if isinstance(found, list) else []

    @staticmethod
    def export_key(request_id: str) -> str:
        return f"exports/{request_id}.json"

    def put_export(self, request_id: str, export: dict[str, Any]) -> None:
        self._put(self.export_key(request_id), export)

    def forget(self, request_id: str, services: Iterable[str]) -> None:
        """Delete the subject and the parts (one DeleteObjects request)."""
        keys = [f"requests/{request_id}/{name}.json" for name in ("subject", *services)]
        self._client.delete_objects(
            Bucket=self._bucket, Delete={"Objects": [{"Key": key} for key in keys], "Quiet": True}
        )

    def url(self, key: str) -> str:
        return str(
            self._client.generate_presigned_url(
                "get_object", Params={"Bucket": self._bucket, "Key": key}, ExpiresIn=EXPORT_URL_SECONDS
            )
        )


class PrivacyRequests:
    """The privacy-requests state machine."""

    def __init__(self, client: SFNClient, state_machine_arn: str) -> None:
        self._client = client
        self._arn = state_machine_arn

    def start(self, request_id: str, request_type: str) -> str:
        started = self._client.start_execution(
            stateMachineArn=self._arn,
            name=request_id,
            input=json.dumps({"request_id": request_id, "type": request_type}),
        )
        return str(started["executionArn"])

    def ended_without_finishing(self, request_id: str) -> bool:
        """Whether the request's execution ended FAILED, TIMED_OUT or ABORTED (the state machine's own
        failure path completes the record; an execution stopped or timed out never reaches it)."""
        execution_arn = self._arn.replace(":stateMachine:", ":execution:") + f":{request_id}"
        try:
            status = self._client.describe_execution(executionArn=execution_arn)["status"]
        except ClientError as exc:
            if exc.response["Error"]["Code"] == "ExecutionDoesNotExist":
                return False
            raise
        return status in ("FAILED", "TIMED_OUT", "ABORTED")
