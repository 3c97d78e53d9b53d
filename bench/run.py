"""`make bench`: every benchmark of the project, measured in one run, written to docs/benchmarks.md.

Each benchmark is a function returning a Markdown section; figures are measured side by side in the
same run so that the machine's load affects both sides alike."""

from __future__ import annotations

import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from collections import defaultdict
from pathlib import Path

import requests

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT), str(ROOT / "bench"), str(ROOT / "src")]

from tests.devserver import DevServer  # noqa: E402

from calls import aws_calls  # noqa: E402
from erasure import privacy_erase  # noqa: E402
from identity import identity_overhead  # noqa: E402
from load import FAILED, load  # noqa: E402
from patron_tools.local.template import Template  # noqa: E402
from warm import cold_starts, cpu_seconds, warm_get  # noqa: E402

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
DEV_STARTS = int(os.environ.get("BENCH_DEV_STARTS", "3"))
MAKE_TEST_RECORD = ROOT / "bench" / "make-test-last-run.txt"
NO_BYTECODE = Path(tempfile.gettempdir()) / "patron-bench-no-bytecode"  # stays empty


def import_seconds(module: str, path: Path | None = None, bytecode: Path | None = None) -> float:
    """Seconds to import `module` in a fresh interpreter (imports only, interpreter start excluded).
    With `bytecode`, .pyc files are read from (and written to) that directory, as from a package built
    with compiled bytecode; without, every module is compiled from source, as from one built without."""
    code = f"import time; t = time.perf_counter(); import {module}; print(time.perf_counter() - t)"
    env = {
        **os.environ,
        **LAMBDA_ENV,
        "PYTHONPATH": str(path or ROOT / "src"),
        # with a cache prefix Python ignores the __pycache__ next to the sources (which a developer's
        # earlier runs may have filled): an empty one, never written, means compiling every module
        "PYTHONPYCACHEPREFIX": str(NO_BYTECODE),
        "PYTHONDONTWRITEBYTECODE": "1",
    }
    if bytecode:
        env["PYTHONPYCACHEPREFIX"] = str(bytecode)
        del env["PYTHONDONTWRITEBYTECODE"]
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, check=True)
    return float(out.stdout.strip())


def import_breakdown(module: str) -> dict[str, float]:
    """Self time of every imported module, summed per top-level package (python -X importtime)."""
    env = {
        **os.environ,
        **LAMBDA_ENV,
        "PYTHONPATH": str(ROOT / "src"),
        "PYTHONPYCACHEPREFIX": str(NO_BYTECODE),  # compile everything, as import_seconds without bytecode
        "PYTHONDONTWRITEBYTECODE": "1",
    }
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
    names = ["plain_handler", *modules]
    source: dict[str, list[float]] = {name: [] for name in names}
    compiled: dict[str, list[float]] = {name: [] for name in names}
    with tempfile.TemporaryDirectory() as bytecode:
        for name in names:  # compile once, as a build would
            import_seconds(name, ROOT / "bench" if name == "plain_handler" else None, Path(bytecode))
        for _ in range(RUNS):  # interleaved, so load on the machine hits every module alike
            for name in names:
                path = ROOT / "bench" if name == "plain_handler" else None
                source[name].append(import_seconds(name, path))
                compiled[name].append(import_seconds(name, path, Path(bytecode)))
    base_source, base_compiled = (
        statistics.median(source["plain_handler"]),
        statistics.median(compiled["plain_handler"]),
    )
    rows = [
        "| handler module | no bytecode: median (ms) | vs plain | with bytecode: median (ms) | vs plain |",
        "|---|---:|---:|---:|---:|",
    ]
    for name in names:
        label = "`bench/plain_handler.py` (plain boto3 baseline)" if name == "plain_handler" else f"`{name}`"
        s, c = statistics.median(source[name]), statistics.median(compiled[name])
        rows.append(
            f"| {label} | {s * 1000:.0f} | {s / base_source:.2f}x | {c * 1000:.0f} | {c / base_compiled:.2f}x |"
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
            f"Fresh interpreter per sample, {RUNS} samples per module and mode, interleaved; the figure is the time",
            "of the `import` statement alone (interpreter start-up excluded), with the environment Lambda sets.",
            "Target: at most 1.5x the plain-boto3 handler. Two modes, measured side by side: **no bytecode**",
            "(every module, boto3's included, compiled from source on each import, as from a Lambda package",
            "without .pyc files: the code is read-only there, so nothing is cached between cold starts; the",
            "standard library is compiled too, so both sides pay more than on Lambda, whose runtime ships it",
            "compiled: an upper bound, whose ratios understate the package's own share) and",
            "**with bytecode** (.pyc files compiled once beforehand, as `make build` ships them). The",
            "handler code is the same in both: no bytecode is the package as built before this benchmark (the",
            "before), with bytecode what `make build` deploys since (the after).",
            "",
            *rows,
            "",
            f"Where the time of `{modules[0]}` goes without bytecode (`python -X importtime`, one run, self time",
            "per package; compiling is counted in each module's self time):",
            "",
            *parts,
        ]
    )


