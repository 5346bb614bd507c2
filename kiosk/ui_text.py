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
}


def ui_text(key: str, language: str = "vi", **values: object) -> str:
    """The text of ``key`` in ``language`` with ``values`` filled in."""
    vi, en = UI_TEXT[key]
    return (en if language == "en" else vi).format(**values)
