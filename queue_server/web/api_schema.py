"""Request and response shapes of ``/api/v1``, as msgspec types.

The same types validate incoming bodies and generate the OpenAPI document, so the
document cannot drift from what the code accepts.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

import msgspec

from protocol import CounterState
from queue_server.appointment_book import PHONE_PATTERN

ServiceCode = Annotated[str, msgspec.Meta(min_length=1, max_length=8, pattern=r"^[A-Z0-9]+$")]
Status = Literal[
    "waiting", "called", "serving", "done", "no_show", "transferred", "cancelled", "expired"
]


DossierCode = Annotated[str, msgspec.Meta(min_length=1, max_length=64,
                                          pattern=r"^[A-Za-z0-9._/-]{1,64}$")]


class TicketRequest(msgspec.Struct):
    """A kiosk asks for a ticket of one field, optionally as a priority citizen."""

    service: ServiceCode
    priority: bool = False
    #: a dossier code or the text of a dossier receipt's QR code (results pickup);
    #: text the server cannot read is refused with 422 ``bad_dossier``
    dossier: Annotated[str, msgspec.Meta(max_length=65536)] | None = None


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
    #: dossier codes (1-64 letters, digits, '.', '-', '_', '/') the ticket came for
    dossier_codes: list[DossierCode] = []


class DossierOut(msgspec.Struct):
    code: DossierCode
    status: Literal["received", "in_progress", "ready", "returned", "unknown"]
    #: the return date the dossier system promises (YYYY-MM-DD)
    return_date: str | None
    #: false when no dossier system is connected or it did not answer in time
    checked: bool


class DossierAttachRequest(msgspec.Struct):
    """An officer attaches a dossier code (typed, or from a scanner) to a ticket."""

    #: spaces around the code (a scanner's suffix) are dropped
    code: Annotated[str, msgspec.Meta(max_length=200)]


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
    #: whether the field takes appointments (kiosks then offer check-in)
    appointments: bool
    waiting: int
    #: null while the field takes no number (closed or its daily limit reached)
    estimated_wait_s: int | None
    #: the results-pickup field (trả kết quả): kiosks offer it to a scanned receipt
    results: bool = False
    #: a dossier not ready yet may still get a ticket of this field
    results_when_not_ready: bool = False


class ServicesOut(msgspec.Struct):
    site: SiteOut
    services: list[ServiceOut]


class ErrorDetail(msgspec.Struct):
    code: str
    message: str
    message_en: str | None = None
    #: ``too_early`` check-in: when check-in opens (ISO 8601, site time)
    come_back_at: str | None = None
    #: ``too_late`` check-in: the field, to take a walk-in ticket instead
    service: str | None = None
    #: ``not_ready`` results ticket: the return date the dossier system promises
    return_date: str | None = None


class ErrorOut(msgspec.Struct):
    error: ErrorDetail


class CounterRejectedOut(msgspec.Struct):
    error: ErrorDetail
    state: CounterState | None = None


BookingStatus = Literal["booked", "checked_in", "cancelled", "no_show"]


class AppointmentRequest(msgspec.Struct):
    """A citizen (or an integrator's system) books one place in a slot."""

    service: ServiceCode
    #: the slot's start as listed by ``/appointments/slots`` (without an offset: site time)
    start: Annotated[datetime, msgspec.Meta(extra_json_schema={"format": "date-time"})]
    #: the citizen's name (kept ``appointment_retention_days`` after the slot)
    name: Annotated[
        str, msgspec.Meta(min_length=1, max_length=100, pattern=r"^[^\x00-\x1f]*\S[^\x00-\x1f]*$")
    ]
    #: a Vietnamese phone number: 0912345678, 0912 345 678, +84912345678
    phone: Annotated[str, msgspec.Meta(max_length=32, pattern=PHONE_PATTERN)]
    #: the integrator's own id of the booking: a repeat answers with the first booking
    external_id: Annotated[str, msgspec.Meta(min_length=1, max_length=128)] | None = None


class BookingOut(msgspec.Struct):
    #: ``XXXX-XXXX`` (Crockford base32; typed in any case, with or without the dash)
    code: str
    service: str
    start: str
    status: BookingStatus
    #: the booking's page, also the content of its QR code
    cancel_url: str


class ListedBookingOut(BookingOut):
    #: the booking system's own id, when it booked with one
    external_id: str | None


class BookingsOut(msgspec.Struct):
    day: str
    appointments: list[ListedBookingOut]


class SlotOut(msgspec.Struct):
    start: str
    free: Annotated[int, msgspec.Meta(ge=0)]


class SlotsOut(msgspec.Struct):
    service: str
    day: str
    slots: list[SlotOut]
