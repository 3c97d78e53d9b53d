"""Time of an erasure on `patron dev`: a person seeded into all four services through their APIs, then
`POST /privacy/requests {"type": "erase"}` timed until `GET` answers SUCCEEDED. SPEC §1.6 / issue 19:
the median of several must be at most 5 s."""

from __future__ import annotations

import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT), str(ROOT / "src")]

from tests.devserver import DevServer  # noqa: E402
from tests.privacy import seed_person, submit, wait_done  # noqa: E402

from load import FAILED  # noqa: E402

RUNS = 7
TARGET_SECONDS = 5.0


def privacy_erase() -> str:
    seconds = []
    with tempfile.TemporaryDirectory() as directory:
        dev = DevServer(state_dir=Path(directory) / "state")
        dev.start("--reset")
        try:
            for _ in range(RUNS):
                person = seed_person(dev)
                body = {"type": "erase", "email": person["email"], "cpf": person["cpf"], "id": person["id"]}
                started = time.monotonic()
                accepted = submit(dev, **body)
                done = wait_done(dev, accepted.json()["request_id"])
                seconds.append(time.monotonic() - started)
                assert done["found"] == {"crm": 1, "enrollment": 1, "marketing": 1, "ids": 1}, done
        finally:
            dev.stop()
    median = statistics.median(seconds)
    verdict = "yes" if median <= TARGET_SECONDS else FAILED
    return "\n".join(
        [
            "## Privacy erasure",
            "",
            "A person seeded into all four services through their APIs (crm customer, enrollment, marketing",
            "opt-in, id) on a fresh `patron dev`, then `POST /privacy/requests` with `type: erase`, timed until",
            f"`GET /privacy/requests/{{id}}` answers SUCCEEDED (polled every 0.1 s), {RUNS} runs.",
            "",
            f"| runs | median (s) | min (s) | max (s) | median ≤ {TARGET_SECONDS:.0f} s |",
            "|---:|---:|---:|---:|---|",
            f"| {RUNS} | {median:.2f} | {min(seconds):.2f} | {max(seconds):.2f} | {verdict} |",
        ]
    )


if __name__ == "__main__":
    print(privacy_erase())
