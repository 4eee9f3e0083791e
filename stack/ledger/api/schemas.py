"""Request and response models: the shapes /openapi.json documents."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Annotated, Generic, Literal, TypeVar
from urllib.parse import urlsplit

from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    PlainSerializer,
    PlainValidator,
    WithJsonSchema,
    field_validator,
)

from ledger.decimals import fixed_point, parse_tolerance, tolerance_schema

T = TypeVar("T")


def _not_bool(value: object) -> object:
    # JSON true/false are not day counts, though pydantic's lax int would take them.
    if isinstance(value, bool):
        raise ValueError("must be an integer, not a boolean")
    return value


_NO_NUL = r"^[^\x00]*$"  # PostgreSQL text cannot hold NUL characters

Name = Annotated[str, Field(min_length=1, max_length=200, pattern=_NO_NUL)]
# Validated and documented by one module, so the schema promises exactly what is accepted.
Tolerance = Annotated[Decimal, PlainValidator(parse_tolerance), WithJsonSchema(tolerance_schema())]
WindowDays = Annotated[int, Field(ge=0, le=3650), BeforeValidator(_not_bool)]
# Fixed-point text on the way out: str(Decimal) may use exponents ("1E-45").
Money = Annotated[
    Decimal,
    PlainSerializer(fixed_point, return_type=str),
    WithJsonSchema({"type": "string", "pattern": r"^-?[0-9]+(\.[0-9]+)?$"}, mode="serialization"),
]
_PORT = (
    r"(:([1-9][0-9]{0,3}|[1-5][0-9]{4}|6[0-4][0-9]{3}|65[0-4][0-9]{2}|655[0-2][0-9]|6553[0-5]))?"
)
Side = Literal["left", "right"]
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

    name: Name
    amount_tolerance: Tolerance
    date_window_days: WindowDays


class JobPatch(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: Name | None = None
    amount_tolerance: Tolerance | None = None
    date_window_days: WindowDays | None = None


class JobOut(BaseModel):
    id: int
    name: str
    amount_tolerance: Money
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
    amount: Money
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
    run_id: int | None = Field(description="The latest completed run; null when there is none")
    matched: int
    unmatched_left: int
    unmatched_right: int
    match_rate: float
    duration_ms: float | None


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
        pattern=r"^https?://[A-Za-z0-9._~-]+" + _PORT + r"([/?#][^\s\x00]*)?$",
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
