"""Peak memory of each marketing step's execution environment, as Lambda's "Max Memory Used" reports it.

Each step's handler runs in a process of its own (as on Lambda) that reaches AWS over HTTP: a moto
server in this process, holding the uploaded batch, the batches bucket and the interests table. The
step's process reports its peak resident set (VmHWM), that peak once the handler module is imported, and
the peak of Python allocations during the invocation. Run as `python bench/marketing_memory.py STEP` it is
that step's process (event on stdin, result on stdout)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
import tracemalloc
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
BUCKET = "bench-marketing-batches"
TABLE = "MarketingInterests"
STEPS = ("validate_data", "remove_duplicates", "store_marketing_interests")
INTERESTS = ["product updates", "promotions", "newsletters", "events", "surveys", "partner offers"]


def batch(size: int, opt_in: bool) -> bytes:
    """`size` records of ~200 bytes (SPEC §1.4's 50,000 are 10 MB), every 10th a duplicate e-mail and
    every 100th invalid."""
    records = [
        {"Name": f"Customer number {i:06d}", "Email": f"m{i - (i % 10 == 9)}@example.com",
         "MarketingOptIn": opt_in, "MarketingInterests": INTERESTS}
        for i in range(size)
    ]  # fmt: skip
    for i in range(0, size, 100):
        records[i]["Email"] = "not-an-email"
    return json.dumps(records).encode()


OPT_IN_UP_TO = 50_000
"""Larger batches are opt-outs: the store step streams them into the same BatchWriteItem requests (deletes),
which moto's server answers in a fraction of the time of 200,000 puts on this machine."""


def step_memory(sizes: tuple[int, ...] = (50_000, 200_000)) -> dict[int, list[dict[str, Any]]]:
    """For each batch size: each step's peak and baseline RSS (MB), the peak of Python allocations during
    the invocation (MB, tracemalloc), its seconds, and the store step's
    BatchWriteItem requests and retries (from its log line)."""
    import boto3
    from moto.server import ThreadedMotoServer
    from tests.devserver import free_port

    port = free_port()
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    env = {
        **os.environ,
        "AWS_ENDPOINT_URL": f"http://127.0.0.1:{port}",
        "AWS_ACCESS_KEY_ID": "bench",
        "AWS_SECRET_ACCESS_KEY": "bench",
        "AWS_DEFAULT_REGION": "us-east-1",
        "MARKETING_BATCHES_BUCKET": BUCKET,
        "MARKETING_INTERESTS_TABLE": TABLE,
        "POWERTOOLS_SERVICE_NAME": "patron",
        "POWERTOOLS_METRICS_NAMESPACE": "Patron",
        "POWERTOOLS_TRACE_DISABLED": "true",
        "POWERTOOLS_METRICS_DISABLED": "true",
        "PYTHONPATH": str(ROOT / "src"),
    }
    aws = {
        "endpoint_url": env["AWS_ENDPOINT_URL"],
        "region_name": "us-east-1",
        "aws_access_key_id": "bench",
        "aws_secret_access_key": "bench",
    }
    results: dict[int, list[dict[str, Any]]] = {}
    try:
        s3 = boto3.client("s3", **aws)
        s3.create_bucket(Bucket=BUCKET)
        dynamodb = boto3.client("dynamodb", **aws)
        dynamodb.create_table(
            TableName=TABLE,
            BillingMode="PAY_PER_REQUEST",
            AttributeDefinitions=[{"AttributeName": "Email", "AttributeType": "S"}],
            KeySchema=[{"AttributeName": "Email", "KeyType": "HASH"}],
        )
        for size in sizes:
            key = f"uploads/bench-{size}.json"
            s3.put_object(Bucket=BUCKET, Key=key, Body=batch(size, opt_in=size <= OPT_IN_UP_TO))
            event: Any = {"ref": {"bucket": BUCKET, "key": key}}
            rows = []
            for step in STEPS:
                started = time.monotonic()
                done = subprocess.run(
                    [sys.executable, __file__, step],
                    input=json.dumps(event),
                    capture_output=True,
                    text=True,
                    env=env,
                    check=True,
                )
                report = json.loads(done.stdout.strip().splitlines()[-1])
                event = report["output"]
                written = [
                    json.loads(line)
                    for line in done.stdout.splitlines()
                    if line.startswith("{") and '"interests written"' in line
                ]
                print(
                    f"marketing memory: {size:,} {step} {report['peak_mb']} MB", file=sys.stderr, flush=True
                )
                rows.append(
                    {
                        "step": step,
                        "seconds": time.monotonic() - started,
                        "peak_mb": report["peak_mb"],
                        "baseline_mb": report["baseline_mb"],
                        "traced_mb": report["traced_mb"],
                        "write_requests": written[0]["write_requests"] if written else None,
                        "write_retries": written[0]["write_retries"] if written else None,
                        "output": event,
                    }
                )
            results[size] = rows
    finally:
        server.stop()
    return results


@dataclass
class Context:
    """What Powertools reads of a Lambda context."""

    function_name: str
    memory_limit_in_mb: int = 1024
    invoked_function_arn: str = "arn:aws:lambda:us-east-1:123456789012:function:bench"
    aws_request_id: str = "bench"


def _run_step(step: str) -> None:
    """This process is one step's execution environment: import, measure, invoke once, measure. The
    RSS figures are the process's; the traced peak is what Python allocated during the invocation."""
    from patron.marketing import steps

    handler = getattr(steps, step)
    event = json.loads(sys.stdin.read())
    baseline = _peak_rss_mb()
    tracemalloc.start()
    output = handler(event, Context(step))
    _, traced_peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    report = {
        "output": output,
        "peak_mb": round(_peak_rss_mb(), 1),
        "baseline_mb": round(baseline, 1),
        "traced_mb": round(traced_peak / 1e6, 1),
    }
    print(json.dumps(report))


def _peak_rss_mb() -> float:
    """This process's peak resident set (VmHWM): getrusage's ru_maxrss would report the parent's, as Linux
    keeps it across fork and exec."""
    status = Path("/proc/self/status").read_text()
    (line,) = [line for line in status.splitlines() if line.startswith("VmHWM:")]
    return int(line.split()[1]) / 1024


if __name__ == "__main__":
    _run_step(sys.argv[1])
