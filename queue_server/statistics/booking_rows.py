"""One row per booking for the bookings export: what happened to it, never who made it.

A booking belongs to the period of its slot's local day. Its status is as stored,
except that a booking still ``booked`` after its check-in window closed is exported
as ``no_show`` (as the reports count it). No name, phone or client address leaves the
server this way.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import BinaryIO
from zoneinfo import ZoneInfo

from openpyxl import Workbook
from sqlalchemy import select
from sqlalchemy.orm import Session

from queue_server.domain.booking_code import display_code
from queue_server.domain.booking_status import BookingStatus
from queue_server.domain.check_in_window import missed
from queue_server.statistics.report_filter import ReportFilter
from queue_server.statistics.report_query import ReportScope
from queue_server.statistics.ticket_export import table_csv_chunks, table_sheet
from queue_server.storage.tables import Appointment, Service, Ticket

#: the bookings export's columns, in order
BOOKING_COLUMNS = (
    "code", "service", "start", "status", "checked_in_at", "ticket_number", "called_at",
)
BOOKING_HEADERS_VI = {
    "code": "Mã lịch hẹn",
    "service": "Lĩnh vực",
    "start": "Giờ hẹn",
    "status": "Trạng thái",
    "checked_in_at": "Giờ đến lấy số",
    "ticket_number": "Số phiếu",
    "called_at": "Giờ gọi",
}
BOOKINGS_SHEET = "Danh sách lịch hẹn"
_WIDTHS = {"code": 12, "start": 26, "checked_in_at": 26, "called_at": 26}
BATCH = 2000


@dataclass(frozen=True)
class BookingRow:
    code: str
    service: str
    start: str
    status: str
    checked_in_at: str | None
    ticket_number: str | None
    called_at: str | None

    def values(self) -> tuple:
        return tuple(getattr(self, c) for c in BOOKING_COLUMNS)


def _local(moment: datetime | None, tz: ZoneInfo) -> str | None:
    return moment.astimezone(tz).isoformat(timespec="seconds") if moment else None


def booking_rows(
    session: Session, scope: ReportScope, flt: ReportFilter, now: datetime,
    check_in_after: timedelta,
) -> Iterator[BookingRow]:
    """The period's bookings in slot order (then by code), times in the site's zone."""
    query = (
        select(Appointment.code, Service.code, Appointment.start, Appointment.status,
               Ticket.issued_at, Ticket.number, Ticket.called_at)
        .join(Service, Service.id == Appointment.service_id)
        .outerjoin(Ticket, Ticket.id == Appointment.ticket_id)
        .where(Appointment.site_id == scope.site_id, Appointment.start >= scope.start,
               Appointment.start < scope.end)
        .order_by(Appointment.start, Appointment.code)
        .execution_options(yield_per=BATCH)
    )
    if scope.service_id is not None:
        query = query.where(Appointment.service_id == scope.service_id)
    if scope.counter_id is not None:
        query = query.where(Ticket.counter_id == scope.counter_id)
    if flt.officer is not None:
        query = query.where(Ticket.officer_id == flt.officer)
    tz = scope.timezone
    for code, service, start, status, issued, number, called in session.execute(query):
        if status == BookingStatus.BOOKED and missed(start, now, check_in_after):
            status = BookingStatus.NO_SHOW
        yield BookingRow(
            code=display_code(code),
            service=service,
            start=_local(start, tz),
            status=str(status),
            checked_in_at=_local(issued, tz),
            ticket_number=number,
            called_at=_local(called, tz),
        )


def bookings_csv_chunks(rows: Iterable[BookingRow]) -> Iterator[bytes]:
    return table_csv_chunks([BOOKING_HEADERS_VI[c] for c in BOOKING_COLUMNS],
                            (row.values() for row in rows))


def write_bookings_xlsx(rows: Iterable[BookingRow], out: BinaryIO) -> int:
    """The bookings workbook (one sheet); returns the number of bookings."""
    book = Workbook(write_only=True)
    count = table_sheet(
        book, BOOKINGS_SHEET, [BOOKING_HEADERS_VI[c] for c in BOOKING_COLUMNS],
        [_WIDTHS.get(c, max(12, len(BOOKING_HEADERS_VI[c]) + 2)) for c in BOOKING_COLUMNS],
        (row.values() for row in rows),
    )
    book.save(out)
    return count
