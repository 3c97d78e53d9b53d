"""`patron marketing import FILE`: submit a batch (a JSON array, or CSV with the same columns) to the
marketing API, show the upload's and the execution's progress, and print the summary with the rejected
rows by their line in the file.

A batch whose direct request could pass Lambda's 6 MB goes through an upload (SPEC §1.4). An import
cut short (a lost connection, Ctrl-C) resumes when run again with the same file: what it started is
kept in `<state-dir>/imports/`, and both ways of starting are idempotent (the execution's name for a
direct start, the upload id for an upload), so nothing is stored twice."""

from __future__ import annotations

import csv
import hashlib
import io
import json
import re
import sys
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TextIO

import requests
from rich.console import Console
from rich.progress import BarColumn, DownloadColumn, Progress, TextColumn, TimeElapsedColumn

CSV_COLUMNS = ("Name", "Email", "MarketingOptIn", "MarketingInterests")
TRUE, FALSE = {"true", "yes", "y", "1"}, {"false", "no", "n", "0"}

DIRECT_LIMIT_BYTES = 4 * 1024 * 1024
"""Above this many bytes of JSON-escaped body, a batch goes through an upload. A direct request's Lambda
event carries the body as an escaped JSON string beside headers and request context, and must stay
within Lambda's 6 MB; 4 MB leaves that room. Below it, one request is quicker than three."""

STEPS = ("ValidateData", "RemoveDuplicates", "StoreMarketingInterests")


class ImportFailed(Exception):
    pass


class ApiError(ImportFailed):
    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status


@dataclass
class Batch:
    """The records of a file, the line each one starts on, and the JSON array that is sent."""

    records: list[Any]
    lines: list[int]

    @property
    def body(self) -> bytes:
        return json.dumps(self.records, separators=(",", ":"), ensure_ascii=False).encode()


def read_batch(path: Path) -> Batch:
    """Records from a JSON array or a CSV file. CSV: the console's rules (web/src/batch.ts) — a header of
    Name, Email, MarketingOptIn, MarketingInterests in any order and letter case (a file lacking one is
    refused before anything is sent), fields separated by `,` or `;`, a UTF-8 byte order mark ignored;
    MarketingOptIn true/false (also yes/no, y/n, 1/0), MarketingInterests separated by `;` or `|`.
    Anything else is passed as written, for the pipeline to reject with its reason. Raises ImportFailed."""
    text = path.read_text(encoding="utf-8-sig")  # Excel's byte order mark is not part of the header
    if path.suffix.lower() == ".csv":
        return _csv_batch(path, text)
    try:
        return _json_array(text)
    except json.JSONDecodeError as exc:
        raise ImportFailed(f"{path} is not JSON ({exc.msg} at line {exc.lineno}); use .csv for CSV") from None
    except ValueError:
        raise ImportFailed(f"{path} must hold a JSON array of records") from None


def _json_array(text: str) -> Batch:
    """The items of a JSON array with the line each starts on (json's own decoder, item by item)."""
    decoder = json.JSONDecoder()
    position = _skip_space(text, 0)
    if not text.startswith("[", position):
        raise ValueError("not an array")
    records, lines = [], []
    line, counted = 1, 0
    position = _skip_space(text, position + 1)
    while not text.startswith("]", position):
        line += text.count("\n", counted, position)
        counted = position
        record, position = decoder.raw_decode(text, position)
        records.append(record)
        lines.append(line)
        position = _skip_space(text, position)
        if text.startswith(",", position):
            position = _skip_space(text, position + 1)
        elif not text.startswith("]", position):
            raise json.JSONDecodeError("Expecting ',' delimiter", text, position)
    if text[position + 1 :].strip():
        raise json.JSONDecodeError("Extra data", text, position + 1)
    return Batch(records, lines)


def _skip_space(text: str, position: int) -> int:
    while position < len(text) and text[position] in " \t\r\n":
        position += 1
    return position


COLUMNS = ("Name", "Email", "MarketingOptIn", "MarketingInterests")


