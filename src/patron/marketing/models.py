"""Models of the marketing service (SPEC §1.4)."""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    RootModel,
    StrictBool,
    StrictStr,
    StringConstraints,
    ValidationError,
    model_validator,
)
from pydantic_core import PydanticCustomError

from patron.core.types import TrimmedEmail

Interest = Annotated[StrictStr, StringConstraints(min_length=1)]


class MarketingRecord(BaseModel):
    """One customer's choice. Extra fields are ignored (SPEC §1.4)."""

    model_config = ConfigDict(extra="ignore")

    Name: Annotated[StrictStr, StringConstraints(min_length=1, max_length=200)]
    Email: TrimmedEmail
    MarketingOptIn: StrictBool
    MarketingInterests: list[Interest]


class RecordError(BaseModel):
    field: str
    message: str


class Rejected(BaseModel):
    index: int
    errors: list[RecordError]


REJECTED_SHOWN = 100  # rejections listed in an execution's output; all of them are in the report


class ObjectRef(BaseModel):
    """An object in the batches bucket: records, a rejection report or a whole state too large for Step
    Functions (256 KB)."""

    bucket: str
    key: str


class Counts(BaseModel):
    """What every execution summary holds: counts, and the first `REJECTED_SHOWN` rejections by index."""

    received: int
    valid: int
    rejected: list[Rejected] = Field(description=f"The first {REJECTED_SHOWN} rejections, by index")
    rejected_count: int = Field(description="All rejections, also those not listed in `rejected`")
    duplicates_removed: int
    stored: int
    opted_out: int

    @model_validator(mode="before")
    @classmethod
    def _count_legacy_output(cls, data: Any) -> Any:
        """Outputs of executions run before `rejected_count` existed listed every rejection."""
        if isinstance(data, dict) and "rejected_count" not in data and isinstance(data.get("rejected"), list):
            return {**data, "rejected_count": len(data["rejected"])}
        return data


class Summary(Counts):
    """The state machine's output (StoreMarketingInterests): the full rejection report is an object in the
    batches bucket, presigned when the API reads the execution."""

    rejected_report: ObjectRef | None = None


class ExecutionSummary(Counts):
    """An execution's output as `GET /executions/{name}` answers it (SPEC §1.4)."""

    rejected_report_url: str | None = Field(
        description="A presigned GET of every rejection as a JSON array, valid 15 minutes or more; null "
        "when `rejected` lists them all"
    )


class PipelineState(BaseModel):
    """The state passed from step to step. Records travel as JSON Lines objects in the batches bucket, so
    the state stays far below Step Functions' 256 KB whatever the batch size."""

    received: int
    rejected: list[Rejected]
    rejected_count: int
    rejected_report: ObjectRef | None
    records: ObjectRef = Field(description="The records still in play, one JSON object per line")
    valid: int
    duplicates_removed: int = 0


class StoredInterests(BaseModel):
    """A stored item as returned. Items the original pipeline (brief 000) or another tool wrote may lack
    `updated_at` or `Name` (null then) or hold the interests as a string set."""

    Email: str
    Name: str | None = Field(default=None, description="null for items written without it")
    MarketingInterests: list[str] = Field(default_factory=list)
    updated_at: str | None = Field(default=None, description="null for items written without it")


EXECUTION_NAME = r"^[A-Za-z0-9_.-]{1,80}$"  # a subset of Step Functions' names, safe in a URL path


class ExecutionRequest(BaseModel):
    """The brief's StartExecution pass-through body."""

    model_config = ConfigDict(extra="forbid")

    input: StrictStr = Field(description="The batch: a JSON array of records, as a string")
    stateMachineArn: StrictStr | None = Field(
        default=None, description="Optional; must be this stack's machine"
    )
    name: Annotated[StrictStr, StringConstraints(pattern=EXECUTION_NAME)] | None = Field(
        default=None,
        description="Optional execution name: the same name and input start one execution; another input "
        "under a taken name is a 409",
    )


class ExecutionStarted(BaseModel):
    executionArn: str
    startDate: float = Field(description="Epoch seconds, as StartExecution returns it")


class UploadReference(BaseModel):
    """`POST /preferences` of a batch uploaded through `POST /uploads`."""

    model_config = ConfigDict(extra="forbid")

    upload_id: Annotated[StrictStr, StringConstraints(pattern=r"^[0-9a-f]{32}$")] = Field(
        description="The `upload_id` of `POST /uploads`, once the batch was PUT to its `upload_url`"
    )


class PreferencesBatch(RootModel[list[Any] | UploadReference]):
    """`POST /preferences`: the records themselves, or `{"upload_id"}` of an uploaded batch."""

    @model_validator(mode="before")
    @classmethod
    def _array_or_upload(cls, value: Any) -> Any:
        """One clear reason instead of one per member of the union."""
        if isinstance(value, list):
            return value
        try:
            return UploadReference.model_validate(value)
        except ValidationError:
            raise PydanticCustomError(
                "batch", "must be a JSON array of records, or {upload_id} as POST /uploads returned it"
            ) from None


class UploadRequest(BaseModel):
    """`POST /uploads` takes no options (an empty body or `{}`)."""

    model_config = ConfigDict(extra="forbid")


class UploadCreated(BaseModel):
    upload_id: str
    upload_url: str = Field(
        description="PUT the JSON array here with `Content-Type: application/json` (a presigned S3 URL)"
    )
    expires_at: str = Field(description="When `upload_url` stops working (ISO 8601, UTC)")


class PreferencesAccepted(BaseModel):
    executionArn: str
    executionName: str


class ExecutionStatus(BaseModel):
    status: str
    output: ExecutionSummary | None = Field(default=None, description="The summary, once SUCCEEDED")
    error: Any = Field(default=None, description="The error and cause of a failed execution")
    step: str | None = Field(default=None, description="The state a running execution is in")
