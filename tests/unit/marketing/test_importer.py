"""`patron marketing import`: reading JSON and CSV batches with each record's line, the direct and the
upload path, following the execution, resuming an interrupted import, the summary."""

from __future__ import annotations

import io
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from tests.marketing import BRIEF_EXAMPLE

from patron_tools import importer
from patron_tools.importer import ApiError, ImportFailed, read_batch, run_import


def test_a_json_array_is_read_as_is_with_the_line_each_record_starts_on(tmp_path: Path) -> None:
    path = tmp_path / "batch.json"
    path.write_text(json.dumps(BRIEF_EXAMPLE, indent=2))

    batch = read_batch(path)

    assert batch.records == BRIEF_EXAMPLE
    assert batch.lines == [2, 12, 21]
    assert {path.read_text().splitlines()[line - 1].strip() for line in batch.lines} == {"{"}


def test_csv_values_are_typed_like_the_api_expects(tmp_path: Path) -> None:
    path = tmp_path / "batch.csv"
    path.write_text(
        "Name,Email,MarketingOptIn,MarketingInterests\n"
        "Jane Doe,janedoe@example.com,true,product updates; newsletters\n"
        "John Doe,johndoe@example.com,No,\n"
        "Odd One,odd@example.com,maybe,promotions\n"
    )

    batch = read_batch(path)

    assert batch.records == [
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
    assert batch.lines == [2, 3, 4]  # the header is line 1


@pytest.mark.parametrize("content", ['{"not": "an array"}', "[1, 2", "[1 2]", "[1] x"])
def test_a_file_that_is_not_a_json_array_is_refused(tmp_path: Path, content: str) -> None:
    path = tmp_path / "batch.json"
    path.write_text(content)

    with pytest.raises(ImportFailed):
        read_batch(path)


class ScriptedApi:
    """Answers the start (direct or through an upload), then the given execution states in turn.
    `fail` raises, once, on the first request whose (method, path) it names."""

    def __init__(self, states: list[dict[str, Any]], fail: tuple[str, str] | None = None) -> None:
        self.states = states
        self.fail = fail
        self.requests: list[tuple[str, str, Any]] = []
        self.uploaded: list[bytes] = []

    def request(self, method: str, path: str, body: Any = None) -> Any:
        if (method, path) == self.fail:
            self.fail = None
            raise ImportFailed("cannot reach the API")
        self.requests.append((method, path, body))
        if path == "/uploads":
            return {"upload_id": "u1", "upload_url": "https://s3.example/u1", "expires_at": "later"}
        if path == "/preferences":
            return {"executionArn": "arn:aws:states:::execution:m:upload-u1", "executionName": "upload-u1"}
        if path == "/executions":
            return {"executionArn": f"arn:aws:states:::execution:m:{body['name']}", "startDate": 1.0}
        return self.states.pop(0)

    def put(self, url: str, body: bytes, advance: Callable[[int], object]) -> None:
        self.uploaded.append(body)
        advance(len(body))


SUMMARY = {
    "received": 4,
    "valid": 3,
    "rejected": [{"index": 3, "errors": [{"field": "Email", "message": "is not a valid e-mail address"}]}],
    "rejected_count": 1,
    "rejected_report_url": None,
    "duplicates_removed": 1,
    "stored": 1,
    "opted_out": 1,
}


def steps_then_success() -> list[dict[str, Any]]:
    return [
        {"status": "RUNNING", "step": "ValidateData"},
        {"status": "RUNNING", "step": "StoreMarketingInterests"},
        {"status": "SUCCEEDED", "output": SUMMARY},
    ]


def quietly(path: Path, api: ScriptedApi, upload: bool | None = None) -> dict[str, Any]:
    """run_import with the scripted API, output discarded, state next to the batch, no waiting."""
    return run_import(
        path,
        api,  # type: ignore[arg-type]
        path.parent / "state",
        out=io.StringIO(),
        progress=io.StringIO(),
        upload=upload,
        sleep=lambda _: None,
    )


def write_batch(tmp_path: Path) -> Path:
    path = tmp_path / "batch.json"
    path.write_text(json.dumps([*BRIEF_EXAMPLE, {"Name": "Bad", "Email": "nope"}], indent=1))
    return path


def test_a_small_batch_starts_directly_follows_the_steps_and_prints_rejected_lines(tmp_path: Path) -> None:
    path = write_batch(tmp_path)
    api = ScriptedApi(steps_then_success())
    out, progress = io.StringIO(), io.StringIO()

    result = run_import(path, api, tmp_path / "state", out=out, progress=progress, sleep=lambda _: None)  # type: ignore[arg-type]

    assert result == SUMMARY
    method, route, body = api.requests[0]
    assert (method, route) == ("POST", "/executions")
    assert json.loads(body["input"]) == read_batch(path).records
    name = body["name"]
    assert [r[1] for r in api.requests[1:]] == [f"/executions/{name}"] * 3
    assert "ValidateData" in progress.getvalue()
    assert "StoreMarketingInterests" in progress.getvalue()
    printed = out.getvalue()
    assert "stored             1" in printed
    assert "line 29: Email: is not a valid e-mail address" in printed  # record 3 starts on line 29
    assert path.read_text().splitlines()[28].strip() == "{"
    assert not list((tmp_path / "state" / "imports").iterdir())  # nothing left to resume


def test_a_large_batch_goes_through_an_upload(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(importer, "DIRECT_LIMIT_BYTES", 100)
    path = write_batch(tmp_path)
    api = ScriptedApi(steps_then_success())

    quietly(path, api)

    assert [r[:2] for r in api.requests[:2]] == [("POST", "/uploads"), ("POST", "/preferences")]
    assert api.requests[1][2] == {"upload_id": "u1"}
    assert json.loads(api.uploaded[0]) == read_batch(path).records


@pytest.mark.parametrize(
    ("upload", "lost"),
    [
        (True, ("POST", "/preferences")),
        (True, ("GET", "/executions/upload-u1")),
        (False, ("POST", "/executions")),
    ],
    ids=["upload, before the start", "upload, while following", "direct, at the start"],
)
def test_an_interrupted_import_resumes_without_starting_twice(
    tmp_path: Path, upload: bool, lost: tuple[str, str]
) -> None:
    path = write_batch(tmp_path)
    api = ScriptedApi(steps_then_success(), fail=lost)

    def run() -> dict[str, Any]:
        return quietly(path, api, upload)

    with pytest.raises(ImportFailed):
        run()
    summary = run()

    assert summary == SUMMARY
    assert len(api.uploaded) == (1 if upload else 0)  # uploaded once
    starts = [r for r in api.requests if r[1] in ("/preferences", "/executions")]
    assert len({json.dumps(r[2], sort_keys=True) for r in starts}) <= 1  # every start the same start


def test_an_upload_that_expired_before_its_start_is_uploaded_again(tmp_path: Path) -> None:
    path = write_batch(tmp_path)
    state = importer.ImportState(tmp_path / "state", read_batch(path).body)
    state.save(upload_id="expired")

    class Expired(ScriptedApi):
        def request(self, method: str, path: str, body: Any = None) -> Any:
            if body == {"upload_id": "expired"}:
                raise ApiError(400, "no upload with this id")
            return super().request(method, path, body)

    api = Expired(steps_then_success())

    quietly(path, api, upload=True)

    assert len(api.uploaded) == 1
    assert api.requests[-4][2] == {"upload_id": "u1"}


def test_a_failed_execution_is_an_error(tmp_path: Path) -> None:
    path = tmp_path / "batch.json"
    path.write_text("[]")
    api = ScriptedApi([{"status": "FAILED", "error": {"error": "InvalidBatch"}}])

    with pytest.raises(ImportFailed, match="FAILED"):
        quietly(path, api)


def test_csv_headers_in_any_case_semicolons_and_excels_bom_are_read_as_the_console_reads_them(
    tmp_path: Path,
) -> None:
    path = tmp_path / "excel.csv"
    path.write_bytes(
        "\ufeffemail;NAME;marketingoptin;Marketinginterests\r\n"
        "jane@example.com;Jane Doe;yes;product updates|newsletters\r\n".encode()
    )

    batch = read_batch(path)

    assert batch.records == [
        {
            "Name": "Jane Doe",
            "Email": "jane@example.com",
            "MarketingOptIn": True,
            "MarketingInterests": ["product updates", "newsletters"],
        }
    ]
    assert batch.lines == [2]


def test_a_csv_header_lacking_a_column_is_refused_before_anything_is_sent(tmp_path: Path) -> None:
    path = tmp_path / "short.csv"
    path.write_text("Name,Email,MarketingOptIn\nJane,jane@example.com,true\n")

    with pytest.raises(ImportFailed, match="lacks MarketingInterests"):
        read_batch(path)


def test_an_import_that_stored_nothing_is_an_error_after_its_summary(tmp_path: Path) -> None:
    path = write_batch(tmp_path)
    nothing = {**SUMMARY, "valid": 0, "stored": 0, "opted_out": 0, "rejected_count": 4}
    api = ScriptedApi([{"status": "SUCCEEDED", "output": nothing}])

    with pytest.raises(importer.NothingStored, match="nothing was stored"):
        quietly(path, api)
