"""The functions' logs in `patron dev`, as Lambda keeps them: every line an execution environment
writes goes to its function's log group in the local CloudWatch Logs (one stream per environment, with
Lambda's START / END / REPORT lines, so `aws logs tail <group> --endpoint-url ...` works) and, as one
JSON object per line tagged with its function and request id, to `<state dir>/logs/<function>.log`.
The terminal gets one short line per invocation instead."""

from __future__ import annotations

import json
import logging
import queue
import sys
import threading
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from patron_tools.local.template import ACCOUNT_ID, REGION

if TYPE_CHECKING:
    from patron_tools.local.environments import Report
    from patron_tools.local.template import Function

logger = logging.getLogger("patron_tools.local")

FLUSH_SECONDS = 0.5
BATCH_EVENTS = 1000  # PutLogEvents accepts up to 10,000 events per call


_terminal_lock = threading.Lock()


def terminal(line: str) -> None:
    """One short line on `patron dev`'s terminal (a request or an invocation); never personal data."""
    with _terminal_lock:
        sys.stdout.write(line + "\n")
        sys.stdout.flush()


class FunctionLogs:
    """Log sink shared by every environment: writes the state directory's files at once and ships
    batches to CloudWatch Logs from a background thread."""

    def __init__(
        self, directory: Path, cloudwatch: bool = True, ready: threading.Event | None = None
    ) -> None:
        self.directory = directory
        self.directory.mkdir(parents=True, exist_ok=True)
        self._files: dict[str, Any] = {}
        self._lock = threading.Lock()
        self._outbox: queue.SimpleQueue[tuple[str, str, int, str]] = queue.SimpleQueue()
        self._closing = threading.Event()
        self._ready = ready  # set once CloudWatch Logs is provisioned (the template's log groups exist)
        self._streams: set[tuple[str, str]] = set()
        self._thread: threading.Thread | None = None
        if cloudwatch:
            self._thread = threading.Thread(target=self._ship, name="cloudwatch-logs", daemon=True)
            self._thread.start()

    @staticmethod
    def stream_name(function: Function, environment_id: str) -> str:
        """Lambda's log stream name in a custom log group: date, function, version, environment id
        (https://docs.aws.amazon.com/lambda/latest/dg/monitoring-cloudwatchlogs-loggroups.html)."""
        return f"{datetime.now(UTC):%Y/%m/%d}/{function.name}[$LATEST]{environment_id}"

    def start(self, function: Function, environment_id: str, request_id: str) -> None:
        self._write(function, environment_id, request_id, f"START RequestId: {request_id} Version: $LATEST")

    def end(self, function: Function, environment_id: str, report: Report) -> None:
        line = (
            f"REPORT RequestId: {report.request_id}\tDuration: {report.duration_ms:.2f} ms\t"
            f"Memory Size: {function.memory} MB"
        )
        if report.init_ms is not None:
            line += f"\tInit Duration: {report.init_ms:.2f} ms"
        if report.error_type:
            line += f"\tStatus: error\tError Type: {report.error_type}"
        self._write(function, environment_id, report.request_id, f"END RequestId: {report.request_id}", line)

    def line(self, function: Function, environment_id: str, request_id: str | None, raw: bytes) -> None:
        """One line the environment wrote (stdout or stderr)."""
        text = raw.decode("utf-8", "replace").rstrip("\r\n")
        if text:
            self._write(function, environment_id, request_id, text)

    def close(self) -> None:
        if self._thread is not None:
            self._closing.set()
            self._thread.join(timeout=5)
        with self._lock:
            for stream in self._files.values():
                stream.close()
            self._files.clear()

    # ------------------------------------------------------------------ inside
    def _write(self, function: Function, environment_id: str, request_id: str | None, *texts: str) -> None:
        """Append lines to the function's file (at once: tests and `tail -f` read it) and to the outbox."""
        now = time.time()
        stamp = datetime.fromtimestamp(now, UTC).isoformat(timespec="milliseconds")
        records = []
        for text in texts:
            try:
                message: Any = json.loads(text) if text.startswith("{") else text
            except ValueError:
                message = text
            record = {
                "time": stamp,
                "function": function.name,
                "request_id": request_id,
                "environment": environment_id,
                "message": message,
            }
            records.append(json.dumps(record) + "\n")
        with self._lock:
            stream = self._files.get(function.name)
            if stream is None:
                stream = (self.directory / f"{function.name}.log").open("a", encoding="utf-8")
                self._files[function.name] = stream
            stream.write("".join(records))
            stream.flush()
        if self._thread is not None:
            stream_name = self.stream_name(function, environment_id)
            for text in texts:
                self._outbox.put((function.log_group, stream_name, int(now * 1000), text))

    def _ship(self) -> None:
        """Every FLUSH_SECONDS, what the outbox holds goes to the local CloudWatch Logs, a batch of at most
        BATCH_EVENTS events per stream. The thread sleeps in between: a line written never wakes it, so
        logging costs an invocation no thread switch. It puts the events into moto's backend itself (the
        checks PutLogEvents makes on them are the backend's): through an in-process boto3 client, the
        request's serialisation and parsing cost `patron dev` ~5 % of its CPU under load (bench/warm.py)."""
        from moto.logs.models import logs_backends

        while self._ready is not None and not self._ready.wait(FLUSH_SECONDS):
            if self._closing.is_set():
                break
        backend = logs_backends[ACCOUNT_ID][REGION]
        while True:
            closing = self._closing.wait(FLUSH_SECONDS)
            batch: dict[tuple[str, str], list[dict[str, Any]]] = {}
            while True:
                try:
                    group, stream, timestamp, text = self._outbox.get_nowait()
                except queue.Empty:
                    break
                batch.setdefault((group, stream), []).append({"timestamp": timestamp, "message": text})
            for (group, stream), events in batch.items():
                events.sort(key=lambda event: event["timestamp"])  # PutLogEvents wants them in order
                try:
                    self._ensure(backend, group, stream)
                    for start in range(0, len(events), BATCH_EVENTS):
                        backend.put_log_events(group, stream, events[start : start + BATCH_EVENTS])
                except Exception:
                    logger.exception("shipping logs to CloudWatch Logs failed", extra={"group": group})
            if closing:
                return

    def _ensure(self, backend: Any, group: str, stream: str) -> None:
        """The stream (and its group, when the template has none for it), created once."""
        if (group, stream) in self._streams:
            return
        if group not in backend.groups:
            backend.create_log_group(group, tags={})
        if stream not in backend.groups[group].streams:
            backend.create_log_stream(group, stream)
        self._streams.add((group, stream))
