"""OpenAPI documents generated from the code: for each API of the template, the Powertools resolvers
(`app`) of the handler modules its routes run, with the platform's real error contract (400 instead
of Powertools' 422, API Gateway's 403/413, the API key scheme). Committed under docs/openapi/ and
drift-tested."""

from __future__ import annotations

import importlib
import json
from pathlib import Path
from typing import Any

from pydantic import BaseModel

from patron.core.api import ErrorResponse, GatewayError
from patron_tools.local.template import ROOT, Template

OPENAPI_DIR = ROOT / "docs" / "openapi"
TITLES = {
    "ids": "Patron ids — customer-ID registry",
    "crm": "Patron crm — customer management",
    "enrollment": "Patron enrollment — age groups and enrollments",
    "marketing": "Patron marketing — marketing preferences",
    "privacy": "Patron privacy — data-subject requests (export, erasure)",
}


def _ref(model: type[BaseModel]) -> dict[str, Any]:
    return {"$ref": f"#/components/schemas/{model.__name__}"}


def _json(description: str, model: type[BaseModel]) -> dict[str, Any]:
    return {"description": description, "content": {"application/json": {"schema": _ref(model)}}}


def document(template: Template, base_path: str) -> dict[str, Any]:
    api = next(api for api in template.apis().values() if api.base_path == base_path)
    functions = template.functions()
    modules = sorted(
        {
            functions[route.function].handler.rsplit(".", 1)[0]
            for route in template.routes()
            if route.api == api.logical_id
        }
    )
    doc: dict[str, Any] = {}
    for module_name in modules:
        app = importlib.import_module(module_name).app
        schema = app.get_openapi_schema(title=TITLES.get(base_path, base_path), version="1.0.0")
        part = schema.model_dump(mode="json", by_alias=True, exclude_none=True)
        if not doc:
            doc = part
        else:
            doc["paths"].update(part.get("paths", {}))
            doc.setdefault("components", {}).setdefault("schemas", {}).update(
                part.get("components", {}).get("schemas", {})
            )
    return with_platform_contract(doc, base_path)


def with_platform_contract(doc: dict[str, Any], base_path: str) -> dict[str, Any]:
    doc["servers"] = [
        {"url": f"/{base_path}", "description": "patron dev (local); on AWS, the stack's API URL"}
    ]
    components = doc.setdefault("components", {})
    schemas = components.setdefault("schemas", {})
    for name in ("HTTPValidationError", "ValidationError"):
        schemas.pop(name, None)
    for model in (ErrorResponse, GatewayError):
        model_schema = model.model_json_schema(ref_template="#/components/schemas/{model}")
        schemas.update(model_schema.pop("$defs", {}))
        schemas[model.__name__] = model_schema
    components["securitySchemes"] = {"api_key": {"type": "apiKey", "name": "x-api-key", "in": "header"}}
    doc["security"] = [{"api_key": []}]
    for operations in doc.get("paths", {}).values():
        for operation in operations.values():
            responses = operation.setdefault("responses", {})
            responses.pop("422", None)
            responses["400"] = _json("Invalid input", ErrorResponse)
            responses["403"] = _json("Missing or wrong API key", GatewayError)
            if "requestBody" in operation:
                responses["413"] = _json("Payload too large", GatewayError)
                responses["415"] = _json("The body is not application/json", ErrorResponse)
    return doc


def render(doc: dict[str, Any]) -> str:
    return json.dumps(doc, indent=2, ensure_ascii=False) + "\n"


def path_of(base_path: str, directory: Path = OPENAPI_DIR) -> Path:
    return directory / f"{base_path}.json"


def write_all(template: Template, directory: Path = OPENAPI_DIR) -> list[Path]:
    directory.mkdir(parents=True, exist_ok=True)
    written = []
    for api in template.apis().values():
        path = path_of(api.base_path, directory)
        path.write_text(render(document(template, api.base_path)))
        written.append(path)
    return written
