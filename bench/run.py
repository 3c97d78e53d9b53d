"""`make bench`: every benchmark of the project, measured in one run, written to docs/benchmarks.md.

Each benchmark is a function returning a Markdown section; figures are measured side by side in the
same run so that the machine's load affects both sides alike."""

from __future__ import annotations

import os
import platform
import statistics
import subprocess
import sys
import time
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

from patron.local.template import Template  # noqa: E402

RUNS = int(os.environ.get("BENCH_COLD_START_RUNS", "9"))
# what the Lambda runtime has set when the module is imported (tracing on, as deployed)
LAMBDA_ENV = {
    "AWS_DEFAULT_REGION": "us-east-1",
    "AWS_ACCESS_KEY_ID": "bench",
    "AWS_SECRET_ACCESS_KEY": "bench",
    "AWS_LAMBDA_FUNCTION_NAME": "bench",
    "POWERTOOLS_SERVICE_NAME": "patron",
    "POWERTOOLS_METRICS_NAMESPACE": "Patron",
}
TOP_PACKAGES = 10


def import_seconds(module: str, path: Path | None = None) -> float:
    """Seconds to import `module` in a fresh interpreter (imports only, interpreter start excluded)."""
    code = f"import time; t = time.perf_counter(); import {module}; print(time.perf_counter() - t)"
    env = {**os.environ, **LAMBDA_ENV, "PYTHONPATH": str(path or ROOT / "src")}
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, check=True)
    return float(out.stdout.strip())


def import_breakdown(module: str) -> dict[str, float]:
    """Self time of every imported module, summed per top-level package (python -X importtime)."""
    env = {**os.environ, **LAMBDA_ENV, "PYTHONPATH": str(ROOT / "src")}
    out = subprocess.run(
        [sys.executable, "-X", "importtime", "-c", f"import {module}"],
        capture_output=True,
        text=True,
        env=env,
        check=True,
    )
    totals: dict[str, float] = defaultdict(float)
    for line in out.stderr.splitlines():
        if not line.startswith("import time:") or "|" not in line or "self [us]" in line:
            continue
        self_us, _, name = (part.strip() for part in line.removeprefix("import time:").split("|"))
        totals[name.split(".")[0]] += int(self_us) / 1e6
    top = dict(sorted(totals.items(), key=lambda kv: -kv[1])[:TOP_PACKAGES])
    top["(everything else)"] = sum(totals.values()) - sum(top.values())
    return top


def handler_modules() -> list[str]:
    return sorted({function.handler.rsplit(".", 1)[0] for function in Template().functions().values()})


def cold_start() -> str:
    modules = handler_modules()
    samples: dict[str, list[float]] = {name: [] for name in ["plain_handler", *modules]}
    for _ in range(RUNS):  # interleaved, so load on the machine hits every module alike
        samples["plain_handler"].append(import_seconds("plain_handler", ROOT / "bench"))
        for module in modules:
            samples[module].append(import_seconds(module))
    baseline = statistics.median(samples["plain_handler"])
    rows = [
        "| handler module | median import (ms) | min (ms) | vs plain boto3 |",
        "|---|---:|---:|---:|",
        f"| `bench/plain_handler.py` (plain boto3 baseline) | {baseline * 1000:.0f} | "
        f"{min(samples['plain_handler']) * 1000:.0f} | 1.00x |",
    ]
    for module in modules:
        median = statistics.median(samples[module])
        rows.append(
            f"| `{module}` | {median * 1000:.0f} | {min(samples[module]) * 1000:.0f} | {median / baseline:.2f}x |"
        )
    breakdown = import_breakdown(modules[0])
    total = sum(breakdown.values())
    parts = [
        "| package | self import time (ms) | share |",
        "|---|---:|---:|",
        *(
            f"| {name} | {seconds * 1000:.0f} | {seconds / total:.0%} |"
            for name, seconds in breakdown.items()
        ),
    ]
    return "\n".join(
        [
            "## Cold start: handler import time",
            "",
            f"Fresh interpreter per sample, {RUNS} samples per module, interleaved; the figure is the time of the",
            "`import` statement alone (interpreter start-up excluded), with the environment Lambda sets. Target:",
            "at most 1.5x the plain-boto3 handler. Bytecode: "
            + (
                "not cached (PYTHONDONTWRITEBYTECODE is set), so every sample also compiles the modules it imports,"
                " as a Lambda package without .pyc files does."
                if os.environ.get("PYTHONDONTWRITEBYTECODE")
                else "cached .pyc files where present."
            ),
            "",
            *rows,
            "",
            f"Where the time of `{modules[0]}` goes (`python -X importtime`, one run, self time per package):",
            "",
            *parts,
        ]
    )


