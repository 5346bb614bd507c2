"""Request and response shapes of ``/api/v1``, as msgspec types.

The same types validate incoming bodies and generate the OpenAPI document, so the
document cannot drift from what the code accepts.
"""

from __future__ import annotations

from typing import Annotated, Literal

import msgspec

from protocol import CounterState

ServiceCode = Annotated[str, msgspec.Meta(min_length=1, max_length=8, pattern=r"^[A-Z0-9]+$")]
Status = Literal[
    "waiting", "called", "serving", "done", "no_show", "transferred", "cancelled", "expired"
]


class TicketRequest(msgspec.Struct):
    """A kiosk asks for a ticket of one field, optionally as a priority citizen."""

    service: ServiceCode
    priority: bool = False


class CancelRequest(msgspec.Struct):
    """Why a kiosk cancels a ticket it issued (e.g. ``print_failed``)."""

    reason: Annotated[str, msgspec.Meta(min_length=1, max_length=200, pattern=r"\S")]


class CounterActionRequest(msgspec.Struct):
    """Extra fields of a counter action: the target field of a transfer, a rating."""

    service: ServiceCode | None = None
    rating: Annotated[int, msgspec.Meta(ge=1, le=4)] | None = None


class TicketOut(msgspec.Struct):
    id: str
    number: str
    service: str
    service_name_vi: str
    service_name_en: str
    site_name: str
    priority: bool
    status: Status
    issued_at: str
    called_at: str | None
    counter: str | None
    ahead: Annotated[int, msgspec.Meta(ge=0)]
    estimated_wait_s: Annotated[int, msgspec.Meta(ge=0)]
    status_url: str
    #: the booked slot's start (ISO 8601, site time) for an appointment ticket
    appointment_start: str | None = None


class SiteOut(msgspec.Struct):
    id: str
    name: str
    timezone: str


class ServiceOut(msgspec.Struct):
    code: str
    name_vi: str
    name_en: str
    prefix: str
    open: bool
    closed_reason: Literal["closed", "daily_limit"] | None
    hours: list[str]
    target_wait_min: int
    waiting: int
    estimated_wait_s: int


class ServicesOut(msgspec.Struct):
    site: SiteOut
    services: list[ServiceOut]


class ErrorDetail(msgspec.Struct):
    code: str
    message: str
    message_en: str | None = None


class ErrorOut(msgspec.Struct):
    error: ErrorDetail


class CounterRejectedOut(msgspec.Struct):
    error: ErrorDetail
    state: CounterState | None = None
