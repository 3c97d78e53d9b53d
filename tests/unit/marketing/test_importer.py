"""`patron marketing import`: reading JSON and CSV batches, following the execution, the summary."""

from __future__ import annotations

import io
import json
from pathlib import Path
from typing import Any

import pytest
from tests.marketing import BRIEF_EXAMPLE

from patron.marketing.importer import ImportFailed, read_batch, run_import


def test_a_json_array_is_read_as_is(tmp_path: Path) -> None:
    path = tmp_path / "batch.json"
    path.write_text(json.dumps(BRIEF_EXAMPLE))

    assert read_batch(path) == BRIEF_EXAMPLE


def test_csv_values_are_typed_like_the_api_expects(tmp_path: Path) -> None:
    path = tmp_path / "batch.csv"
    path.write_text(
        "Name,Email,MarketingOptIn,MarketingInterests\n"
        "Jane Doe,janedoe@example.com,true,product updates; newsletters\n"
        "John Doe,johndoe@example.com,No,\n"
        "Odd One,odd@example.com,maybe,promotions\n"
    )

    assert read_batch(path) == [
        {
            "Name": "Jane Doe",
            "Email": "janedoe@example.com",
            "MarketingOptIn": True,
            "MarketingInterests": ["product updates", "newsletters"],
        },
        {
            "Name": "John Doe",
            "Email": "johndoe@example.com",
            "MarketingOptIn": False,
            "MarketingInterests": [],
        },
        {
            "Name": "Odd One",
            "Email": "odd@example.com",
            "MarketingOptIn": "maybe",
            "MarketingInterests": ["promotions"],
        },
    ]


@pytest.mark.parametrize("content", ['{"not": "an array"}', "[1, 2"])
def test_a_file_that_is_not_a_json_array_is_refused(tmp_path: Path, content: str) -> None:
    path = tmp_path / "batch.json"
    path.write_text(content)

    with pytest.raises(ImportFailed):
        read_batch(path)


class ScriptedApi:
    """Answers POST /preferences, then the given execution states in turn."""

    def __init__(self, states: list[dict[str, Any]]) -> None:
        self.states = states
        self.requests: list[tuple[str, str, Any]] = []

    def request(self, method: str, path: str, body: Any = None) -> Any:
        self.requests.append((method, path, body))
        if method == "POST":
            return {"executionArn": "arn:aws:states:::execution:m:run-1", "executionName": "run-1"}
        return self.states.pop(0)


def test_the_import_follows_the_execution_and_prints_the_summary_and_rejected_rows(tmp_path: Path) -> None:
    path = tmp_path / "batch.json"
    path.write_text(json.dumps([*BRIEF_EXAMPLE, {"Name": "Bad", "Email": "nope"}]))
    summary = {
        "received": 4,
        "valid": 3,
        "rejected": [
            {"index": 3, "errors": [{"field": "Email", "message": "is not a valid e-mail address"}]}
        ],
        "duplicates_removed": 1,
        "stored": 1,
        "opted_out": 1,
    }
    api = ScriptedApi(
        [
            {"status": "RUNNING", "step": "ValidateData"},
            {"status": "RUNNING", "step": "StoreMarketingInterests"},
            {"status": "SUCCEEDED", "output": summary},
        ]
    )
    out, progress = io.StringIO(), io.StringIO()

    result = run_import(path, api, out=out, progress=progress, sleep=lambda _: None)  # type: ignore[arg-type]

    assert result == summary
    assert api.requests[0][:2] == ("POST", "/preferences")
    assert len(api.requests[0][2]) == 4
    assert [r[1] for r in api.requests[1:]] == ["/executions/run-1"] * 3
    assert "ValidateData" in progress.getvalue()
    assert "StoreMarketingInterests" in progress.getvalue()
    printed = out.getvalue()
    assert "stored             1" in printed
    assert "record 3: Email: is not a valid e-mail address" in printed


def test_a_failed_execution_is_an_error(tmp_path: Path) -> None:
    path = tmp_path / "batch.json"
    path.write_text("[]")
    api = ScriptedApi([{"status": "FAILED", "error": {"error": "InvalidBatch"}}])

    with pytest.raises(ImportFailed, match="FAILED"):
        run_import(path, api, out=io.StringIO(), progress=io.StringIO(), sleep=lambda _: None)  # type: ignore[arg-type]
