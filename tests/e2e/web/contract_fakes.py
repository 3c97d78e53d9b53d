"""In-browser stand-ins for the crm, enrollment and marketing APIs, answering exactly as SPEC
§1.2 to §1.4 say (paths, bodies, status codes, error shape), installed with Playwright's request
routing. They let the console's pages be driven before those services are part of `patron dev`;
every test that uses them also runs against the real service once `/health` lists it."""

from __future__ import annotations

import json
import re
import uuid
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit

from playwright.sync_api import Page, Route

SERVICES = ("crm", "enrollment", "marketing")
CUSTOMER_FIELDS = {
    "first_name",
    "last_name",
    "email_address",
    "phone_number",
    "date_of_birth",
    "address",
    "city",
    "state",
    "postal_code",
    "customer_acquisition_date",
    "preferred_communication_channels",
    "is_loyalty_member",
    "customer_status",
    "lifetime_value",
}
SAMPLE_NAMES = ["Ana Silva", "Ben Okafor", "Chloe Martin", "Dev Patel", "Eva Novak",
                "Femi Adeyemi", "Grace Kim", "Hugo Laurent", "Iris Tanaka", "Jon Berg"]  # fmt: skip


def error(code: str, message: str, details: list[dict[str, str]] | None = None) -> dict[str, Any]:
    """The error body of SPEC §1: the message at the top level and in `error`."""
    body: dict[str, Any] = {"code": code, "message": message}
    if details:
        body["details"] = details
    return {"message": message, "error": body}


def invalid(details: list[dict[str, str]]) -> tuple[int, Any]:
    summary = "; ".join(f"{d['field']} {d['message']}" for d in details)
    return 400, error("invalid_request", f"The request is not valid: {summary}.", details)


def not_found(what: str) -> tuple[int, Any]:
    return 404, error("not_found", f"{what} was not found.")


