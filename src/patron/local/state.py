"""State kept across restarts of `patron dev`: the API key and every table's items, written to the
state directory on shutdown and loaded after provisioning."""

from __future__ import annotations

import json
import os
import secrets
import shutil
from pathlib import Path
from typing import Any

import boto3


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
    client = boto3.client("dynamodb")
    for name in table_names:
        items: list[dict[str, Any]] = []
        for page in client.get_paginator("scan").paginate(TableName=name):
            items.extend(page["Items"])
        temporary = directory / f"{name}.json.tmp"
        temporary.write_text(json.dumps(items))
        temporary.replace(directory / f"{name}.json")  # atomic: a crash never leaves half a file


def load_tables(state_dir: Path, table_names: list[str]) -> int:
    client = boto3.client("dynamodb")
    loaded = 0
    for name in table_names:
        path = state_dir / "dynamodb" / f"{name}.json"
        if not path.exists():
            continue
        items = json.loads(path.read_text())
        for start in range(0, len(items), 25):
            requests = [{"PutRequest": {"Item": item}} for item in items[start : start + 25]]
            pending: dict[str, Any] = {name: requests}
            while pending:
                pending = client.batch_write_item(RequestItems=pending).get("UnprocessedItems") or {}
        loaded += len(items)
    return loaded
