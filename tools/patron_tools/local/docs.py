"""/docs: Swagger UI over the OpenAPI document of every API, its assets served from the
swagger-ui-bundle package (no internet needed)."""

from __future__ import annotations

import json
import mimetypes
from functools import cache
from pathlib import Path

import swagger_ui_bundle
from werkzeug.wrappers import Request, Response

from patron_tools.local import openapi
from patron_tools.local.template import Template

ASSETS = Path(swagger_ui_bundle.swagger_ui_path)

PAGE = """<!doctype html>
<html lang="en">
<head>
  <meta charset="utf-8">
  <title>Patron API docs</title>
  <link rel="stylesheet" href="/docs/assets/swagger-ui.css">
</head>
<body>
  <div id="swagger-ui"></div>
  <script src="/docs/assets/swagger-ui-bundle.js"></script>
  <script src="/docs/assets/swagger-ui-standalone-preset.js"></script>
  <script>
    window.ui = SwaggerUIBundle({
      urls: __URLS__,
      dom_id: "#swagger-ui",
      presets: [SwaggerUIBundle.presets.apis, SwaggerUIStandalonePreset],
      layout: "StandaloneLayout",
      persistAuthorization: true
    });
  </script>
</body>
</html>
"""


class Docs:
    def __init__(self, template: Template) -> None:
        self.template = template
        self.base_paths = [api.base_path for api in template.apis().values()]

    @cache  # noqa: B019 - one Docs per process; documents are generated once from the code
    def document(self, base_path: str) -> str:
        return openapi.render(openapi.document(self.template, base_path))

    def __call__(self, request: Request) -> Response:
        path = request.path.removeprefix("/docs").strip("/")
        if path in ("", "index.html"):
            urls = [{"url": f"/docs/openapi/{name}.json", "name": name} for name in self.base_paths]
            return Response(PAGE.replace("__URLS__", json.dumps(urls)), content_type="text/html")
        if (
            path.startswith("openapi/")
            and path.removeprefix("openapi/").removesuffix(".json") in self.base_paths
        ):
            return Response(
                self.document(path.removeprefix("openapi/").removesuffix(".json")),
                content_type="application/json",
            )
        if path.startswith("assets/"):
            asset = (ASSETS / path.removeprefix("assets/")).resolve()
            if asset.parent == ASSETS.resolve() and asset.is_file():
                content_type = mimetypes.guess_type(asset.name)[0] or "application/octet-stream"
                return Response(asset.read_bytes(), content_type=content_type)
        return Response(json.dumps({"message": "Not Found"}), status=404, content_type="application/json")