@dataclass
class ContractFakes:
    customers: dict[str, dict[str, Any]] = field(default_factory=dict)
    age_groups: dict[str, dict[str, Any]] = field(default_factory=dict)
    enrollments: dict[str, dict[str, Any]] = field(default_factory=dict)
    executions: dict[str, dict[str, Any]] = field(default_factory=dict)
    preferences: dict[str, dict[str, Any]] = field(default_factory=dict)
    polls_until_done: int = 2  # an enrollment / execution reads as PENDING / RUNNING this many times

    def install(self, page: Page, config: dict[str, Any], services: tuple[str, ...] = SERVICES) -> None:
        """Plays `services` in `page`, and adds them to the config.json the page gets."""
        apis = {**config["apis"], **{service: f"/{service}" for service in services}}
        page.route("**/config.json", lambda route: route.fulfill(json={**config, "apis": apis}))
        page.route(re.compile(rf"^https?://[^/]+/({'|'.join(services)})(/[^?]*)?(\?.*)?$"), self.handle)

    def handle(self, route: Route) -> None:
        request = route.request
        if request.method == "OPTIONS":
            route.fulfill(status=204)
            return
        url = urlsplit(request.url)
        service, _, path = url.path.lstrip("/").partition("/")
        body = json.loads(request.post_data) if request.post_data else None
        query = {k: v[0] for k, v in parse_qs(url.query).items()}
        status, payload = getattr(self, service)(request.method, "/" + path, body, query)
        if payload is None:
            route.fulfill(status=status)
        else:
            route.fulfill(status=status, json=payload)

    # ---------------------------------------------------------------- crm (SPEC §1.2)
    def crm(self, method: str, path: str, body: Any, query: dict[str, str]) -> tuple[int, Any]:
        match = re.fullmatch(r"/customers/([^/]+)", path)
        if path == "/customers" and method == "GET":
            rows = sorted(self.customers.values(), key=lambda c: (c["last_name"], c["customer_id"]))
            if query.get("status"):
                rows = [c for c in rows if c["customer_status"] == query["status"]]
            if query.get("email"):
                rows = [c for c in rows if c["email_address"].lower() == query["email"].lower()]
            start, limit = int(query.get("next_token") or 0), int(query.get("limit") or 50)
            following = start + limit if start + limit < len(rows) else None
            return 200, {"customers": rows[start : start + limit], "next_token": following and str(following)}
        if path == "/customers" and method == "POST":
            return self.save_customer(None, body)
        if path == "/seed" and method == "POST":
            created = []
            for name in SAMPLE_NAMES:
                first, last = name.split()
                email = f"{first}.{last}@example.com".lower()
                if not any(c["email_address"] == email for c in self.customers.values()):
                    created.append(
                        self.save_customer(
                            None, {"first_name": first, "last_name": last, "email_address": email}
                        )[1]
                    )
            return 201, {"created": len(created), "customers": created}
        if match:
            customer_id = unquote(match.group(1))
            if customer_id not in self.customers:
                return not_found("The customer")
            if method == "GET":
                return 200, self.customers[customer_id]
            if method in ("PUT", "PATCH"):
                return self.save_customer(customer_id, body)
            if method == "DELETE":
                del self.customers[customer_id]
                return 204, None
        return 403, {"message": "Missing Authentication Token"}

    def save_customer(self, customer_id: str | None, body: Any) -> tuple[int, Any]:
        if not isinstance(body, dict):
            return invalid([{"field": "body", "message": "must be a JSON object"}])
        details = [
            {"field": name, "message": "unknown field"} for name in body if name not in CUSTOMER_FIELDS
        ]
        required = ("first_name", "last_name", "email_address") if customer_id is None else ()
        details += [{"field": name, "message": "is required"} for name in required if name not in body]
        email = body.get("email_address")
        if email is not None and not re.fullmatch(r"[^@\s]+@[^@\s]+\.[^@\s]+", str(email)):
            details.append({"field": "email_address", "message": "is not a valid e-mail address"})
        value = body.get("lifetime_value", 0)
        if isinstance(value, bool) or not isinstance(value, int | float) or value < 0:
            details.append({"field": "lifetime_value", "message": "must be at least 0"})
        if details:
            return invalid(details)
        if email and any(
            c["email_address"].lower() == str(email).lower() and c["customer_id"] != customer_id
            for c in self.customers.values()
        ):
            return 409, error("conflict", "A customer with that e-mail address exists.")
        if customer_id is None:
            customer = {
                "customer_id": str(uuid.uuid4()),
                "customer_acquisition_date": "2026-11-22T10:00:00Z",
                "preferred_communication_channels": [],
                "is_loyalty_member": "n",
                "customer_status": "active",
                "lifetime_value": 0,
                **body,
            }
            self.customers[customer["customer_id"]] = customer
            return 201, customer
        self.customers[customer_id].update(body)
        return 200, self.customers[customer_id]

    # ---------------------------------------------------------------- enrollment (SPEC §1.3)
    def enrollment(self, method: str, path: str, body: Any, query: dict[str, str]) -> tuple[int, Any]:
        if path == "/age-groups" and method == "GET":
            return 200, list(self.age_groups.values())
        if path == "/age-groups" and method == "POST":
            low, high = (body or {}).get("min_age"), (body or {}).get("max_age")
            details = [
                {"field": name, "message": "Input should be a valid integer"}
                for name, value in (("min_age", low), ("max_age", high))
                if isinstance(value, bool) or not isinstance(value, int)
            ]
            if not details and not 0 <= low <= high <= 150:  # type: ignore[operator]
                details = [{"field": "max_age", "message": "0 <= min_age <= max_age <= 150"}]
            if details:
                return invalid(details)
            group = {"id": str(uuid.uuid4()), "min_age": low, "max_age": high}
            self.age_groups[group["id"]] = group
            return 201, group
        if match := re.fullmatch(r"/age-groups/([^/]+)", path):
            if self.age_groups.pop(unquote(match.group(1)), None) is None:
                return not_found("The age group")
            return 200, {"message": "Age group deleted"}
        if path == "/enrollments" and method == "POST":
            age = (body or {}).get("age")
            if isinstance(age, bool) or not isinstance(age, int):
                return invalid([{"field": "age", "message": "Input should be a valid integer"}])
            if not any(g["min_age"] <= age <= g["max_age"] for g in self.age_groups.values()):
                return invalid([{"field": "age", "message": f"No age group includes age {age}."}])
            enrollment = {"enrollment_id": str(uuid.uuid4()), "status": "PENDING", "polls": 0, **body}
            self.enrollments[enrollment["enrollment_id"]] = enrollment
            return 202, {"enrollment_id": enrollment["enrollment_id"], "status": "PENDING"}
        if match := re.fullmatch(r"/enrollments/([^/]+)", path):
            enrollment = self.enrollments.get(unquote(match.group(1)))
            if enrollment is None:
                return not_found("The enrollment")
            enrollment["polls"] += 1
            if enrollment["polls"] > self.polls_until_done:
                enrollment.update(status="PROCESSED", processed_at="2026-11-22T10:00:04Z")
            return 200, {k: v for k, v in enrollment.items() if k != "polls"}
        return 403, {"message": "Missing Authentication Token"}

    # ---------------------------------------------------------------- marketing (SPEC §1.4)
    def marketing(self, method: str, path: str, body: Any, query: dict[str, str]) -> tuple[int, Any]:
        if path == "/preferences" and method == "POST":
            name = str(uuid.uuid4())
            self.executions[name] = {"polls": 0, "output": self.run_pipeline(body)}
            return 202, {
                "executionArn": f"arn:aws:states:us-east-1:123456789012:execution:mkt:{name}",
                "executionName": name,
            }
        if match := re.fullmatch(r"/executions/([^/]+)", path):
            execution = self.executions.get(unquote(match.group(1)))
            if execution is None:
                return not_found("The execution")
            execution["polls"] += 1
            if execution["polls"] <= self.polls_until_done:
                return 200, {"status": "RUNNING", "output": None}
            return 200, {"status": "SUCCEEDED", "output": execution["output"]}
        if match := re.fullmatch(r"/preferences/([^/]+)", path):
            stored = self.preferences.get(unquote(match.group(1)).strip().lower())
            return (200, stored) if stored else not_found("The e-mail")
        return 403, {"message": "Missing Authentication Token"}

    def run_pipeline(self, records: list[Any]) -> dict[str, Any]:
        rejected, valid = [], []
        for index, record in enumerate(records):
            errors = []
            if not isinstance(record.get("Name"), str) or not record["Name"]:
                errors.append("Name must be a non-empty string")
            if not re.fullmatch(r"[^@\s]+@[^@\s]+\.[^@\s]+", str(record.get("Email", ""))):
                errors.append("Email is not a valid e-mail address")
            if not isinstance(record.get("MarketingOptIn"), bool):
                errors.append("MarketingOptIn must be a boolean")
            (rejected if errors else valid).append({"index": index, "errors": errors} if errors else record)
        latest = {str(r["Email"]).strip().lower(): r for r in valid}  # the last occurrence wins
        stored = opted_out = 0
        for email, record in latest.items():
            if record["MarketingOptIn"]:
                self.preferences[email] = {"Email": email, "Name": record["Name"],
                                           "MarketingInterests": record["MarketingInterests"]}  # fmt: skip
                stored += 1
            else:
                self.preferences.pop(email, None)
                opted_out += 1
        return {"received": len(records), "valid": len(valid), "rejected": rejected,
                "duplicates_removed": len(valid) - len(latest), "stored": stored, "opted_out": opted_out}  # fmt: skip
