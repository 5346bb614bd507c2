"""The one error type the kiosk shows to citizens, with its words in both languages.

Whatever fails (server unreachable, service closed, printer out of paper) ends up
as a KioskError carrying a short code and a message a citizen can read, so the
touch screen and the command line need no knowledge of HTTP or printers.
"""

from __future__ import annotations

#: code → (Vietnamese, English); the Vietnamese text from the server wins when given
MESSAGES: dict[str, tuple[str, str]] = {
    "unreachable": (
        "Không kết nối được máy chủ — vui lòng liên hệ cán bộ",
        "Cannot reach the server — please ask a staff member",
    ),
    "not_cancellable": (
        "Số này đã được gọi, không thể hủy",
        "This number was already called and cannot be cancelled",
    ),
    "not_found": ("Không tìm thấy phiếu", "No such ticket"),
    "bad_response": (
        "Máy chủ trả lời không hợp lệ — vui lòng liên hệ cán bộ",
        "The server gave an invalid answer — please ask a staff member",
    ),
    "server_error": (
        "Máy chủ đang gặp sự cố — vui lòng liên hệ cán bộ",
        "The server has a problem — please ask a staff member",
    ),
    "unauthorized": (
        "Máy lấy số chưa được cấp quyền — vui lòng liên hệ cán bộ",
        "This kiosk is not authorised — please ask a staff member",
    ),
    "unknown_service": ("Lĩnh vực không tồn tại", "Unknown service"),
    "closed": ("Lĩnh vực này hiện không tiếp nhận hồ sơ", "This service is closed now"),
    "daily_limit": ("Lĩnh vực này đã hết số hôm nay", "No more numbers for this service today"),
    "bad_request": ("Yêu cầu không hợp lệ", "Invalid request"),
    "paper_out": (
        "Máy in hết giấy — vui lòng liên hệ cán bộ",
        "The printer is out of paper — please ask a staff member",
    ),
    "printer_offline": (
        "Máy in không hoạt động — vui lòng liên hệ cán bộ",
        "The printer is not working — please ask a staff member",
    ),
    "print_failed": (
        "Không in được vé — vui lòng liên hệ cán bộ",
        "The ticket could not be printed — please ask a staff member",
    ),
    "busy": ("Vui lòng chờ giây lát rồi chọn lại", "Please wait a moment and choose again"),
    "too_early": ("Bạn đến sớm so với giờ hẹn", "You are early for your appointment"),
    "too_late": ("Đã quá giờ hẹn", "The appointment time has passed"),
    "cancelled": ("Lịch hẹn này đã bị huỷ", "This appointment was cancelled"),
    "unknown_booking": ("Không tìm thấy lịch hẹn", "No appointment found"),
    "too_many_attempts": (
        "Vui lòng chờ giây lát rồi thử lại",
        "Please wait a moment and try again",
    ),
    "unreadable": ("Không đọc được mã này", "This code cannot be read"),
    "bad_dossier": (
        "Không đọc được mã hồ sơ trên giấy tiếp nhận",
        "The dossier code on this receipt cannot be read",
    ),
    "not_ready": ("Hồ sơ chưa có kết quả", "The result is not ready yet"),
}
GENERIC = (
    "Đã có lỗi — vui lòng liên hệ cán bộ",
    "Something went wrong — please ask a staff member",
)


class KioskError(Exception):
    """A failure to show a citizen: ``code``, Vietnamese ``message``, English ``message_en``.

    ``ticket`` is set when a number was taken but could not be printed (and is
    being cancelled), so the screen can say which number will not be called.
    ``uncertain`` is set when the server could not be reached but the request may
    still have arrived (a lost answer). ``details`` holds the other fields of the
    server's error body (``come_back_at`` of a check-in too early, ``service`` of one
    too late); ``retry_after`` the seconds of a 429's Retry-After.
    """

    def __init__(
        self,
        code: str,
        message: str | None = None,
        *,
        status: int | None = None,
        ticket: dict | None = None,
        uncertain: bool = False,
        details: dict | None = None,
        retry_after: float | None = None,
    ) -> None:
        vi, en = MESSAGES.get(code, GENERIC)
        self.code = code
        self.message = message or vi
        self.message_en = en
        self.status = status
        self.ticket = ticket
        self.uncertain = uncertain
        self.details = dict(details or {})
        self.retry_after = retry_after
        super().__init__(f"{code}: {self.message}")

    def text(self, language: str = "vi") -> str:
        """The message in ``language`` ("vi" or "en")."""
        return self.message_en if language == "en" else self.message
