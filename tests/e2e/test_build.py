"""`make build` on this machine, offline of AWS: SAM CLI (pinned, through uvx) packages every function
for Lambda's arm64 Python runtime, with the runtime dependencies of uv.lock and none of the local cloud's,
compiled to bytecode."""

from __future__ import annotations

import os
import re
import subprocess
from pathlib import Path

from patron_tools.local.template import load_template

ROOT = Path(__file__).resolve().parents[2]
BUILD = ROOT / ".aws-sam" / "build"


TOOLING = ("patron_tools", "patron/local", "patron/cli.py", "patron/architecture.py", "patron/console.py")


def tooling_in(package: Path) -> list[str]:
    """What of Patron's tooling (the `patron` command, the local cloud, the document generators) a function
    package holds: none of it runs on Lambda."""
    return [name for name in TOOLING if (package / name).exists()]


def test_make_build_packages_every_function_for_arm64() -> None:
    done = subprocess.run(
        ["make", "build"], cwd=ROOT, capture_output=True, text=True, timeout=900, check=False
    )
    assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-2000:]

    built = load_template(BUILD / "template.yaml")
    functions = {
        name: resource["Properties"]
        for name, resource in built["Resources"].items()
        if resource["Type"] == "AWS::Serverless::Function"
    }
    assert len(functions) >= 20
    for name, properties in functions.items():
        package = BUILD / properties["CodeUri"]
        module, _, _ = properties["Handler"].rpartition(".")
        assert (package / (module.replace(".", "/") + ".py")).is_file(), name
        (core,) = (package / "pydantic_core").glob("_pydantic_core.*.so")
        assert core.name.endswith("cpython-311-aarch64-linux-gnu.so"), name
        assert (package / "aws_lambda_powertools").is_dir(), name
        assert not (package / "moto").exists(), name  # the local cloud's dependencies stay out
        assert tooling_in(package) == [], name  # and the tooling itself (issue 15): CLI, local cloud, docs
        compiled = package / module.rpartition(".")[0].replace(".", "/") / "__pycache__"
        assert list(compiled.glob(f"{module.rpartition('.')[2]}.cpython-311.pyc")), name  # bytecode shipped
    requirements = (ROOT / "src" / "requirements.txt").read_text()
    assert "aws-lambda-powertools==" in requirements
    assert "moto" not in requirements


# what the Lambda runtime imports (pyproject's first three dependencies); the rest is the local cloud's
RUNTIME = {
    "aws-lambda-powertools",
    "boto3",
    "ijson",
    "joserfc",
    "pydantic",
}  # ijson: uploads; joserfc: tokens
SAM_VERSION = re.search(r"^SAM_CLI_VERSION := (\S+)$", (ROOT / "Makefile").read_text(), re.MULTILINE)
SAM_CLI = ["uv", "tool", "run", "--from", f"aws-sam-cli=={SAM_VERSION and SAM_VERSION[1]}", "sam"]


def test_the_committed_requirements_are_uv_locks_runtime_dependencies(tmp_path: Path) -> None:
    exported = tmp_path / "requirements.txt"
    done = subprocess.run(
        ["make", "-s", "requirements", f"REQUIREMENTS={exported}"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr

    committed = (ROOT / "src" / "requirements.txt").read_text()
    assert committed == exported.read_text(), (
        "src/requirements.txt drifted from uv.lock: run make requirements"
    )
    direct = {
        line.split("==")[0]
        for line, via in zip(committed.splitlines(), committed.splitlines()[1:], strict=False)
        if "==" in line and via.strip() == "# via patron"
    }
    assert direct == RUNTIME  # a new local-cloud dependency belongs in the Makefile's LAMBDA_PRUNE


def test_plain_sam_build_from_a_fresh_clone_packages_the_runtime(tmp_path: Path) -> None:
    # Given a fresh clone: the tracked files only (nothing `make` generates)
    tracked = subprocess.run(
        ["git", "ls-files", "-z"], cwd=ROOT, capture_output=True, check=True
    ).stdout.decode()
    for name in filter(None, tracked.split("\0")):
        source, copy = ROOT / name, tmp_path / name
        if source.is_file() and not name.startswith(("web/", "docs/", "bench/")):
            copy.parent.mkdir(parents=True, exist_ok=True)
            copy.write_bytes(source.read_bytes())

    # When SAM builds one function as `sam build` would, without make (one: they share one package)
    done = subprocess.run(
        [*SAM_CLI, "build", "PutCustomerIdFunction"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=900,
        check=False,
        env={**os.environ, "SAM_CLI_TELEMETRY": "0", "UV_PYTHON_DOWNLOADS": "never"},
    )
    assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-2000:]

    # Then its package holds the handler and every runtime dependency, for arm64
    package = tmp_path / ".aws-sam" / "build" / "PutCustomerIdFunction"
    assert (package / "patron" / "ids" / "handlers.py").is_file()
    assert (package / "aws_lambda_powertools").is_dir()
    assert (package / "boto3").is_dir()
    (core,) = (package / "pydantic_core").glob("_pydantic_core.*.so")
    assert core.name.endswith("cpython-311-aarch64-linux-gnu.so")
    assert not (package / "moto").exists()
    assert tooling_in(package) == []
