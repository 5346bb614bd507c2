"""CSV and XLSX files of a report's tickets, with Vietnamese column headers.

The CSV is produced piece by piece (a generator), with a UTF-8 byte order mark so
Excel shows the diacritics; the XLSX is written by openpyxl in write-only mode, so
neither holds a year of tickets in memory.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Iterator
from typing import BinaryIO

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter

from queue_server.statistics.ticket_rows import COLUMNS, TicketRow

#: Vietnamese header of each export column (DESIGN.md section 9 order)
HEADERS_VI = {
    "number": "Số phiếu",
    "service": "Lĩnh vực",
    "counter": "Quầy",
    "officer": "Cán bộ",
    "priority": "Ưu tiên",
    "issued_at": "Giờ lấy số",
    "called_at": "Giờ gọi",
    "done_at": "Giờ kết thúc",
    "status": "Trạng thái",
    "wait_s": "Thời gian chờ (giây)",
    "service_s": "Thời gian phục vụ (giây)",
    "rating": "Đánh giá",
    "estimated_wait_s": "Thời gian chờ dự kiến (giây)",
    "appointment_start": "Giờ hẹn",
    "dossier_codes": "Mã hồ sơ",
}
_WIDTHS = {"number": 10, "officer": 22, "issued_at": 26, "called_at": 26, "done_at": 26,
           "appointment_start": 26}
SUMMARY_SHEET = "Tổng hợp"
TICKETS_SHEET = "Danh sách phiếu"
#: rows per chunk of the CSV stream
CHUNK = 1000


def _cell_values(row: TicketRow) -> list:
    values = list(row.values())
    values[COLUMNS.index("priority")] = 1 if row.priority else 0
    return values


def csv_chunks(rows: Iterable[TicketRow]) -> Iterator[bytes]:
    """The CSV file as byte chunks: BOM and header first, then rows a thousand at a time."""
    return table_csv_chunks([HEADERS_VI[c] for c in COLUMNS], map(_cell_values, rows))


def table_csv_chunks(header: list[str], rows: Iterable[Iterable]) -> Iterator[bytes]:
    """Any table as CSV byte chunks (BOM, header, then the rows; None as empty)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    buffer.write("\ufeff")
    writer.writerow(header)
    for count, values in enumerate(rows, 1):
        writer.writerow(["" if v is None else v for v in values])
        if count % CHUNK == 0:
            yield buffer.getvalue().encode("utf-8")
            buffer.seek(0)
            buffer.truncate()
    yield buffer.getvalue().encode("utf-8")


def summary_lines(summary: dict) -> list[tuple[str, object]]:
    """The report's headline figures as (Vietnamese label, value) lines."""
    wait, service, ratings = summary["wait_s"], summary["service_s"], summary["ratings"]
    return [
        ("Từ ngày", summary["from"]),
        ("Đến ngày", summary["to"]),
        ("Số phiếu đã cấp", summary["issued"]),
        ("Đã phục vụ", summary["served"]),
        ("Vắng mặt khi gọi", summary["no_show"]),
        ("Chuyển lĩnh vực", summary["transferred"]),
        ("Hết hạn (quá ngày)", summary["expired"]),
        ("Đang chờ", summary["waiting"]),
        ("Thời gian chờ trung bình (giây)", wait["mean"]),
        ("Thời gian chờ trung vị (giây)", wait["median"]),
        ("Thời gian chờ P90 (giây)", wait["p90"]),
        ("Thời gian chờ lâu nhất (giây)", wait["max"]),
        ("Thời gian phục vụ trung bình (giây)", service["mean"]),
        ("Thời gian phục vụ trung vị (giây)", service["median"]),
        ("Thời gian phục vụ P90 (giây)", service["p90"]),
        ("Tỷ lệ gọi trong thời gian chờ mục tiêu (%)", summary["service_level_pct"]),
        ("Rất hài lòng", ratings["4"]),
        ("Hài lòng", ratings["3"]),
        ("Bình thường", ratings["2"]),
        ("Không hài lòng", ratings["1"]),
        ("Tỷ lệ hài lòng (%)", summary["satisfied_pct"]),
        ("Sai số dự kiến trung bình (giây)", summary["estimate_mae_s"]),
        *_appointment_lines(summary.get("appointments")),
    ]


def _appointment_lines(section: dict | None) -> list[tuple[str, object]]:
    if not section:
        return []
    return [
        ("Lịch hẹn đã đặt", section["booked"]),
        ("Lịch hẹn đã đến lấy số", section["checked_in"]),
        ("Lịch hẹn vắng mặt", section["no_show"]),
        ("Lịch hẹn đã hủy", section["cancelled"]),
        ("Lịch hẹn sắp tới", section["upcoming"]),
        ("Tỷ lệ đến theo hẹn (%)", section["show_up_pct"]),
        ("Độ lệch giờ gọi so với giờ hẹn, trung bình (giây)", section["punctuality_s"]["mean"]),
        ("Độ lệch giờ gọi so với giờ hẹn, P90 (giây)", section["punctuality_s"]["p90"]),
        ("Thời gian chờ phiếu hẹn, trung bình (giây)", section["appointment_wait_s"]["mean"]),
        ("Thời gian chờ phiếu hẹn, P90 (giây)", section["appointment_wait_s"]["p90"]),
        ("Thời gian chờ phiếu không hẹn, trung bình (giây)", section["walk_in_wait_s"]["mean"]),
        ("Thời gian chờ phiếu không hẹn, P90 (giây)", section["walk_in_wait_s"]["p90"]),
    ]


def table_sheet(book: Workbook, title: str, header: list[str], widths: list[int],
                rows: Iterable[Iterable]) -> int:
    """A write-only sheet with a bold, frozen header row; returns the number of rows."""
    sheet = book.create_sheet(title)
    for index, width in enumerate(widths, 1):
        sheet.column_dimensions[get_column_letter(index)].width = width
    sheet.freeze_panes = "A2"
    bold = Font(bold=True)
    cells = []
    for label in header:
        cell = WriteOnlyCell(sheet, value=label)
        cell.font = bold
        cells.append(cell)
    sheet.append(cells)
    count = 0
    for values in rows:
        sheet.append(list(values))
        count += 1
    return count


def write_xlsx(rows: Iterable[TicketRow], summary: dict, out: BinaryIO) -> int:
    """Write the workbook (tickets sheet, then "Tổng hợp"); returns the number of tickets."""
    book = Workbook(write_only=True)
    count = table_sheet(
        book, TICKETS_SHEET, [HEADERS_VI[c] for c in COLUMNS],
        [_WIDTHS.get(c, max(12, len(HEADERS_VI[c]) + 2)) for c in COLUMNS],
        map(_cell_values, rows),
    )
    totals = book.create_sheet(SUMMARY_SHEET)
    totals.column_dimensions["A"].width = 46
    totals.column_dimensions["B"].width = 16
    for label, value in summary_lines(summary):
        totals.append([label, value])
    book.save(out)
    return count
