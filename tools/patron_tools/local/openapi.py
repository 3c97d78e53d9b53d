"""OpenAPI documents generated from the code: for each API of the template, the Powertools resolvers
(`app`) of the handler modules its routes run, with the platform's real error contract (400 instead
of Powertools' 422, API Gateway's 403/413, the API key scheme). Committed under docs/openapi/ and
drift-tested, with the console's TypeScript types generated from them (web/src/openapi/, by
openapi-typescript, pinned in web/package.json)."""

from __future__ import annotations

import importlib
import json
import shutil
import subprocess  # nosec B404
from pathlib import Path
from typing import Any

from pydantic import BaseModel

from patron.core.api import ErrorResponse, GatewayError
from patron.identity import access
from patron_tools.local.template import ROOT, Template

OPENAPI_DIR = ROOT / "docs" / "openapi"
TYPES_DIR = ROOT / "web" / "src" / "openapi"
GENERATOR = ROOT / "web" / "node_modules" / "openapi-typescript" / "bin" / "cli.js"
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
    # Powertools' 422 bodies, replaced by the platform's 400 (ResponseValidationError is listed although no
    # response uses it, and refers to ValidationError)
    for name in ("HTTPValidationError", "ValidationError", "ResponseValidationError"):
        schemas.pop(name, None)
    for model in (ErrorResponse, GatewayError):
        model_schema = model.model_json_schema(ref_template="#/components/schemas/{model}")
        schemas.update(model_schema.pop("$defs", {}))
        schemas[model.__name__] = model_schema
    components["securitySchemes"] = security_schemes()
    doc.pop("security", None)  # each operation names its own (identity.access)
    for path, operations in doc.get("paths", {}).items():
        for method, operation in operations.items():
            rule = access.rule(base_path, method, path)
            if rule is None:
                raise LookupError(
                    f"{method.upper()} /{base_path}{path} has no rule in patron.identity.access"
                )
            # the key and a user's token (of a role the rule names), or the key and a client's token with
            # one of the route's scopes (OpenAPI: the list is "or", each object "and")
            operation["security"] = [{"api_key": [], "bearer": []}] + [
                {"api_key": [], "client_credentials": [scope]} for scope in sorted(rule.scopes)
            ]
            operation["x-patron-roles"] = sorted(rule.groups)
            who = (
                f"Roles: {', '.join(sorted(rule.groups))}; machine clients: {', '.join(sorted(rule.scopes))}."
            )
            operation["description"] = (
                f"{operation['description']}\n\n{who}" if operation.get("description") else who
            )
            responses = operation.setdefault("responses", {})
            responses.pop("422", None)
            responses["400"] = _json("Invalid input", ErrorResponse)
            responses["401"] = _json("No access token, or not a valid access token of the pool", GatewayError)
            responses["403"] = _json(
                "Missing or wrong API key, or a role or scope the route does not allow", GatewayError
            )
            if "requestBody" in operation:
                responses["413"] = _json("Payload too large", GatewayError)
                responses["415"] = _json("The body is not application/json", ErrorResponse)
    return doc


def security_schemes() -> dict[str, Any]:
    """The API key, a user's access token (Swagger UI's Authorize: paste `patron token`), and a machine
    client's token from the pool's token endpoint (patron dev serves it at /oauth2/token)."""
    return {
        "api_key": {"type": "apiKey", "name": "x-api-key", "in": "header"},
        "bearer": {
            "type": "http",
            "scheme": "bearer",
            "bearerFormat": "JWT",
            "description": "An access token of the stage's Cognito user pool (locally: `patron token`).",
        },
        "client_credentials": {
            "type": "oauth2",
            "description": "A machine client of the pool (OAuth 2.0 client-credentials grant).",
            "flows": {
                "clientCredentials": {
                    "tokenUrl": "/oauth2/token",
                    "scopes": {scope: f"{scope.split('/')[1]}" for scope in access.scopes()},
                }
            },
        },
    }


def render(doc: dict[str, Any]) -> str:
    return json.dumps(doc, indent=2, ensure_ascii=False) + "\n"


def path_of(base_path: str, directory: Path = OPENAPI_DIR) -> Path:
    return directory / f"{base_path}.json"


class GeneratorMissing(RuntimeError):
    """web/node_modules lacks openapi-typescript, or node is not on PATH (`make openapi` installs it)."""


def typescript(doc: dict[str, Any], base_path: str) -> str:
    """The TypeScript types of one rendered document, as openapi-typescript writes them (`paths`,
    `components["schemas"]` ...), under a line naming their source. Raises GeneratorMissing."""
    node = shutil.which("node")
    if node is None or not GENERATOR.is_file():
        raise GeneratorMissing(
            f"{GENERATOR.relative_to(ROOT)} or node is missing: run `make openapi` (npm ci in web/)"
        )
    # node on the openapi-typescript that web/package-lock.json pins; the document on stdin
    generated = subprocess.run(  # noqa: S603 # nosec B603
        [node, str(GENERATOR)],
        input=render(doc),
        capture_output=True,
        text=True,
        check=True,
        cwd=ROOT / "web",
    )
    source = path_of(base_path).relative_to(ROOT)
    return (
        f"// generated from {source} by `patron openapi` (openapi-typescript); do not edit\n"
        + generated.stdout
    )


def types_path_of(base_path: str) -> Path:
    return TYPES_DIR / f"{base_path}.ts"


ACCESS_PATH = TYPES_DIR / "access.ts"


def access_typescript() -> str:
    """Which roles may read (every GET) and write (everything else) each API, from `identity.access`:
    the console shows a page or a control only to a role the APIs will let through."""
    services: dict[str, dict[str, set[str]]] = {}
    for (service, method, _), rule in access.ROUTES.items():
        kind = "read" if method == "GET" else "write"
        services.setdefault(service, {"read": set(), "write": set()})[kind] |= rule.groups
    body = ",\n".join(
        f"  {service}: {{ read: {json.dumps(sorted(kinds['read']))}, write: {json.dumps(sorted(kinds['write']))} }}"
        for service, kinds in sorted(services.items())
    )
    return (
        "// generated from src/patron/identity/access.py by `patron openapi`; do not edit\n"
        "// the Cognito groups that may call each API's reads (GET) and writes (every other method)\n"
        f"export const ACCESS = {{\n{body},\n}} as const;\n"
    )


def generated(template: Template, types: bool = True) -> dict[Path, str]:
    """Every generated file and its text: docs/openapi/<api>.json and, with `types`, web/src/openapi/<api>.ts."""
    files = {}
    for api in template.apis().values():
        doc = document(template, api.base_path)
        files[path_of(api.base_path)] = render(doc)
        if types:
            files[types_path_of(api.base_path)] = typescript(doc, api.base_path)
    if types:
        files[ACCESS_PATH] = access_typescript()
    return files


def write_all(template: Template) -> list[Path]:
    files = generated(template)
    for path, text in files.items():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    return list(files)


def stale(template: Template) -> list[Path]:
    """The generated files whose committed text differs from what the code generates now."""
    return [
        path for path, text in generated(template).items() if not path.exists() or path.read_text() != text
    ]
