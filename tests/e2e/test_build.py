"""`make build` on this machine, offline of AWS: SAM CLI (pinned, through uvx) packages every function
for Lambda's arm64 Python runtime, with the runtime dependencies of uv.lock and none of the local cloud's,
compiled to bytecode."""

from __future__ import annotations

import subprocess
from pathlib import Path

from patron.local.template import load_template

ROOT = Path(__file__).resolve().parents[2]
BUILD = ROOT / ".aws-sam" / "build"


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
        compiled = package / module.rpartition(".")[0].replace(".", "/") / "__pycache__"
        assert list(compiled.glob(f"{module.rpartition('.')[2]}.cpython-311.pyc")), name  # bytecode shipped
    requirements = (ROOT / "src" / "requirements.txt").read_text()
    assert "aws-lambda-powertools==" in requirements
    assert "moto" not in requirements
