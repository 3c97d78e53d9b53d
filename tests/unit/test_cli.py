"""A user's mistake is one line and a non-zero exit, never a traceback (SPEC §2)."""

from __future__ import annotations

import argparse
from collections.abc import Iterator
from pathlib import Path

import pytest
from tests.devserver import free_port

from patron_tools import cli


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


def commands(parser: argparse.ArgumentParser) -> Iterator[argparse.ArgumentParser]:
    yield parser
    for action in parser._actions:  # argparse keeps sub-parsers only here
        if isinstance(action, argparse._SubParsersAction):
            for sub in action.choices.values():
                yield from commands(sub)


def test_every_option_of_every_command_is_explained() -> None:
    unexplained = [
        f"{command.prog} {'/'.join(action.option_strings) or action.dest}"
        for command in commands(cli.parser())
        for action in command._actions
        if not action.help and not isinstance(action, argparse._SubParsersAction)
    ]

    assert unexplained == []


def test_options_meaning_one_thing_have_one_name_across_commands() -> None:
    names = {
        option for command in commands(cli.parser()) for a in command._actions for option in a.option_strings
    }

    assert "--aws-endpoint" not in names
    assert {"--endpoint-url", "--region", "--state-dir", "--api-key"} <= names


def test_help_shows_defaults(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit):
        cli.main(["dev", "--help"])

    assert "(default: 3000)" in " ".join(capsys.readouterr().out.split())


@pytest.mark.parametrize(
    ("argv", "base_url", "command"),
    [
        ([], "http://127.0.0.1:3000", "uv run patron token"),
        (
            ["--port", "3100"],
            "http://127.0.0.1:3100",
            "uv run patron token --console-url http://127.0.0.1:3100",
        ),
        (["--state-dir", "/tmp/s"], "http://127.0.0.1:3000", "uv run patron token --state-dir /tmp/s"),
    ],
)
def test_the_banners_token_command_names_this_servers_flags(
    argv: list[str], base_url: str, command: str
) -> None:
    args = cli.parser().parse_args(["dev", *argv])

    assert cli.token_command(args, base_url) == command


def test_a_reader_that_goes_away_is_no_traceback() -> None:
    import os
    import subprocess
    import sys

    # `patron token | head -c 20`: the reader closes the pipe before the token (here 100 kB) is written
    command = [sys.executable, "-m", "patron_tools.cli", "token"]
    environment = {**os.environ, "PATRON_TOKEN": "t" * 100_000}
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=environment)
    assert process.stdout is not None
    assert process.stderr is not None
    process.stdout.close()
    errors = process.stderr.read().decode()
    status = process.wait(timeout=60)

    assert "Traceback" not in errors
    assert "BrokenPipeError" not in errors
    assert status == 141
