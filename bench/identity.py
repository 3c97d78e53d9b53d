"""What identity (issue 23) costs `patron dev`, measured side by side in one run against the last commit
before it (API key only, `BENCH_IDENTITY_BASELINE`), checked out into a temporary worktree with its own
environment: the warm `GET /ids/customers/{id}` (now with the Lambda authorizer's cached answer) and the
time to ready (now with the user pool provisioned). Bars: the GET's rate and the ready time within 10 %."""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import requests
import urllib3

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.devserver import DevServer  # noqa: E402

from patron_tools.local.environments import PER_FUNCTION  # noqa: E402
from warm import PLAN, THREADS, _environments, measure  # noqa: E402

BASELINE = os.environ.get("BENCH_IDENTITY_BASELINE", "aac7f6f")  # main before issue 23
SECONDS = float(os.environ.get("BENCH_WARM_SECONDS", "5"))
STARTS = int(os.environ.get("BENCH_IDENTITY_STARTS", "5"))
BAR = 0.90


@contextmanager
def baseline_python() -> Iterator[str]:
    """The interpreter of a checkout of BASELINE with its own synced environment (uv's cache: seconds)."""
    with tempfile.TemporaryDirectory() as directory:
        tree = Path(directory) / "baseline"
        git = ["git", "-C", str(ROOT)]
        subprocess.run(
            [*git, "worktree", "add", "--detach", str(tree), BASELINE], check=True, capture_output=True
        )
        try:
            environment = {
                k: v for k, v in os.environ.items() if k not in ("VIRTUAL_ENV", "UV_PROJECT_ENVIRONMENT")
            }
            subprocess.run(
                ["uv", "sync", "--frozen", "--quiet"],
                cwd=tree,
                env=environment | {"UV_PYTHON_DOWNLOADS": "never"},
                check=True,
            )
            yield str(tree / ".venv" / "bin" / "python")
        finally:
            subprocess.run(
                [*git, "worktree", "remove", "--force", str(tree)], check=False, capture_output=True
            )


def getter(dev: DevServer, headers: dict[str, str]) -> Callable[[], Callable[[], None]]:
    path = "/ids/customers/bench-identity"

    def make() -> Callable[[], None]:
        pool = urllib3.HTTPConnectionPool("127.0.0.1", dev.port, maxsize=1, timeout=30)

        def call() -> None:
            response = pool.request("GET", path, headers=headers)
            if response.status != 200:
                raise RuntimeError(f"GET answered {response.status}: {response.data!r}")

        return call

    return make


def warmed(dev: DevServer, headers: dict[str, str]) -> Callable[[], Callable[[], None]]:
    requests.put(f"{dev.url}/ids/customers/bench-identity", headers=headers, timeout=30).raise_for_status()
    make = getter(dev, headers)
    log = dev.state_dir / "logs" / "GetCustomerIdFunction.log"
    deadline = time.monotonic() + 90
    while _environments(log) < min(PER_FUNCTION, max(THREADS)) and time.monotonic() < deadline:
        measure(make, max(THREADS), 2.0)
    measure(make, max(THREADS), 2.0)
    return make


def identity_overhead() -> str:
    os.environ.pop("PYTHONDONTWRITEBYTECODE", None)  # as on a developer's machine (bench/run.py)
    with baseline_python() as python, tempfile.TemporaryDirectory() as directory:
        base = Path(directory)
        # time to ready: interleaved starts, each server's bytecode warmed by a first uncounted start
        ready: dict[str, list[float]] = {"baseline": [], "identity": []}
        for run in range(STARTS + 1):
            for kind, interpreter in (("baseline", python), ("identity", sys.executable)):
                dev = DevServer(state_dir=base / f"ready-{kind}", python=interpreter)
                started = time.monotonic()
                dev.start("--reset")
                if run:
                    ready[kind].append(time.monotonic() - started)
                dev.stop()
        # the warm GET: both servers up, measured in turn (baseline, identity, baseline)
        old = DevServer(state_dir=base / "get-baseline", python=python)
        new = DevServer(state_dir=base / "get-identity")
        old.start("--reset", *PLAN)
        new.start("--reset", *PLAN)
        try:
            old_get = warmed(old, {"x-api-key": old.api_key})
            new_get = warmed(new, new.headers)
            rows, verdicts = [], []
            for threads in THREADS:
                before = measure(old_get, threads, SECONDS)
                now = measure(new_get, threads, SECONDS)
                after = measure(old_get, threads, SECONDS)
                reference = (before[0] + after[0]) / 2
                ratio = now[0] / reference
                rows.append(
                    f"| {threads} | {reference:.0f} | {(before[1] + after[1]) / 2:.1f} | {now[0]:.0f} | "
                    f"{now[1]:.1f} | **{ratio:.2f}** |"
                )
                verdicts.append(
                    f"{'met' if ratio >= BAR else 'missed'} at {threads} thread{'s' * (threads > 1)}"
                )
        finally:
            old.stop()
            new.stop()
    old_ready, new_ready = statistics.median(ready["baseline"]), statistics.median(ready["identity"])
    ready_ratio = new_ready / old_ready
    return "\n".join(
        [
            "## Identity's cost: the warm GET and the time to ready, against the commit before it",
            "",
            f"`bench/identity.py`: the last commit before issue 23 (`{BASELINE}`, API key only) checked out in a",
            "temporary worktree with its own environment, and this checkout, measured in turn in one run. The GET is",
            "`GET /ids/customers/{id}` with urllib3 (one pool per thread), after a warm-up that leaves the function",
            "its environments; this checkout's GET carries an access token, which the gateway checks through the",
            "Lambda authorizer's cached answer (the authorizer runs once per token and route every 300 s). Each row:",
            f"{SECONDS:.0f} s of the baseline, of this checkout, of the baseline again; the ratio divides by the",
            "baseline's mean. Bar: ≥ 0.90 (within 10 %).",
            "",
            "| threads | baseline GET per s | p50 (ms) | with token GET per s | p50 (ms) | ratio |",
            "|---:|---:|---:|---:|---:|---:|",
            *rows,
            "",
            f"Time to ready (`patron dev --reset`, {STARTS} starts of each, interleaved, after one uncounted start):",
            f"baseline median {old_ready:.2f} s (min {min(ready['baseline']):.2f}, max {max(ready['baseline']):.2f}),",
            f"with the user pool provisioned {new_ready:.2f} s (min {min(ready['identity']):.2f},",
            f"max {max(ready['identity']):.2f}): **{ready_ratio:.2f} times** the baseline (bar: ≤ 1.10).",
            "",
            f"This run: the GET bar is {' and '.join(verdicts)}; the ready bar is "
            f"{'met' if ready_ratio <= 1.10 else 'missed'}.",
        ]
    )


if __name__ == "__main__":
    print(identity_overhead())
