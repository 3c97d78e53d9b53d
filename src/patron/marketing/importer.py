"""`patron marketing import FILE`: submit a batch (a JSON array, or CSV with the same columns) to the
marketing API, show the execution's progress, and print the summary with the rejected rows."""

from __future__ import annotations

import csv
import io
import json
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from pathlib import Path
from typing import Any, TextIO

CSV_COLUMNS = ("Name", "Email", "MarketingOptIn", "MarketingInterests")
TRUE, FALSE = {"true", "yes", "y", "1"}, {"false", "no", "n", "0"}


class ImportFailed(Exception):
    pass


def read_batch(path: Path) -> list[Any]:
    """Records from a JSON array or a CSV file. CSV values are typed as the API expects: MarketingOptIn
    true/false (also yes/no, 1/0), MarketingInterests separated by `;`. Anything else is passed as
    written, for the pipeline to reject with its reason."""
    text = path.read_text(encoding="utf-8-sig")
    if path.suffix.lower() == ".csv":
        return [_typed(row) for row in csv.DictReader(io.StringIO(text))]
    try:
        batch = json.loads(text)
    except json.JSONDecodeError as exc:
        raise ImportFailed(f"{path} is not JSON ({exc.msg} at line {exc.lineno}); use .csv for CSV") from None
    if not isinstance(batch, list):
        raise ImportFailed(f"{path} must hold a JSON array of records")
    return batch


def _typed(row: dict[str, Any]) -> dict[str, Any]:
    record: dict[str, Any] = {key: value for key, value in row.items() if key is not None}
    opt_in = str(record.get("MarketingOptIn", "")).strip().lower()
    if opt_in in TRUE | FALSE:
        record["MarketingOptIn"] = opt_in in TRUE
    interests = record.get("MarketingInterests")
    if isinstance(interests, str):
        record["MarketingInterests"] = [part.strip() for part in interests.split(";") if part.strip()]
    return record


class MarketingClient:
    def __init__(self, base_url: str, api_key: str, timeout: float = 60) -> None:
        self.base_url = base_url.rstrip("/")
        self.api_key = api_key
        self.timeout = timeout

    def request(self, method: str, path: str, body: Any = None) -> Any:
        data = json.dumps(body).encode() if body is not None else None
        request = urllib.request.Request(  # noqa: S310 - the user's own API URL
            self.base_url + path,
            data=data,
            method=method,
            headers={"x-api-key": self.api_key, "Content-Type": "application/json"},
        )
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as response:  # noqa: S310 # nosec B310
                return json.loads(response.read() or b"null")
        except urllib.error.HTTPError as exc:
            raise ImportFailed(
                f"{method} {path}: HTTP {exc.code} {exc.read().decode(errors='replace')}"
            ) from None
        except urllib.error.URLError as exc:
            raise ImportFailed(f"cannot reach {self.base_url}: {exc.reason}") from None


def run_import(
    path: Path,
    client: MarketingClient,
    out: TextIO = sys.stdout,
    progress: TextIO = sys.stderr,
    poll_seconds: float = 0.5,
    sleep: Callable[[float], None] = time.sleep,
) -> dict[str, Any]:
    batch = read_batch(path)
    accepted = client.request("POST", "/preferences", batch)
    name = accepted["executionName"]
    started = time.monotonic()
    bar = ProgressBar(progress)
    while True:
        execution = client.request("GET", f"/executions/{name}")
        bar.show(execution.get("step"), execution["status"], time.monotonic() - started)
        if execution["status"] != "RUNNING":
            break
        sleep(poll_seconds)
    bar.finish()
    if execution["status"] != "SUCCEEDED":
        raise ImportFailed(
            f"execution {name} ended {execution['status']}: {json.dumps(execution.get('error'))}"
        )
    summary: dict[str, Any] = execution["output"]
    print_summary(summary, len(batch), name, out)
    return summary


STEPS = ("ValidateData", "RemoveDuplicates", "StoreMarketingInterests")


class ProgressBar:
    WIDTH = 30

    def __init__(self, stream: TextIO) -> None:
        self.stream = stream
        self.interactive = stream.isatty()
        self.last = ""

    def show(self, step: str | None, status: str, elapsed: float) -> None:
        done = len(STEPS) if status != "RUNNING" else (STEPS.index(step) if step in STEPS else 0)
        filled = self.WIDTH * done // len(STEPS)
        line = f"[{'#' * filled}{'.' * (self.WIDTH - filled)}] {step or status:<24} {elapsed:5.1f}s"
        if self.interactive:
            self.stream.write("\r" + line)
        elif line.split("]")[0] != self.last.split("]")[0]:  # in logs, one line per step
            self.stream.write(line + "\n")
        self.last = line
        self.stream.flush()

    def finish(self) -> None:
        if self.interactive:
            self.stream.write("\n")
            self.stream.flush()


def print_summary(summary: dict[str, Any], sent: int, name: str, out: TextIO) -> None:
    out.write(f"execution {name}: {sent} records sent\n")
    for key in ("received", "valid", "duplicates_removed", "stored", "opted_out"):
        out.write(f"  {key:<19}{summary[key]}\n")
    rejected = summary["rejected"]
    out.write(f"  {'rejected':<19}{len(rejected)}\n")
    for row in rejected:
        reasons = "; ".join(f"{error['field']}: {error['message']}" for error in row["errors"])
        out.write(f"    record {row['index']}: {reasons}\n")
