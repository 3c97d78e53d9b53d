"""The workflow's task handlers, called as Step Functions calls them, on moto."""

from __future__ import annotations

from typing import Any

import pytest
from botocore.exceptions import ClientError, EndpointConnectionError
from pydantic import ValidationError

from patron.core.errors import TransientError
from patron.ids import service, steps


def test_validate_exists_reports_whether_the_id_is_registered(dynamodb: Any, lambda_context: Any) -> None:
    dynamodb.put_item(TableName="customer_ids", Item={"id": {"S": "known"}})

    assert steps.validate_exists({"id": "known"}, lambda_context) == {"id": "known", "exists": True}
    assert steps.validate_exists({"id": "unknown"}, lambda_context) == {"id": "unknown", "exists": False}


def test_insert_id_inserts_once_then_reports_already_exists(dynamodb: Any, lambda_context: Any) -> None:
    first = steps.insert_id({"id": "new-one", "exists": False}, lambda_context)
    second = steps.insert_id({"id": "new-one", "exists": False}, lambda_context)

    assert first == {"id": "new-one", "result": "Inserted"}
    assert second == {"id": "new-one", "result": "AlreadyExists"}  # a lost race
    item = dynamodb.get_item(TableName="customer_ids", Key={"id": {"S": "new-one"}})["Item"]
    assert item["created_by"] == {"S": "workflow"}


def test_log_event_writes_an_audit_line_and_changes_nothing(
    dynamodb: Any, lambda_context: Any, caplog: pytest.LogCaptureFixture
) -> None:
    result = steps.log_event({"id": "audited", "exists": True}, lambda_context)

    assert result == {"id": "audited", "result": "AlreadyExists"}
    audit = [record for record in caplog.records if record.getMessage() == "workflow audit"]
    assert len(audit) == 1
    assert (audit[0].customer_id, audit[0].result) == ("audited", "AlreadyExists")  # type: ignore[attr-defined]
    assert dynamodb.scan(TableName="customer_ids")["Items"] == []


@pytest.mark.parametrize("event", [{"id": "bad id"}, {"id": ""}, {}, {"id": None}])
def test_an_invalid_id_is_a_validation_error(
    dynamodb: Any, lambda_context: Any, event: dict[str, Any]
) -> None:
    with pytest.raises(ValidationError):
        steps.validate_exists(event, lambda_context)


@pytest.mark.parametrize(
    "error",
    [
        ClientError({"Error": {"Code": "ThrottlingException", "Message": "slow down"}}, "GetItem"),
        ClientError({"Error": {"Code": "ProvisionedThroughputExceededException", "Message": "x"}}, "GetItem"),
        ClientError({"Error": {"Code": "InternalServerError", "Message": "x"}}, "GetItem"),
        EndpointConnectionError(endpoint_url="https://dynamodb.us-east-1.amazonaws.com"),
    ],
)
def test_transient_aws_errors_become_transient_error(
    dynamodb: Any, lambda_context: Any, monkeypatch: pytest.MonkeyPatch, error: Exception
) -> None:
    def unavailable(*args: Any) -> bool:
        raise error

    monkeypatch.setattr(service, "is_registered", unavailable)

    with pytest.raises(TransientError) as raised:
        steps.validate_exists({"id": "any"}, lambda_context)
    assert raised.value.__cause__ is error


def test_other_aws_errors_are_not_transient(
    dynamodb: Any, lambda_context: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    denied = ClientError({"Error": {"Code": "AccessDeniedException", "Message": "no"}}, "PutItem")

    def forbidden(*args: Any) -> Any:
        raise denied

    monkeypatch.setattr(service, "insert", forbidden)

    with pytest.raises(ClientError) as raised:
        steps.insert_id({"id": "any"}, lambda_context)
    assert raised.value is denied