def marketing_pipeline() -> str:
    """Wall time of the whole pipeline through a real `patron dev` (HTTP in, Step Functions in moto,
    the Lambda tasks in-process): 10,000 records in one request, 50,000 (10 MB) through an upload; the
    DynamoDB write requests the store step made; the peak memory of each step's environment."""
    import json as jsonlib
    import math

    from marketing_memory import step_memory
    from patron.marketing.service import latest_lines

    rows = []
    with tempfile.TemporaryDirectory() as directory:
        dev = DevServer(state_dir=Path(directory) / "state")
        dev.start("--reset")
        try:
            for size, path in ((10_000, "direct"), (50_000, "upload")):
                batch = [
                    {"Name": f"Customer number {i:06d}", "Email": f"bench{size}-{i}@example.com",
                     "MarketingOptIn": True, "MarketingInterests": ["product updates", "promotions", "newsletters",
                                                                    "events", "surveys", "partner offers"]}
                    for i in range(size)
                ]  # fmt: skip
                body = jsonlib.dumps(batch).encode()
                started = time.monotonic()
                if path == "direct":
                    accepted = requests.post(
                        f"{dev.url}/marketing/preferences",
                        data=body,
                        headers={**dev.headers, "Content-Type": "application/json"},
                        timeout=120,
                    )
                else:
                    upload = requests.post(
                        f"{dev.url}/marketing/uploads", headers=dev.headers, timeout=30
                    ).json()
                    requests.put(
                        upload["upload_url"],
                        data=body,
                        headers={"Content-Type": "application/json"},
                        timeout=120,
                    ).raise_for_status()
                    accepted = requests.post(
                        f"{dev.url}/marketing/preferences",
                        json={"upload_id": upload["upload_id"]},
                        headers=dev.headers,
                        timeout=30,
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
                print(
                    f"marketing pipeline: {size:,} records ({path}) in {elapsed:.1f} s",
                    file=sys.stderr,
                    flush=True,
                )
                assert execution["status"] == "SUCCEEDED", execution
                assert dev.log is not None
                written = [
                    jsonlib.loads(line)
                    for line in dev.log.read_text().splitlines()
                    if line.startswith("{") and '"interests written"' in line
                ][-1]
                stored = execution["output"]["stored"]
                expected = math.ceil(stored / 25) + written["write_retries"]
                target = "" if size < 50_000 else (" (≤ 45 s)" if elapsed <= 45 else f" {FAILED}: over 45 s")
                rows.append(
                    f"| {size:,} | {len(body) / 1e6:.1f} MB | {path} | {elapsed:.1f}{target} | {stored:,} | "
                    f"{written['write_requests']:,} | {written['write_retries']} | "
                    f"{'yes' if written['write_requests'] == expected else FAILED} |"
                )
        finally:
            dev.stop()

    memory = []
    for size, steps in step_memory().items():
        for step in steps:
            memory.append(
                f"| {size:,} | {step['step']} | {step['baseline_mb']:.0f} | {step['peak_mb']:.0f} | "
                f"{step['traced_mb']:.1f} |"
            )

    dedupe = []
    for size in (10_000, 50_000, 100_000):
        emails = [f"d{i % (size // 2)}@example.com" for i in range(size)]
        started = time.perf_counter()
        latest_lines(emails)
        dedupe.append((size, time.perf_counter() - started))
    per_record = [
        f"{size:,}: {seconds * 1000:.1f} ms ({seconds / size * 1e6:.2f} µs per record)"
        for size, seconds in dedupe
    ]
    return "\n".join(
        [
            "## Marketing pipeline",
            "",
            "N opt-in records (~200 bytes each) to a fresh `patron dev`, timed from the first request until the",
            "execution is SUCCEEDED: 10,000 in one `POST /marketing/preferences`, 50,000 (10 MB, over Lambda's 6 MB)",
            "through `POST /uploads`, a PUT to the presigned URL and `POST /preferences {upload_id}`. Write requests",
            "are the store step's `BatchWriteItem` calls, from its log line; they must be ceil(stored / 25) + retries.",
            "The machine is shared (2 cores, other work running): compare figures within one run only.",
            "",
            "| records | batch | path | wall time (s) | stored | write requests | retries | = ceil(stored/25) + retries |",
            "|---:|---:|---|---:|---:|---:|---:|---|",
            *rows,
            "",
            "Memory of each step's execution environment (`bench/marketing_memory.py`): the step's handler in a",
            "process of its own reaching a moto server over HTTP, as on Lambda; the batch uploaded, 1 % invalid, 10 %",
            "duplicates, opt-ins up to 50,000 records and opt-outs (deletes, the same BatchWriteItem stream) above.",
            "RSS after importing the handler, peak RSS after the invocation (Lambda's Max Memory Used), and the peak",
            "of Python allocations during the invocation (tracemalloc): the last must not grow with the batch beyond",
            "what the step must hold (RemoveDuplicates: one e-mail and position per record).",
            "",
            "| records | step | RSS after import (MB) | peak RSS (MB) | allocated during the step (MB) |",
            "|---:|---|---:|---:|---:|",
            *memory,
            "",
            "De-duplication alone (`latest_lines`, half the records duplicates), which must grow linearly: "
            + "; ".join(per_record)
            + ".",
        ]
    )


def dev_start_time() -> str:
    """Seconds from starting `patron dev` to its /health answering, over fresh starts: with --reset, and
    with the state a previous run saved (a seeded crm, some ids)."""
    starts: dict[str, list[float]] = {"`patron dev --reset`": [], "`patron dev` with existing state": []}
    cpu: dict[str, list[float]] = {kind: [] for kind in starts}  # the process's CPU seconds once ready
    # as on a developer's machine: Python writes and reuses its bytecode cache (the first, uncounted
    # start below compiles); an environment with PYTHONDONTWRITEBYTECODE would compile on every start
    os.environ.pop("PYTHONDONTWRITEBYTECODE", None)
    with tempfile.TemporaryDirectory() as directory:
        saved = DevServer(state_dir=Path(directory) / "saved")
        saved.start("--reset")
        requests.post(f"{saved.url}/crm/seed", headers=saved.headers, timeout=30).raise_for_status()
        for i in range(50):
            requests.put(
                f"{saved.url}/ids/customers/ready-{i}", headers=saved.headers, timeout=10
            ).raise_for_status()
        saved.stop()
        for _ in range(DEV_STARTS):
            for kind, dev, flags in (
                ("`patron dev --reset`", DevServer(state_dir=Path(directory) / "fresh"), ["--reset"]),
                ("`patron dev` with existing state", DevServer(state_dir=saved.state_dir), []),
            ):
                started = time.monotonic()
                dev.start(*flags)
                starts[kind].append(time.monotonic() - started)
                assert dev.process is not None
                cpu[kind].append(cpu_seconds(dev.process.pid))
                dev.stop()
    rows = [
        f"| {kind} | {statistics.median(seconds):.1f} | {min(seconds):.1f} | {max(seconds):.1f} | "
        f"{statistics.median(cpu[kind]):.2f} |"
        for kind, seconds in starts.items()
    ]
    return "\n".join(
        [
            "## `patron dev` time to ready",
            "",
            f"From starting the process to `/health` answering 200 (polled every 0.1 s), {DEV_STARTS} starts of each,",
            "interleaved, with Python's bytecode cache in use (warmed by a first, uncounted start). Existing state:",
            "what a run saved on stop after `POST /crm/seed` and 50 ids PUT. CPU: the `patron dev` process's user +",
            "system CPU seconds when `/health` first answered (median), a figure other work on the machine barely",
            "moves; on an idle machine the time to ready is about that. Bar: a median ≤ 2.5 s.",
            "",
            "| start | median (s) | min (s) | max (s) | CPU at ready (s) |",
            "|---|---:|---:|---:|---:|",
            *rows,
        ]
    )


def make_test_duration() -> str:
    """`make test` takes about 10 minutes: timed only with BENCH_MAKE_TEST=1; otherwise the last timed
    run recorded in MAKE_TEST_RECORD is reported as such."""
    if os.environ.get("BENCH_MAKE_TEST") == "1":
        started = time.monotonic()
        result = subprocess.run(["make", "test"], cwd=ROOT, capture_output=True, text=True, check=False)
        outcome = result.stdout.strip().splitlines()[-1] if result.stdout.strip() else "no output"
        record = (
            f"{time.monotonic() - started:.0f} s on {time.strftime('%Y-%m-%d', time.gmtime())}, "
            f"exit status {result.returncode}, `{outcome.strip('= ')}`"
        )
        MAKE_TEST_RECORD.write_text(record + "\n")
        figure = f"measured in this run: {record}."
    elif MAKE_TEST_RECORD.exists():
        figure = f"**not measured in this run**; the last timed run (`{MAKE_TEST_RECORD.name}`): {MAKE_TEST_RECORD.read_text().strip()}."
    else:
        figure = (
            "**not measured yet** by this bench (run `BENCH_MAKE_TEST=1 make bench`); the README says"
            " about 11 minutes."
        )
    return "\n".join(
        [
            "## `make test` duration",
            "",
            "The whole suite (lint, console build, unit, integration, e2e, browser), timed only when",
            f"`BENCH_MAKE_TEST=1` is set: {figure}",
        ]
    )


def make_check_duration() -> str:
    """`make check`, the inner loop (ruff, mypy, unit tests on two workers): target under 90 s."""
    started = time.monotonic()
    result = subprocess.run(["make", "check"], cwd=ROOT, capture_output=True, text=True, check=False)
    seconds = time.monotonic() - started
    outcome = result.stdout.strip().splitlines()[-1] if result.stdout.strip() else "no output"
    verdict = "" if seconds < 90 and result.returncode == 0 else f" {FAILED}: the target is under 90 s, green"
    return "\n".join(
        [
            "## `make check` duration",
            "",
            f"{seconds:.0f} s, exit status {result.returncode}, `{outcome.strip('= ')}`{verdict}.",
        ]
    )


BENCHMARKS = [
    cold_start,
    cold_starts,
    aws_calls,
    load,
    warm_get,
    identity_overhead,
    dev_start_time,
    marketing_pipeline,
    privacy_erase,
    make_check_duration,
    make_test_duration,
]


def refresh(name: str) -> None:
    """`python bench/run.py NAME`: re-measure one benchmark and replace its section, marked as such."""
    (benchmark,) = [b for b in BENCHMARKS if b.__name__ == name]
    section = benchmark()
    stamp = f"_This section: re-measured alone, {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}._"
    title = section.split("\n", 1)[0]
    path = ROOT / "docs" / "benchmarks.md"
    text = path.read_text()
    if title not in text:  # a new benchmark: its section goes last until the next full run
        text = text.rstrip("\n") + f"\n\n{title}\n"
    start = text.index(title)
    end = text.find("\n## ", start + len(title))
    path.write_text(
        text[:start]
        + f"{title}\n\n{stamp}"
        + section[len(title) :]
        + ("\n" + text[end:] if end > 0 else "\n")
    )
    print(section)


def main() -> None:
    if len(sys.argv) > 1:
        refresh(sys.argv[1])
        return
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
    if any(FAILED in section for section in sections):
        sys.exit(f"make bench: a benchmark failed its check ({FAILED} in docs/benchmarks.md)")


if __name__ == "__main__":
    main()
