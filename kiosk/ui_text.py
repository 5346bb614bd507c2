"""Every word on the kiosk's touch screen, in Vietnamese and English.

Kept in one table so a translator (or a centre that words things differently)
changes text without touching layout or logic.
"""

from __future__ import annotations

#: key → (Vietnamese, English)
UI_TEXT: dict[str, tuple[str, str]] = {
    "title": ("Mời chọn lĩnh vực", "Please choose a service"),
    "language": ("English", "Tiếng Việt"),
    "priority": ("Ưu tiên", "Priority"),
    "priority_who": (
        "Người cao tuổi, người khuyết tật, phụ nữ mang thai, trẻ em dưới 6 tuổi, người có công",
        "Elderly people, people with disabilities, pregnant women, children under 6, "
        "people with meritorious service to the revolution",
    ),
    "priority_on": ("Đã chọn ưu tiên — chạm để bỏ", "Priority chosen — tap to cancel"),
    "waiting": ("Đang chờ: {n}", "Waiting: {n}"),
    "closed": ("Tạm ngừng tiếp nhận", "Not open now"),
    "no_services": (
        "Hiện chưa có lĩnh vực nào tiếp nhận hồ sơ",
        "No service is open at the moment",
    ),
    "your_number": ("Số của bạn", "Your number"),
    "ahead": ("Số người đang chờ trước bạn: {n}", "People ahead of you: {n}"),
    "wait": ("Thời gian chờ dự kiến: khoảng {n} phút", "Estimated wait: about {n} min"),
    "wait_short": ("Thời gian chờ dự kiến: dưới 1 phút", "Estimated wait: under 1 min"),
    "take_ticket": ("Vui lòng nhận vé bên dưới", "Please take your ticket below"),
    "done": ("Xong", "Done"),
    "busy": ("Đang in vé…", "Printing your ticket…"),
    "loading": ("Đang kết nối máy chủ…", "Connecting to the server…"),
    "retry": ("Thử lại", "Try again"),
    "not_printed": (
        "Không in được vé. Số {number} sẽ không được gọi — vui lòng liên hệ cán bộ",
        "The ticket could not be printed. Number {number} will not be called — "
        "please ask a staff member",
    ),
    "retrying": ("Máy đang tự thử kết nối lại…", "The kiosk keeps trying to reconnect…"),
    "no_tickets": ("Tạm dừng cấp số", "Tickets paused"),
    "appointment": ("Đã đặt lịch hẹn", "I have an appointment"),
    "code_title": ("Nhập mã lịch hẹn", "Enter your booking code"),
    "code_hint": (
        "Quét mã QR trên phiếu hẹn hoặc nhập mã",
        "Scan the QR code on your booking slip or type the code",
    ),
    "cancel": ("Huỷ", "Cancel"),
    "delete": ("Xoá", "Delete"),
    "submit": ("Xác nhận", "Check in"),
    "checking": ("Đang kiểm tra lịch hẹn…", "Checking your appointment…"),
    "checked_in": ("Đã nhận lịch hẹn — số của bạn", "Appointment checked in — your number"),
    "appointment_time": ("Giờ hẹn: {time}", "Appointment time: {time}"),
    "home": ("Về trang đầu", "Back to start"),
    "walk_in": ("Lấy số thường", "Take a normal ticket"),
    "too_early_at": (
        "Bạn đến sớm. Vui lòng quay lại lúc {time}",
        "You are early. Please come back at {time}",
    ),
    "too_early": (
        "Bạn đến sớm. Vui lòng quay lại gần giờ hẹn",
        "You are early. Please come back closer to your appointment time",
    ),
    "too_late_walk_in": (
        "Bạn có thể lấy số thường cho lĩnh vực {name}",
        "You can take a normal ticket for {name}",
    ),
    "dossier_entry": ("Nhập mã hồ sơ", "Enter a dossier code"),
    "dossier_title": ("Nhập mã hồ sơ", "Enter your dossier code"),
    "dossier_hint": (
        "Quét mã QR trên giấy tiếp nhận hồ sơ hoặc nhập mã hồ sơ",
        "Scan the QR code on your dossier receipt or type the dossier code",
    ),
    "dossier_submit": ("Tra cứu", "Look up"),
    "checking_dossier": ("Đang tra cứu hồ sơ…", "Looking up your dossier…"),
    "dossier_code": ("Mã hồ sơ: {code}", "Dossier code: {code}"),
    "dossier_received": ("Đã tiếp nhận", "Received"),
    "dossier_in_progress": ("Đang giải quyết", "Being processed"),
    "dossier_ready": ("Đã có kết quả", "The result is ready"),
    "dossier_returned": ("Đã trả kết quả", "The result has been handed over"),
    "dossier_unknown": ("Không tìm thấy hồ sơ này", "No such dossier was found"),
    "dossier_unchecked": (
        "Hiện không kiểm tra được tình trạng hồ sơ",
        "The dossier's status cannot be checked now",
    ),
    "return_date": ("hẹn trả ngày {date}", "return date {date}"),
    "dossier_come_back": (
        "Vui lòng quay lại vào ngày hẹn trả kết quả",
        "Please come back on the return date",
    ),
    "dossier_take": (
        "Chạm “Nhận kết quả” để lấy số",
        "Tap “Collect result” to take a number",
    ),
    "collect": ("Nhận kết quả", "Collect result"),
    "wait_seconds": (
        "Vui lòng chờ {n} giây rồi thử lại",
        "Please wait {n} seconds and try again",
    ),
}


