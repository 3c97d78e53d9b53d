"""The console's API types (web/src/openapi/*.ts) are what openapi-typescript generates from the
OpenAPI documents the code generates (run `make openapi` after a change). Here, beside the browser
tests, because it needs node and web/node_modules, which `make console` installs."""

from __future__ import annotations

import pytest

from patron_tools.local import openapi
from patron_tools.local.template import Template


@pytest.mark.parametrize("base_path", [api.base_path for api in Template().apis().values()])
def test_committed_types_match_the_documents(console_built: None, template: Template, base_path: str) -> None:
    committed = openapi.types_path_of(base_path).read_text()

    generated = openapi.typescript(openapi.document(template, base_path), base_path)

    assert committed == generated, "run `make openapi`"
    assert "export interface components" in generated