def marketing_pipeline() -> str:
    """Wall time of the whole pipeline through a real `patron dev` (HTTP in, Step Functions in moto,
    the Lambda tasks in-process), and the DynamoDB write requests the store step made."""
    import json as jsonlib
    import math
    import tempfile

    import requests

    sys.path.insert(0, str(ROOT))
    from tests.devserver import DevServer

    from patron.marketing.service import latest_choices, validate

    rows = []
    with tempfile.TemporaryDirectory() as directory:
        dev = DevServer(state_dir=Path(directory) / "state")
        dev.start("--reset")
        try:
            for size in (10_000, 50_000):
                batch = [
                    {"Name": f"Customer {i}", "Email": f"bench{size}-{i}@example.com", "MarketingOptIn": True,
                     "MarketingInterests": ["newsletters", "promotions"]}
                    for i in range(size)
                ]  # fmt: skip
                started = time.monotonic()
                accepted = requests.post(
                    f"{dev.url}/marketing/preferences", json=batch, headers=dev.headers, timeout=120
                )
                name = accepted.json()["executionName"]
                while True:
                    execution = requests.get(
                        f"{dev.url}/marketing/executions/{name}", headers=dev.headers, timeout=30
                    ).json()
                    if execution["status"] != "RUNNING":
                        break
                    time.sleep(0.2)
                elapsed = time.monotonic() - started
                assert execution["status"] == "SUCCEEDED", execution
                assert dev.log is not None
                written = [
                    jsonlib.loads(line)
                    for line in dev.log.read_text().splitlines()
                    if line.startswith("{") and '"interests written"' in line
                ][-1]
                stored = execution["output"]["stored"]
                expected = math.ceil(stored / 25) + written["write_retries"]
                rows.append(
                    f"| {size:,} | {len(jsonlib.dumps(batch)) / 1e6:.1f} MB | {elapsed:.1f} | {stored:,} | "
                    f"{written['write_requests']:,} | {written['write_retries']} | "
                    f"{'yes' if written['write_requests'] == expected else 'NO'} |"
                )
        finally:
            dev.stop()

    dedupe = []
    for size in (10_000, 50_000, 100_000):
        records, _ = validate([{"Name": "n", "Email": f"d{i % (size // 2)}@example.com", "MarketingOptIn": True,
                                "MarketingInterests": []} for i in range(size)])  # fmt: skip
        started = time.perf_counter()
        latest_choices(records)
        dedupe.append((size, time.perf_counter() - started))
    per_record = [
        f"{size:,}: {seconds * 1000:.1f} ms ({seconds / size * 1e6:.2f} µs per record)"
        for size, seconds in dedupe
    ]
    return "\n".join(
        [
            "## Marketing pipeline",
            "",
            "`POST /marketing/preferences` of N opt-in records to a fresh `patron dev`, timed until the execution",
            "is SUCCEEDED (validate, de-duplicate, store; states over 200 KB travel through S3). Write requests are",
            "the store step's `BatchWriteItem` calls, from its log line; they must be ceil(stored / 25) + retries.",
            "",
            "| records | request | wall time (s) | stored | write requests | retries | = ceil(stored/25) + retries |",
            "|---:|---:|---:|---:|---:|---:|---|",
            *rows,
            "",
            "De-duplication alone (`latest_choices`, half the records duplicates), which must grow linearly: "
            + "; ".join(per_record)
            + ".",
        ]
    )


BENCHMARKS = [cold_start, marketing_pipeline]


def main() -> None:
    started = time.monotonic()
    sections = [benchmark() for benchmark in BENCHMARKS]
    header = [
        "# Benchmarks",
        "",
        "Written by `make bench` (`bench/run.py`); every figure below comes from one run on the machine named",
        "here. Re-run to refresh; compare figures only within one run.",
        "",
        f"- machine: {platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}",
        f"- run: {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}, {time.monotonic() - started:.0f} s",
        "",
    ]
    output = "\n".join([*header, "\n\n".join(sections), ""])
    (ROOT / "docs" / "benchmarks.md").write_text(output)
    print(output)


if __name__ == "__main__":
    main()
