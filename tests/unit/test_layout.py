"""The layout's rule (docs/code.md, STYLE.md): the runtime (src/patron, what `sam build` packages) never
imports the tooling (tools/patron_tools: the CLI, the local cloud, the document generators)."""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def imported_modules(path: Path) -> set[str]:
    tree = ast.parse(path.read_text())
    names = {alias.name for node in ast.walk(tree) if isinstance(node, ast.Import) for alias in node.names}
    return names | {
        node.module for node in ast.walk(tree) if isinstance(node, ast.ImportFrom) and node.module
    }


def test_the_runtime_never_imports_the_tooling() -> None:
    offenders = {
        str(path.relative_to(ROOT)): sorted(
            m for m in imported_modules(path) if m.split(".")[0] == "patron_tools"
        )
        for path in (ROOT / "src").rglob("*.py")
    }

    assert {path: modules for path, modules in offenders.items() if modules} == {}
    assert len(offenders) > 30  # the walk saw the runtime


def test_no_tooling_lives_where_sam_build_packages() -> None:
    runtime = {path.relative_to(ROOT / "src").parts[0] for path in (ROOT / "src").iterdir()}

    assert runtime == {"patron", "requirements.txt"}
    assert not (ROOT / "src" / "patron" / "local").exists()
    assert not (ROOT / "src" / "patron" / "cli.py").exists()
