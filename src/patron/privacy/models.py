"""Models of the privacy service (SPEC §1.6): the request body (each identifier validated as the
service that owns it validates it), the request as returned, and what the tasks pass between them."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, model_validator

from patron.core.types import Email
from patron.enrollment.models import Cpf
from patron.identity.access import Principal
from patron.ids.models import CustomerId

RequestType = Literal["export", "erase"]
RequestStatus = Literal["RUNNING", "SUCCEEDED", "FAILED"]
Service = Literal["crm", "enrollment", "marketing", "ids"]
SERVICES: tuple[Service, ...] = ("crm", "enrollment", "marketing", "ids")
IDENTIFIERS = ("email", "cpf", "customer_id", "id")

UUID_PATTERN = r"^[0-9A-Fa-f]{8}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{12}$"
CrmCustomerId = Annotated[str, StringConstraints(strip_whitespace=True, to_lower=True, pattern=UUID_PATTERN)]


class PrivacyRequestInput(BaseModel):
    """The body of `POST /requests`: the request's type and at least one identifier of the person."""

    model_config = ConfigDict(extra="forbid")

    type: RequestType
    email: Email | None = Field(default=None, description="crm customers and marketing interests")
    cpf: Cpf | None = Field(default=None, description="enrollments ('.' and '-' separators allowed)")
    customer_id: CrmCustomerId | None = Field(default=None, description="a crm customer's id (UUID)")
    id: CustomerId | None = Field(default=None, description="an entry of the ids registry")

    @model_validator(mode="after")
    def _at_least_one_identifier(self) -> PrivacyRequestInput:
        if all(getattr(self, name) is None for name in IDENTIFIERS):
            raise ValueError("must give at least one identifier: email, cpf, customer_id or id")
        return self


class Subject(BaseModel):
    """The person's identifiers, normalised as each service stores them (e-mail lower-cased, CPF
    digits only). Kept in a short-lived private S3 object, never in the execution's input."""

    email: str | None = None
    cpf: str | None = None
    customer_id: str | None = None
    id: str | None = None


class PrivacyRequestAccepted(BaseModel):
    request_id: str
    type: RequestType
    status: RequestStatus = "RUNNING"


class Found(BaseModel):
    crm: int = 0
    enrollment: int = 0
    marketing: int = 0
    ids: int = 0


class RequestedBy(BaseModel):
    """Who submitted a request (SPEC §1.7): a user (their `sub` and username) or a machine client."""

    kind: Literal["user", "client"]
    sub: str = Field(description="The user's sub, or the client's id for a machine client")
    username: str | None = None
    client_id: str = Field(description="The app client the token was issued to")

    @classmethod
    def of(cls, principal: Principal) -> RequestedBy:
        kind: Literal["user", "client"] = "user" if principal.username is not None else "client"
        return cls(kind=kind, sub=principal.sub, username=principal.username, client_id=principal.client_id)


class PrivacyRequest(BaseModel):
    """A request as `GET /requests/{request_id}` returns it."""

    request_id: str
    type: RequestType
    status: RequestStatus
    found: Found
    export_url: str | None = Field(
        default=None, description="A presigned GET of the export (export only), valid 15 minutes or more"
    )
    submitted_at: str
    completed_at: str | None = None
    requested_by: RequestedBy | None = Field(
        default=None, description="Who submitted the request (null for requests recorded before identity)"
    )


class TaskInput(BaseModel):
    """What the state machine passes each task: no personal data, only the request's reference."""

    model_config = ConfigDict(extra="ignore")

    request_id: str
    type: RequestType
    started_at: str = Field(description="The execution's start time (ISO 8601)")


class TaskResult(BaseModel):
    """One service's part as the Parallel state returns it: a failed part (caught in its branch after
    its retries) has `error`, the error's name."""

    service: Service
    found: int
    error: str | None = None


class FinishInput(TaskInput):
    results: list[TaskResult] = []
    failure: dict[str, Any] | None = None
