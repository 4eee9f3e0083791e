"""Request and response models: the shapes /openapi.json documents."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Generic, Literal, TypeVar
from urllib.parse import urlsplit

from pydantic import BaseModel, ConfigDict, Field, field_validator

T = TypeVar("T")

Side = Literal["left", "right"]
MAX_TOLERANCE = Decimal(10**12)
RunStatus = Literal["queued", "running", "completed", "failed"]


class Problem(BaseModel):
    """Every error that is not a field validation error."""

    detail: str


class RecordError(BaseModel):
    row: int = Field(description="1-based data row; 0 for the file as a whole")
    field: str
    message: str


class RecordErrors(BaseModel):
    detail: list[RecordError]


class ValidationIssue(BaseModel):
    loc: list[str | int]
    msg: str
    type: str


class ValidationProblem(BaseModel):
    """FastAPI's own 422 shape, for parameters that fail validation."""

    detail: list[ValidationIssue]


class Page(BaseModel, Generic[T]):
    items: list[T]
    total: int
    limit: int
    offset: int


class KeyCreated(BaseModel):
    id: int
    key: str = Field(description="The API key; shown only in this response")
    prefix: str
    created_at: datetime


class KeyOut(BaseModel):
    id: int
    prefix: str
    created_at: datetime
    revoked_at: datetime | None


class JobCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str = Field(min_length=1, max_length=200)
    amount_tolerance: Decimal = Field(ge=0, le=MAX_TOLERANCE)
    date_window_days: int = Field(ge=0, le=3650, strict=True)


class JobPatch(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str | None = Field(default=None, min_length=1, max_length=200)
    amount_tolerance: Decimal | None = Field(default=None, ge=0, le=MAX_TOLERANCE)
    date_window_days: int | None = Field(default=None, ge=0, le=3650, strict=True)


class JobOut(BaseModel):
    id: int
    name: str
    amount_tolerance: Decimal
    date_window_days: int
    left_count: int
    right_count: int
    created_at: datetime
    updated_at: datetime


class RecordsStored(BaseModel):
    side: Side
    count: int


class RecordOut(BaseModel):
    id: int
    row: int
    reference: str
    date: date
    amount: Decimal
    currency: str
    description: str


class RunAccepted(BaseModel):
    id: int
    status: RunStatus


class RunOut(BaseModel):
    id: int
    job_id: int
    status: RunStatus
    created_at: datetime
    started_at: datetime | None
    finished_at: datetime | None
    duration_ms: float | None
    matched: int | None
    unmatched_left: int | None
    unmatched_right: int | None
    match_rate: float | None
    error: str | None


class RecordRef(BaseModel):
    id: int
    reference: str


class MatchOut(BaseModel):
    left: RecordRef
    right: RecordRef
    kind: Literal["reference", "tolerance"]


class JobSummary(BaseModel):
    job_id: int
    run_id: int
    matched: int
    unmatched_left: int
    unmatched_right: int
    match_rate: float
    duration_ms: float


class TenantSummary(BaseModel):
    from_: date | None = Field(alias="from")
    to: date | None
    jobs: int
    runs: int
    matched: int
    unmatched_left: int
    unmatched_right: int
    match_rate: float

    model_config = ConfigDict(populate_by_name=True)


class WebhookCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    url: str = Field(
        min_length=8,
        max_length=2000,
        pattern=r"^https?://[A-Za-z0-9._~-]+(:[0-9]{1,5})?([/?#][^\s]*)?$",
    )
    events: list[Literal["run.completed"]] = Field(min_length=1)

    @field_validator("url")
    @classmethod
    def _absolute_http_url(cls, value: str) -> str:
        try:
            parts = urlsplit(value)
            port = parts.port  # raises for a malformed port
        except ValueError:
            raise ValueError("url is not a valid URL") from None
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise ValueError("url must be an absolute http(s) URL with a host")
        if port == 0:
            raise ValueError("url has an invalid port")
        return value


class WebhookOut(BaseModel):
    id: int
    url: str
    events: list[str]
    created_at: datetime


class WebhookCreated(WebhookOut):
    secret: str = Field(description="HMAC secret for X-Ledger-Signature; shown only once")


class DeliveryAttemptOut(BaseModel):
    delivery_id: str
    event: str
    attempt: int
    status_code: int | None
    error: str | None
    at: datetime
    outcome: Literal["delivered", "retrying", "failed"]


class AdapterOut(BaseModel):
    name: str
    media_type: str
    fields: list[str]
    required_fields: list[str]


class Liveness(BaseModel):
    status: Literal["alive"]


class Component(BaseModel):
    model_config = ConfigDict(extra="allow")

    status: Literal["ok", "down"]


class Readiness(BaseModel):
    status: Literal["healthy", "degraded", "unhealthy"]
    components: dict[str, Component]
