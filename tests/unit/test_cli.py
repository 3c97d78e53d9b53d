"""A user's mistake is one line and a non-zero exit, never a traceback (SPEC §2)."""

from __future__ import annotations

from pathlib import Path

import pytest
from tests.devserver import free_port

from patron import cli


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str]:
    status = cli.main(list(argv))
    err = capsys.readouterr().err
    assert "Traceback" not in err
    assert err.count("\n") == 1, err  # one line
    return status, err


@pytest.mark.parametrize("key", ["short", "x" * 19, "x" * 129, "has spaces in it 0123456789"])
def test_an_api_key_api_gateway_refuses_is_refused_before_starting(
    key: str, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PATRON_API_KEY", key)

    status, err = run(capsys, "dev", "--port", str(free_port()))

    assert status == 2
    assert err.startswith("patron dev: PATRON_API_KEY must be 20 to 128")


def test_dlq_with_nothing_listening_says_so(capsys: pytest.CaptureFixture[str]) -> None:
    endpoint = f"http://127.0.0.1:{free_port()}"

    status, err = run(capsys, "dlq", "list", "--endpoint-url", endpoint)

    assert status == 1
    assert err.startswith(f"patron dlq: nothing answers at {endpoint}")


def test_an_import_without_a_key_says_how_to_give_one(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("PATRON_API_KEY", raising=False)
    batch = tmp_path / "batch.json"
    batch.write_text("[]")

    status, err = run(capsys, "marketing", "import", str(batch), "--state-dir", str(tmp_path))

    assert status == 2
    assert "pass --api-key or set PATRON_API_KEY" in err
