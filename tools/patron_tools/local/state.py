"""State kept across restarts of `patron dev`: the API key, every table's items, queue's messages,
secret's value and state machine's executions, written to the state directory on shutdown and loaded
after provisioning."""

from __future__ import annotations

import base64
import json
import os
import secrets
import shutil
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import boto3

from patron_tools.local import moto_patches
from patron_tools.local.stepfunctions import STOPPED_CAUSE, STOPPED_ERROR


def reset(state_dir: Path) -> None:
    shutil.rmtree(state_dir, ignore_errors=True)


def api_key(state_dir: Path) -> str:
    """$PATRON_API_KEY when set, else a random key kept in the state directory."""
    if key := os.environ.get("PATRON_API_KEY"):
        return key
    path = state_dir / "api-key"
    if path.exists():
        return path.read_text().strip()
    key = secrets.token_urlsafe(30)  # API Gateway keys are at least 20 characters
    state_dir.mkdir(parents=True, exist_ok=True)
    path.write_text(key + "\n")
    return key


def save_tables(state_dir: Path, table_names: list[str]) -> None:
    directory = state_dir / "dynamodb"
    directory.mkdir(parents=True, exist_ok=True)
    for name in table_names:
        items = [item.to_json()["Attributes"] for item in moto_patches.dynamodb_table(name).all_items()]
        temporary = directory / f"{name}.json.tmp"
        temporary.write_text(json.dumps(items))
        temporary.replace(directory / f"{name}.json")  # atomic: a crash never leaves half a file


def load_tables(state_dir: Path, table_names: list[str]) -> int:
    loaded = 0
    for name in table_names:
        path = state_dir / "dynamodb" / f"{name}.json"
        if not path.exists():
            continue
        table = moto_patches.dynamodb_table(name)
        for item in json.loads(path.read_text()):
            table.put_item(item)  # the indexes and the stream follow, as for any write
            loaded += 1
    return loaded


def save_queues(state_dir: Path, queue_names: list[str]) -> None:
    """Every message of every queue, in flight or not (read from moto's backend: a message being
    retried is invisible to ReceiveMessage but must not be lost)."""
    directory = state_dir / "sqs"
    directory.mkdir(parents=True, exist_ok=True)
    for name in queue_names:
        messages = [
            {"body": body, "attributes": _json_attributes(attributes)}
            for body, attributes in moto_patches.queued_messages(name)
        ]
        temporary = directory / f"{name}.json.tmp"
        temporary.write_text(json.dumps(messages))
        temporary.replace(directory / f"{name}.json")


def load_queues(state_dir: Path, queue_names: list[str]) -> int:
    """Send the saved messages again (as new messages: their receive counts start over)."""
    client = boto3.client("sqs")
    loaded = 0
    for name in queue_names:
        path = state_dir / "sqs" / f"{name}.json"
        if not path.exists():
            continue
        url = client.get_queue_url(QueueName=name)["QueueUrl"]
        messages = json.loads(path.read_text())
        for start in range(0, len(messages), 10):
            entries: list[Any] = [
                {"Id": str(i), "MessageBody": m["body"], **_message_attributes(m["attributes"])}
                for i, m in enumerate(messages[start : start + 10])
            ]
            failed = client.send_message_batch(QueueUrl=url, Entries=entries).get("Failed", [])
            if failed:
                raise RuntimeError(f"restoring queue {name} failed: {failed}")
        loaded += len(messages)
    return loaded


def _json_attributes(attributes: dict[str, Any]) -> dict[str, Any]:
    return {
        name: {
            key: base64.b64encode(value).decode() if key == "BinaryValue" else value
            for key, value in attribute.items()
            if key in ("DataType", "StringValue", "BinaryValue")
        }
        for name, attribute in attributes.items()
    }


def _message_attributes(attributes: dict[str, Any]) -> dict[str, Any]:
    if not attributes:
        return {}
    return {
        "MessageAttributes": {
            name: {
                key: base64.b64decode(value) if key == "BinaryValue" else value
                for key, value in attribute.items()
            }
            for name, attribute in attributes.items()
        }
    }


def save_secrets(state_dir: Path, secret_names: list[str]) -> None:
    """Every secret's current value: a stage keeps its generated secrets (the privacy hashing key) for
    good, as CloudFormation generates them once; a new value at each start would orphan old hashes."""
    client = boto3.client("secretsmanager")
    values = {name: client.get_secret_value(SecretId=name)["SecretString"] for name in secret_names}
    directory = state_dir / "secretsmanager"
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / "secrets.json"
    path.write_text(json.dumps(values))
    path.chmod(0o600)