def _csv_batch(path: Path, text: str) -> Batch:
    header = text.split("\n", 1)[0]
    delimiter = ";" if ";" in header and "," not in header else ","
    reader = csv.reader(io.StringIO(text), delimiter=delimiter)
    columns = {name.strip().lower(): index for index, name in enumerate(next(reader, []))}
    missing = [name for name in COLUMNS if name.lower() not in columns]
    if missing:
        raise ImportFailed(
            f"{path}: the CSV header lacks {', '.join(missing)} (it needs {', '.join(COLUMNS)})"
        )
    records, lines = [], []
    for row in reader:
        if not any(cell.strip() for cell in row):
            continue
        cells = {
            name: (row[columns[name.lower()]] if columns[name.lower()] < len(row) else "") for name in COLUMNS
        }
        records.append(_typed(cells))
        lines.append(reader.line_num)
    return Batch(records, lines)


def _typed(row: dict[str, str]) -> dict[str, Any]:
    record: dict[str, Any] = {key: value.strip() for key, value in row.items()}
    opt_in = record["MarketingOptIn"].lower()
    if opt_in in TRUE | FALSE:
        record["MarketingOptIn"] = opt_in in TRUE
    parts = re.split(r"[;|]", record["MarketingInterests"])
    record["MarketingInterests"] = [part.strip() for part in parts if part.strip()]
    return record


class NothingStored(ImportFailed):
    """The import ran to its end, but no record was stored or opted out: the caller exits non-zero."""


class MarketingClient:
    """The marketing API (requests), and PUTs to presigned upload URLs."""

    def __init__(self, base_url: str, api_key: str, token: str, timeout: float = 60) -> None:
        self.base_url = base_url.rstrip("/")
        self.timeout = timeout
        self.session = requests.Session()
        self.session.headers["x-api-key"] = api_key
        self.session.headers["Authorization"] = (
            f"Bearer {token}"  # an operator's, or a marketing.write client's
        )

    def request(self, method: str, path: str, body: Any = None) -> Any:
        """The JSON answer; ApiError on an HTTP error, ImportFailed when the API cannot be reached."""
        try:
            response = self.session.request(method, self.base_url + path, json=body, timeout=self.timeout)
        except requests.ConnectionError:
            raise ImportFailed(f"cannot reach {self.base_url}") from None
        if response.status_code >= 400:
            raise ApiError(
                response.status_code, f"{method} {path}: HTTP {response.status_code} {response.text}"
            )
        return response.json()

    def put(self, url: str, body: bytes, advance: Callable[[int], object]) -> None:
        """PUT `body` to a presigned URL, reporting each piece sent to `advance`."""
        try:
            response = requests.put(
                url,
                data=_Reporting(body, advance),
                headers={"Content-Type": "application/json"},
                timeout=self.timeout,
            )
        except requests.ConnectionError:
            raise ImportFailed("cannot reach the upload URL") from None
        if response.status_code >= 400:
            raise ApiError(response.status_code, f"upload: HTTP {response.status_code} {response.text}")


class _Reporting(io.BytesIO):
    """A body that reports how much of it was read (requests sends it with its Content-Length, as a
    presigned S3 PUT needs)."""

    def __init__(self, data: bytes, advance: Callable[[int], object]) -> None:
        super().__init__(data)
        self._advance = advance

    def __len__(self) -> int:
        return len(self.getbuffer())

    def read(self, size: int | None = -1) -> bytes:
        piece = super().read(size)
        self._advance(len(piece))
        return piece


class ImportState:
    """What an import of one batch has started, kept until it ends so that a rerun resumes it."""

    def __init__(self, state_dir: Path, body: bytes) -> None:
        self.path = state_dir / "imports" / f"{hashlib.sha256(body).hexdigest()}.json"
        self.values: dict[str, str] = json.loads(self.path.read_text()) if self.path.exists() else {}

    def save(self, **values: str) -> None:
        self.values.update(values)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self.path.write_text(json.dumps(self.values))

    def clear(self) -> None:
        self.path.unlink(missing_ok=True)


