"""One printed ticket as a 1-bit image, exactly as wide as the printer's paper.

Thermal printers cannot print Vietnamese from their code pages, so the whole ticket
is drawn with DejaVu Sans by Pillow and sent as a raster image. This module is a
pure function of the ticket (the server's answer to POST /api/v1/tickets), the
width in dots and the language: no printer, no network, easy to test and preview.
"""

from __future__ import annotations

import math
from datetime import datetime, tzinfo
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import qrcode
from PIL import Image, ImageDraw, ImageFont

from kiosk.fonts import pil_font

DEFAULT_TIMEZONE = "Asia/Ho_Chi_Minh"
#: the width every size below is designed for (80 mm paper); other widths scale
DESIGN_WIDTH = 576
WHITE = 255
BLACK = 0

TEXT = {
    "number": ("Số thứ tự", "Your number"),
    "priority": ("Ưu tiên", "Priority"),
    "ahead": ("Số người đang chờ trước bạn: {n}", "People ahead of you: {n}"),
    "wait": ("Thời gian chờ dự kiến: khoảng {n} phút", "Estimated wait: about {n} min"),
    "wait_short": ("Thời gian chờ dự kiến: dưới 1 phút", "Estimated wait: under 1 min"),
    "appointment": ("LỊCH HẸN", "Appointment"),
    "appointment_time": ("Giờ hẹn: {time}", "Appointment time: {time}"),
    "dossier": ("Mã hồ sơ", "Dossier code"),
    "footer": (
        "Quét mã để theo dõi lượt của bạn. Xin cảm ơn!",
        "Scan the code to follow your turn. Thank you!",
    ),
}


def _wrap(text: str, font: ImageFont.FreeTypeFont, max_width: int) -> list[str]:
    """Greedy word wrap by measured width; a word longer than a line is split."""
    lines: list[str] = []
    current = ""
    for word in text.split():
        candidate = f"{current} {word}" if current else word
        if font.getlength(candidate) <= max_width:
            current = candidate
            continue
        if current:
            lines.append(current)
        current = ""
        while font.getlength(word) > max_width and len(word) > 1:
            cut = len(word) - 1
            while cut > 1 and font.getlength(word[:cut]) > max_width:
                cut -= 1
            lines.append(word[:cut])
            word = word[cut:]
        current = word
    if current:
        lines.append(current)
    return lines


class _Canvas:
    """Stacks centred blocks top to bottom, then crops to the used height."""

    def __init__(self, width: int, scale: float) -> None:
        self.width = width
        self.scale = scale
        self.margin = max(8, round(16 * scale))
        self.image = Image.new("L", (width, 4000), WHITE)
        self.draw = ImageDraw.Draw(self.image)
        self.y = self.margin

    def px(self, value: float) -> int:
        return max(1, round(value * self.scale))

    def gap(self, value: float) -> None:
        self.y += self.px(value)

    def text(self, text: str, size: float, bold: bool = False, wrap: bool = True) -> None:
        # below ~14 dots a thermal printer smudges Vietnamese diacritics together
        font = pil_font(max(14, self.px(size)), bold)
        inner = self.width - 2 * self.margin
        lines = _wrap(text, font, inner) if wrap else [text]
        ascent, descent = font.getmetrics()
        for line in lines:
            x = (self.width - font.getlength(line)) / 2
            self.draw.text((x, self.y), line, font=font, fill=BLACK)
            self.y += ascent + descent + self.px(4)

    def fitted_text(self, text: str, size: float, bold: bool = True) -> None:
        """One line as large as fits the paper: the ticket number."""
        inner = self.width - 2 * self.margin
        size_px = self.px(size)
        font = pil_font(size_px, bold)
        while size_px > 10 and font.getlength(text) > inner:
            size_px -= 4
            font = pil_font(size_px, bold)
        left, top, right, bottom = font.getbbox(text)
        x = (self.width - (right - left)) / 2 - left
        self.draw.text((x, self.y - top), text, font=font, fill=BLACK)
        self.y += bottom - top

    def inverted_label(self, text: str, size: float) -> None:
        """White text in a black box: the priority mark must stand out."""
        size_px = self.px(size)
        pad = self.px(10)
        while True:  # shrink a long (translated) label until the box fits the paper
            font = pil_font(size_px, True)
            left, top, right, bottom = font.getbbox(text)
            box_w, box_h = right - left + 2 * pad, bottom - top + 2 * pad
            if box_w <= self.width - 2 * self.margin or size_px <= 14:
                break
            size_px -= 2
        x0 = (self.width - box_w) // 2
        self.draw.rectangle((x0, self.y, x0 + box_w, self.y + box_h), fill=BLACK)
        self.draw.text((x0 + pad - left, self.y + pad - top), text, font=font, fill=WHITE)
        self.y += box_h

    def rule(self) -> None:
        thickness = self.px(3)
        self.draw.rectangle(
            (self.margin, self.y, self.width - self.margin - 1, self.y + thickness - 1),
            fill=BLACK,
        )
        self.y += thickness

    def paste(self, image: Image.Image) -> None:
        x = (self.width - image.width) // 2
        self.image.paste(image, (x, self.y))
        self.y += image.height

    def result(self) -> Image.Image:
        cropped = self.image.crop((0, 0, self.width, self.y + self.margin))
        # hard threshold, no dithering: sharp glyph edges print best on thermal paper
        return cropped.point(lambda v: WHITE if v >= 128 else BLACK, mode="1")