def ui_text(key: str, language: str = "vi", **values: object) -> str:
    """The text of ``key`` in ``language`` with ``values`` filled in."""
    vi, en = UI_TEXT[key]
    return (en if language == "en" else vi).format(**values)


def format_day(iso_day: str) -> str:
    """``2026-12-11`` → ``11/12/2026`` (as Vietnamese forms write dates)."""
    try:
        year, month, day = (int(p) for p in str(iso_day)[:10].split("-"))
    except ValueError:
        return str(iso_day)
    return f"{day:02d}/{month:02d}/{year:04d}"


def dossier_text(answer: dict, language: str = "vi") -> tuple[str, str]:
    """(headline, detail) of a dossier's status: "Đã có kết quả", "hẹn trả ngày …"."""
    status = str(answer.get("status") or "unknown")
    if not answer.get("checked"):
        return ui_text("dossier_unchecked", language), ""
    key = f"dossier_{status}" if f"dossier_{status}" in UI_TEXT else "dossier_unknown"
    headline = ui_text(key, language)
    when = answer.get("return_date")
    if when and status in ("received", "in_progress", "ready"):
        headline = f"{headline}, {ui_text('return_date', language, date=format_day(when))}"
    return headline, ""


def notice_text(
    code: str,
    language: str = "vi",
    *,
    come_back_at: str | None = None,
    retry_after: float | None = None,
    walk_in: str | None = None,
    timezone: str = "",
    return_date: str | None = None,
) -> tuple[str, str]:
    """(headline, detail) of a check-in answer or a scan in ``language``.

    ``come_back_at`` is the server's ISO 8601 time (shown as HH:MM in the site's
    time), ``walk_in`` the name of the field a late citizen may take a ticket for.
    """
    from kiosk.kiosk_error import GENERIC, MESSAGES
    from kiosk.ticket_image import DEFAULT_TIMEZONE, format_appointment_time

    headline = MESSAGES.get(code, GENERIC)[1 if language == "en" else 0]
    detail = ""
    if code == "too_early":
        try:
            hhmm = format_appointment_time(str(come_back_at), timezone or DEFAULT_TIMEZONE)
            headline = ui_text("too_early_at", language, time=hhmm)
        except ValueError:
            headline = ui_text("too_early", language)
    elif code == "too_late" and walk_in:
        detail = ui_text("too_late_walk_in", language, name=walk_in)
    elif code == "not_ready" and return_date:
        detail = ui_text("return_date", language, date=format_day(return_date)).capitalize()
    elif code == "too_many_attempts" and retry_after is not None:
        detail = ui_text("wait_seconds", language, n=max(1, round(retry_after)))
    return headline, detail