def run_import(
    path: Path,
    client: MarketingClient,
    state_dir: Path,
    out: TextIO = sys.stdout,
    progress: TextIO = sys.stderr,
    upload: bool | None = None,
    poll_seconds: float = 0.5,
    sleep: Callable[[float], None] = time.sleep,
) -> dict[str, Any]:
    """Submit the file's batch (through an upload when `upload`, or when None and the batch is large),
    follow its execution and print the summary. Returns the execution's output."""
    batch = read_batch(path)
    body = batch.body
    state = ImportState(state_dir, body)
    if upload is None:
        upload = len(json.dumps(body.decode(), ensure_ascii=False).encode()) > DIRECT_LIMIT_BYTES
    console = Console(file=progress)
    with Progress(
        TextColumn("{task.description:<24}"),
        BarColumn(),
        DownloadColumn(),
        TimeElapsedColumn(),
        console=console,
    ) as bar:
        name = state.values.get("execution")
        if name is not None:
            console.print(f"resuming execution {name}")
        elif upload:
            name = _start_upload(body, client, state, bar)
        else:
            name = state.values.get("name") or f"import-{uuid.uuid4().hex}"
            state.save(name=name)
            client.request("POST", "/executions", {"input": body.decode(), "name": name})
            state.save(execution=name)
        execution = _follow(name, client, bar, poll_seconds, sleep)
    state.clear()
    if execution["status"] != "SUCCEEDED":
        raise ImportFailed(
            f"execution {name} ended {execution['status']}: {json.dumps(execution.get('error'))}"
        )
    summary: dict[str, Any] = execution["output"]
    print_summary(summary, batch, name, out)
    if not summary.get("stored") and not summary.get("opted_out"):
        raise NothingStored("nothing was stored: every record was rejected (see above)")
    return summary


def _start_upload(body: bytes, client: MarketingClient, state: ImportState, bar: Progress) -> str:
    """Upload the batch (unless an earlier run completed its upload) and start its execution."""
    upload_id = state.values.get("upload_id")
    if upload_id is not None:
        try:
            return _submit_upload(upload_id, client, state)
        except ApiError as exc:
            if exc.status != 400:
                raise  # else the earlier upload never finished, or expired: upload again
    created = client.request("POST", "/uploads", {})
    state.save(upload_id=created["upload_id"])
    task = bar.add_task("upload", total=len(body))
    client.put(created["upload_url"], body, lambda sent: bar.advance(task, sent))
    return _submit_upload(created["upload_id"], client, state)


def _submit_upload(upload_id: str, client: MarketingClient, state: ImportState) -> str:
    accepted = client.request("POST", "/preferences", {"upload_id": upload_id})
    name: str = accepted["executionName"]
    state.save(execution=name)
    return name


def _follow(
    name: str, client: MarketingClient, bar: Progress, poll_seconds: float, sleep: Callable[[float], None]
) -> dict[str, Any]:
    """Poll the execution until it ends, showing the step it is in."""
    task = bar.add_task("starting", total=len(STEPS))
    shown = None
    while True:
        execution: dict[str, Any] = client.request("GET", f"/executions/{name}")
        step = execution.get("step") if execution["status"] == "RUNNING" else execution["status"]
        if step != shown:
            done = STEPS.index(step) if step in STEPS else len(STEPS)
            bar.update(task, description=str(step), completed=done)
            bar.console.print(f"{name}: {step}")
            shown = step
        if execution["status"] != "RUNNING":
            return execution
        sleep(poll_seconds)


def print_summary(summary: dict[str, Any], batch: Batch, name: str, out: TextIO) -> None:
    out.write(f"execution {name}: {len(batch.records)} records sent\n")
    for key in ("received", "valid", "duplicates_removed", "stored", "opted_out"):
        out.write(f"  {key:<19}{summary[key]}\n")
    rejected = summary["rejected"]
    count = summary.get("rejected_count", len(rejected))
    out.write(f"  {'rejected':<19}{count}\n")
    for row in rejected:
        reasons = "; ".join(f"{error['field']}: {error['message']}" for error in row["errors"])
        out.write(f"    line {batch.lines[row['index']]}: {reasons}\n")
    if count > len(rejected):
        out.write(f"    … {count - len(rejected)} more: {summary['rejected_report_url']}\n")