def _qr_image(data: str, target: int) -> Image.Image:
    qr = qrcode.QRCode(error_correction=qrcode.constants.ERROR_CORRECT_M, box_size=1, border=2)
    qr.add_data(data)
    qr.make(fit=True)
    small = qr.make_image(fill_color="black", back_color="white").get_image().convert("L")
    factor = max(1, target // small.width)
    return small.resize((small.width * factor, small.height * factor), Image.Resampling.NEAREST)


def _site_zone(name: str) -> tzinfo | None:
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return None


def format_issued_at(issued_at: str, timezone: str = DEFAULT_TIMEZONE) -> str:
    """``dd/mm/yyyy HH:MM`` in the site's time zone (as the citizen reads the wall clock)."""
    moment = datetime.fromisoformat(issued_at)
    zone = _site_zone(timezone)
    if zone is not None and moment.tzinfo is not None:
        moment = moment.astimezone(zone)
    return moment.strftime("%d/%m/%Y %H:%M")


def format_appointment_time(start: str, timezone: str = DEFAULT_TIMEZONE) -> str:
    """``HH:MM`` of a booked slot in the site's time (a time without an offset is site time)."""
    moment = datetime.fromisoformat(start)
    zone = _site_zone(timezone)
    if zone is not None and moment.tzinfo is not None:
        moment = moment.astimezone(zone)
    return moment.strftime("%H:%M")


def wait_minutes(estimated_wait_s: int) -> int:
    """Whole minutes, rounded up: a citizen should not be told less than the estimate."""
    return math.ceil(max(0, estimated_wait_s) / 60)


def render_ticket(
    ticket: dict,
    width: int,
    language: str = "vi",
    timezone: str = DEFAULT_TIMEZONE,
    site_name: str | None = None,
) -> Image.Image:
    """The ticket as a mode "1" image exactly ``width`` dots wide.

    ``language`` "vi" prints Vietnamese only; "en" adds English under each part
    (Vietnamese always comes first: it is the official language of the centre).
    """
    if width < 200:
        raise ValueError(f"ticket width {width} is too narrow (at least 200 dots)")
    english = language == "en"
    c = _Canvas(width, width / DESIGN_WIDTH)

    centre = ticket.get("site_name") or site_name or ""
    if centre:
        c.text(centre, 26, bold=True)
        c.gap(6)
        c.rule()
        c.gap(10)

    name_vi = ticket.get("service_name_vi") or ticket.get("service") or ""
    c.text(name_vi, 32, bold=True)
    name_en = ticket.get("service_name_en")
    if english and name_en:
        c.text(name_en, 22)
    c.gap(12)

    c.text(TEXT["number"][0] + (f" / {TEXT['number'][1]}" if english else ""), 22)
    c.gap(4)
    c.fitted_text(str(ticket["number"]), 190)
    c.gap(18)

    if ticket.get("priority"):
        label = TEXT["priority"][0].upper() + (f" / {TEXT['priority'][1]}" if english else "")
        c.inverted_label(label, 30)
        c.gap(14)

    start = ticket.get("appointment_start")
    if start:
        label = TEXT["appointment"][0] + (f" / {TEXT['appointment'][1]}" if english else "")
        c.inverted_label(label, 26)
        c.gap(10)
        hhmm = format_appointment_time(start, timezone)
        c.text(TEXT["appointment_time"][0].format(time=hhmm), 34, bold=True)
        if english:
            c.text(TEXT["appointment_time"][1].format(time=hhmm), 20)
        c.gap(8)

    codes = [str(c) for c in ticket.get("dossier_codes") or []]
    if codes:
        label = TEXT["dossier"][0] + (f" / {TEXT['dossier'][1]}" if english else "")
        c.text(label, 22)
        for code in codes:
            c.text(code, 28, bold=True)
        c.gap(8)

    c.text(format_issued_at(ticket["issued_at"], timezone), 24)
    c.gap(8)

    ahead = int(ticket.get("ahead", 0))
    minutes = wait_minutes(int(ticket.get("estimated_wait_s", 0)))
    wait_key = "wait" if minutes >= 1 else "wait_short"
    for key, value in (("ahead", ahead), (wait_key, minutes)):
        c.text(TEXT[key][0].format(n=value), 24, bold=key == "ahead")
        if english:
            c.text(TEXT[key][1].format(n=value), 18)
        c.gap(4)

    status_url = ticket.get("status_url")
    if status_url:
        c.gap(12)
        target = round(width * (0.55 if width < 500 else 0.45))
        c.paste(_qr_image(status_url, target))
        c.gap(8)

    c.text(TEXT["footer"][0], 20)
    if english:
        c.text(TEXT["footer"][1], 17)
    return c.result()