def load_secrets(state_dir: Path, secret_names: list[str]) -> int:
    path = state_dir / "secretsmanager" / "secrets.json"
    if not path.exists():
        return 0
    client = boto3.client("secretsmanager")
    saved = json.loads(path.read_text())
    restored = [name for name in secret_names if name in saved]
    for name in restored:
        client.put_secret_value(SecretId=name, SecretString=saved[name])
    return len(restored)


def save_identity(state_dir: Path, pool_id: str) -> None:
    """The pool's users (with their `sub`, password, status and groups) and the app clients' secrets: the
    pool, groups and clients themselves come from the template at each start, with the same ids."""
    clients = moto_patches.cognito_app_clients(pool_id).values()
    saved = {
        "users": moto_patches.cognito_users(pool_id),
        "client_secrets": {client.client_id: client.secret for client in clients if client.secret},
    }
    path = state_dir / "cognito.json"
    temporary = path.with_suffix(".json.tmp")
    temporary.write_text(json.dumps(saved))
    temporary.chmod(0o600)
    temporary.replace(path)


def load_identity(state_dir: Path, pool_id: str) -> int:
    path = state_dir / "cognito.json"
    if not path.exists():
        return 0
    saved = json.loads(path.read_text())
    for client_id, secret in saved["client_secrets"].items():
        moto_patches.restore_client_secret(pool_id, client_id, secret)
    for record in saved["users"]:
        moto_patches.restore_cognito_user(pool_id, record)
    return len(saved["users"])


EXECUTION_RETENTION = timedelta(days=90)  # Step Functions keeps a closed execution's history 90 days


def save_executions(state_dir: Path) -> int:
    """Every execution of every state machine (status, dates, input, output, error, cause, history),
    by state machine name. One still RUNNING is saved ABORTED, as StopExecution leaves it, with an
    `ExecutionAborted` event naming `Patron.LocalCloudStopped`: nothing resumes it after a restart,
    and the routes that read an execution's status must see it ended."""
    now = datetime.now(UTC)
    saved: dict[str, list[dict[str, Any]]] = {}
    for machine, executions in moto_patches.state_machine_executions().items():
        saved[machine] = [_execution_record(execution, now) for execution in executions]
    directory = state_dir / "stepfunctions"
    directory.mkdir(parents=True, exist_ok=True)
    temporary = directory / "executions.json.tmp"
    temporary.write_text(json.dumps(saved, default=_isoformat))
    temporary.replace(directory / "executions.json")
    return sum(len(records) for records in saved.values())


def load_executions(state_dir: Path) -> int:
    """Put the saved executions back into their state machines (by name); those closed more than 90
    days ago are dropped, as Step Functions drops them."""
    path = state_dir / "stepfunctions" / "executions.json"
    if not path.exists():
        return 0
    oldest = datetime.now(UTC) - EXECUTION_RETENTION
    loaded = 0
    for machine, records in json.loads(path.read_text()).items():
        for record in records:
            record["start_date"] = datetime.fromisoformat(record["start_date"])
            stopped = record["stop_date"]
            record["stop_date"] = datetime.fromisoformat(stopped) if stopped else record["start_date"]
            if record["stop_date"] >= oldest and moto_patches.restore_execution(machine, record):
                loaded += 1
    return loaded


def _execution_record(execution: Any, now: datetime) -> dict[str, Any]:
    events = list(execution.to_history_output()["events"])
    record = {
        "name": execution.name,
        "status": execution.status,
        "start_date": execution.start_date,
        "stop_date": execution.stop_date,
        "input": execution.execution_input,
        "output": execution.output if execution.status == "SUCCEEDED" else None,
        "error": execution.error,
        "cause": execution.cause,
        "events": events,
    }
    aborted = [event for event in events if event["type"] == "ExecutionAborted"]
    if aborted and record["error"] is None:  # moto keeps StopExecution's error and cause in the event only
        details = aborted[-1].get("executionAbortedEventDetails") or {}
        record.update(error=details.get("error"), cause=details.get("cause"))
    if execution.status == "RUNNING":
        last = max((event["id"] for event in events), default=0)
        events.append(
            {
                "id": last + 1,
                "previousEventId": last,
                "type": "ExecutionAborted",
                "timestamp": now,
                "executionAbortedEventDetails": {"error": STOPPED_ERROR, "cause": STOPPED_CAUSE},
            }
        )
        record.update(status="ABORTED", stop_date=now, error=STOPPED_ERROR, cause=STOPPED_CAUSE)
    return record


def _isoformat(value: object) -> str:
    if isinstance(value, datetime):
        return value.isoformat()
    raise TypeError(f"{type(value).__name__} is not JSON")
