"""A bounded load test on loopback: a real `patron dev` on a free port, WORKERS threads sending a fixed
mix of GET and PUT requests on the ids and crm APIs until REQUESTS are done or SECONDS have passed.
Any status the operation does not expect (or a connection error) is an error, and there must be none.

`python bench/load.py` prints the section; `make bench` writes it to docs/benchmarks.md."""

from __future__ import annotations

import itertools
import os
import statistics
import sys
import tempfile
import threading
import time
from collections import defaultdict
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import requests

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT), str(ROOT / "src")]

from tests.customers import customer_body  # noqa: E402
from tests.devserver import DevServer  # noqa: E402

WORKERS = int(os.environ.get("BENCH_LOAD_WORKERS", "8"))
REQUESTS = int(os.environ.get("BENCH_LOAD_REQUESTS", "2000"))
SECONDS = float(os.environ.get("BENCH_LOAD_SECONDS", "30"))
IDS = 20  # distinct ids: the first PUT of each creates it (201, and starts its workflow), later ones 200
CUSTOMERS = 16
FAILED = "**FAILED**"  # in a section: `make bench` writes the document, then exits with an error

# operation → (method, path of the n-th request, body, expected statuses)
Operation = tuple[str, Callable[[int, list[str]], str], dict[str, Any] | None, set[int]]
OPERATIONS: dict[str, Operation] = {
    "ids PUT /customers/{id}": ("PUT", lambda n, _: f"/ids/customers/load-{n % IDS}", None, {200, 201}),
    "ids GET /customers/{id}": ("GET", lambda n, _: f"/ids/customers/load-{n % IDS}", None, {200}),
    "crm GET /customers/{id}": ("GET", lambda n, c: f"/crm/customers/{c[n % len(c)]}", None, {200}),
    "crm PUT /customers/{id}": (
        "PUT",
        lambda n, c: f"/crm/customers/{c[n % len(c)]}",
        {"lifetime_value": 2000.0, "customer_status": "active"},
        {200},
    ),
}


def create_customers(dev: DevServer) -> list[str]:
    ids = []
    for _ in range(CUSTOMERS):
        created = requests.post(
            f"{dev.url}/crm/customers", json=customer_body(), headers=dev.headers, timeout=10
        )
        assert created.status_code == 201, created.text
        ids.append(created.json()["customer_id"])
    return ids


def run_load(dev: DevServer, customers: list[str]) -> tuple[dict[str, list[float]], list[str], float]:
    """Latencies (s) per operation, the errors, and the wall time of the whole run."""
    names = list(OPERATIONS)
    numbers = itertools.count()
    lock = threading.Lock()
    latencies: dict[str, list[float]] = defaultdict(list)
    errors: list[str] = []
    started = time.monotonic()
    deadline = started + SECONDS

    def worker() -> None:
        session = requests.Session()
        session.headers.update(dev.headers)
        while time.monotonic() < deadline:
            with lock:
                n = next(numbers)
            if n >= REQUESTS:
                return
            name = names[n % len(names)]
            method, path, body, expected = OPERATIONS[name]
            sent = time.perf_counter()
            try:
                response = session.request(method, dev.url + path(n // len(names), customers), json=body)
            except requests.RequestException as exc:
                status, detail = 0, repr(exc)
            else:
                status, detail = response.status_code, f"{response.status_code} {response.text[:200]}"
            elapsed = time.perf_counter() - sent
            with lock:
                latencies[name].append(elapsed)
                if status not in expected:
                    errors.append(f"{name}: {detail}")

    with ThreadPoolExecutor(WORKERS) as pool:
        for future in [pool.submit(worker) for _ in range(WORKERS)]:
            future.result()
    return latencies, errors, time.monotonic() - started


PLAN = ("--parameter", "ThrottleRateLimit=100000", "--parameter", "ThrottleBurstLimit=100000")


def load() -> str:
    with tempfile.TemporaryDirectory() as directory:
        dev = DevServer(state_dir=Path(directory) / "state")
        # the load test measures the local cloud, not the usage plan (100 req/s, burst 200 by default):
        # the plan's limits are raised for this run
        dev.start("--reset", *PLAN)
        try:
            customers = create_customers(dev)
            latencies, errors, wall = run_load(dev, customers)
        finally:
            dev.stop()
    total = sum(len(samples) for samples in latencies.values())
    rows = [
        f"| {name} | {len(samples):,} | {len(samples) / wall:.0f} | {statistics.median(samples) * 1000:.1f} | "
        f"{statistics.quantiles(samples, n=100)[98] * 1000:.1f} |"
        for name, samples in latencies.items()
    ]
    every = [latency for samples in latencies.values() for latency in samples]
    rows.append(
        f"| **all** | {total:,} | {total / wall:.0f} | {statistics.median(every) * 1000:.1f} | "
        f"{statistics.quantiles(every, n=100)[98] * 1000:.1f} |"
    )
    return "\n".join(
        [
            "## Load: local request latency and throughput",
            "",
            f"`bench/load.py`: a fresh `patron dev` on 127.0.0.1 (free port, stopped afterwards), {WORKERS} workers",
            f"(threads, one HTTP session each) sending the four operations in turn until {REQUESTS:,} requests or",
            f"{SECONDS:.0f} s. ids PUTs cycle over {IDS} ids: the first PUT of each creates it and starts its",
            "workflow, which runs in the same process (with every PUT a creation, the workflows rather than the",
            "requests would set the pace); the later PUTs answer 200.",
            f"crm requests cycle over {CUSTOMERS} customers created before the clock starts. Client and server",
            f"share the machine's {os.cpu_count()} cores; each function runs in execution environments of its",
            "own (up to the cores plus one, at most 8, concurrent per function; docs/decisions.md). The usage plan's throttle is raised",
            f"for the run ({' '.join(PLAN[1::2])}).",
            "",
            f"Errors (a status the operation does not expect, or no response): **{len(errors)}** in {wall:.1f} s"
            + (f" {FAILED}: " + "; ".join(f"`{error}`" for error in errors[:3]) if errors else "."),
            "",
            "| operation | requests | per second | p50 (ms) | p99 (ms) |",
            "|---|---:|---:|---:|---:|",
            *rows,
        ]
    )


if __name__ == "__main__":
    print(load())
