"""Draws a KioskScreen onto a pygame Surface: large, high-contrast, Vietnamese first.

White on black with saturated buttons reads well in a bright hall and for older
eyes; every string is drawn with DejaVu Sans so no diacritic becomes a box.
"""

from __future__ import annotations

import functools

import pygame

from kiosk.fonts import font_path
from kiosk.scan_router import CODE_LENGTH, display_code
from kiosk.screen_model import KioskScreen, Rect
from kiosk.ticket_image import DEFAULT_TIMEZONE, format_appointment_time, wait_minutes
from kiosk.ui_text import dossier_text, notice_text, ui_text

BACKGROUND = (0, 0, 0)
TEXT = (255, 255, 255)
MUTED = (190, 190, 190)
SERVICE = (0, 70, 160)
SERVICE_CLOSED = (60, 60, 60)
PRIORITY_OFF = (40, 40, 40)
PRIORITY_ON = (255, 204, 0)
ACCENT = (255, 204, 0)
ERROR = (170, 20, 20)
DONE = (0, 120, 60)
APPOINTMENT = (0, 110, 110)
KEY = (0, 70, 160)
KEY_OFF = (30, 45, 70)
NEUTRAL = (60, 60, 60)
NOTICE = (150, 90, 0)


@functools.lru_cache(maxsize=64)
def _font(size: int, bold: bool) -> pygame.font.Font:
    return pygame.font.Font(str(font_path(bold)), max(10, size))


def forget_fonts() -> None:
    """Drop cached fonts: they die with pygame.font.quit() and must not be reused after."""
    _font.cache_clear()


def _wrap(text: str, font: pygame.font.Font, width: int) -> list[str]:
    lines: list[str] = []
    current = ""
    for word in text.split():
        candidate = f"{current} {word}" if current else word
        if font.size(candidate)[0] <= width or not current:
            current = candidate
        else:
            lines.append(current)
            current = word
    if current:
        lines.append(current)
    return lines


def _text_block(
    surface: pygame.Surface,
    text: str,
    rect: Rect,
    size: int,
    color: tuple[int, int, int] = TEXT,
    bold: bool = False,
    valign: str = "center",
) -> int:
    """Centred, wrapped text inside ``rect``; shrinks until it fits. Returns the bottom y."""
    x, y, w, h = rect
    while True:
        font = _font(size, bold)
        lines = _wrap(text, font, w)
        line_h = font.get_linesize()
        total = line_h * len(lines)
        if total <= h or size <= 12:
            break
        size -= 2
    top = y + (h - total) // 2 if valign == "center" else y
    for i, line in enumerate(lines):
        img = font.render(line, True, color)
        surface.blit(img, (x + (w - img.get_width()) // 2, top + i * line_h))
    return top + total


def _button(surface: pygame.Surface, rect: Rect, color: tuple[int, int, int]) -> None:
    radius = max(6, rect[3] // 8)
    pygame.draw.rect(surface, color, pygame.Rect(rect), border_radius=radius)


def paint(screen: KioskScreen, surface: pygame.Surface) -> None:
    """Draw the current page of ``screen`` on ``surface`` (any size; layout scales)."""
    surface.fill(BACKGROUND)
    lay = screen.layout
    lang = screen.language
    unit = lay.height // 30  # one "text unit": about 20 px on a 600 px tall screen
    header = lay.header
    title_rect = (lay.margin, 0, lay.language_button[0] - 2 * lay.margin, header[3])
    if screen.blocking is not None:
        title = ui_text("no_tickets", lang)
    elif screen.page == "code":
        title = ui_text("code_title", lang)
    elif screen.page == "dossier_code":
        title = ui_text("dossier_title", lang)
    else:
        title = ui_text("title", lang) if screen.page == "start" else ""
    top_line = title or screen.site_name
    _text_block(surface, top_line, title_rect, unit * 2, bold=True)
    _button(surface, lay.language_button, (50, 50, 50))
    _text_block(surface, ui_text("language", lang), lay.language_button, round(unit * 1.3))

    page = screen.page
    if page == "start" and screen.blocking is None:
        _paint_start(screen, surface, unit)
    elif page == "code" and screen.blocking is None:
        _paint_code(screen, surface, unit)
    elif page == "dossier_code" and screen.blocking is None:
        _paint_dossier_code(screen, surface, unit)
    elif page == "dossier" and screen.dossier is not None:
        _paint_dossier(screen, surface, unit)
    elif page == "notice" and screen.notice is not None:
        _paint_notice(screen, surface, unit)
    elif page == "confirm" and screen.ticket is not None:
        _paint_confirm(screen, surface, unit)
    elif page in ("error", "start", "code", "dossier_code"):
        _paint_error(screen, surface, unit)
    else:
        key = screen.busy_text if page == "busy" else "loading"
        body = (0, header[3], lay.width, lay.height - header[3])
        _text_block(surface, ui_text(key, lang), body, unit * 3, bold=True)


def _paint_start(screen: KioskScreen, surface: pygame.Surface, unit: int) -> None:
    lay = screen.layout
    lang = screen.language
    if not screen.services:
        _text_block(surface, ui_text("no_services", lang), lay.services_area, unit * 2)
    rects = lay.service_buttons(len(screen.services))
    for service, rect in zip(screen.services, rects, strict=True):
        is_open = bool(service.get("open", True))
        _button(surface, rect, SERVICE if is_open else SERVICE_CLOSED)
        x, y, w, h = rect
        pad = max(6, h // 12)
        name = service.get("name_vi") or service["code"]
        second = None
        if lang == "en" and service.get("name_en"):
            name, second = service["name_en"], service.get("name_vi")
        name_h = round(h * (0.5 if second else 0.62))
        inner_w = w - 2 * pad
        _text_block(surface, name, (x + pad, y + pad, inner_w, name_h), round(unit * 1.9),
                    bold=True)
        line_y = y + pad + name_h
        if second:
            _text_block(surface, second, (x + pad, line_y, inner_w, round(h * 0.15)),
                        round(unit * 1.1), MUTED)
            line_y += round(h * 0.15)
        if is_open:
            status = ui_text("waiting", lang, n=int(service.get("waiting", 0)))
        else:
            status = service.get("closed_reason") or ui_text("closed", lang)
        _text_block(surface, status, (x + pad, line_y, inner_w, y + h - pad - line_y),
                    round(unit * 1.2), ACCENT if is_open else MUTED)

    priority_rect, appointment_rect, dossier_rect = lay.bottom_row(
        screen.appointments_shown, screen.results_service is not None)
    for rect, key in ((appointment_rect, "appointment"), (dossier_rect, "dossier_entry")):
        if rect is not None:
            _button(surface, rect, APPOINTMENT)
            ax, ay, aw, ah = rect
            _text_block(surface, ui_text(key, lang), (ax + unit, ay, aw - 2 * unit, ah),
                        unit * 2, bold=True)
    x, y, w, h = priority_rect
    on = screen.priority
    _button(surface, priority_rect, PRIORITY_ON if on else PRIORITY_OFF)
    ink = (0, 0, 0) if on else TEXT
    box = h // 2
    bx, by = x + h // 4, y + (h - box) // 2
    pygame.draw.rect(surface, ink, pygame.Rect(bx, by, box, box), width=max(3, box // 10))
    if on:
        pygame.draw.lines(surface, ink, False, [(bx + box * 0.2, by + box * 0.5),
                                                (bx + box * 0.42, by + box * 0.75),
                                                (bx + box * 0.82, by + box * 0.22)],
                          max(4, box // 8))
    label_x = bx + box + h // 4
    label_w = round(w * 0.2)
    _text_block(surface, ui_text("priority", lang), (label_x, y, label_w, h), unit * 2, ink,
                bold=True)
    who = ui_text("priority_on", lang) if on else ui_text("priority_who", lang)
    who_x = label_x + label_w
    _text_block(surface, who, (who_x, y + 4, x + w - who_x - h // 4, h - 8), round(unit * 1.1),
                ink)


def _paint_confirm(screen: KioskScreen, surface: pygame.Surface, unit: int) -> None:
    lay = screen.layout
    lang = screen.language
    ticket = screen.ticket or {}
    y = lay.header[3]
    w = lay.width
    start = ticket.get("appointment_start")
    heading = ui_text("checked_in" if start else "your_number", lang)
    y = _text_block(surface, heading, (0, y, w, unit * 3), unit * 2)
    y = _text_block(surface, str(ticket.get("number", "")), (0, y, w, unit * 8), unit * 8,
                    ACCENT, bold=True)
    if start:
        try:
            hhmm = format_appointment_time(str(start), screen.timezone or DEFAULT_TIMEZONE)
        except ValueError:
            hhmm = ""
        if hhmm:
            y = _text_block(surface, ui_text("appointment_time", lang, time=hhmm),
                            (0, y, w, unit * 3), round(unit * 2.4), bold=True)
    if ticket.get("priority"):
        y = _text_block(surface, ui_text("priority", lang), (0, y, w, unit * 2), unit * 2,
                        PRIORITY_ON, bold=True)
    ahead = int(ticket.get("ahead", 0))
    minutes = wait_minutes(int(ticket.get("estimated_wait_s", 0)))
    y = _text_block(surface, ui_text("ahead", lang, n=ahead), (0, y, w, unit * 2), unit * 2)
    wait_key = "wait" if minutes >= 1 else "wait_short"
    y = _text_block(surface, ui_text(wait_key, lang, n=minutes), (0, y, w, unit * 2),
                    round(unit * 1.6))
    _text_block(surface, ui_text("take_ticket", lang), (0, y, w, unit * 2), round(unit * 1.6),
                MUTED)
    _button(surface, lay.done_button, DONE)
    _text_block(surface, ui_text("done", lang), lay.done_button, unit * 2, bold=True)


def _paint_error(screen: KioskScreen, surface: pygame.Surface, unit: int) -> None:
    lay = screen.layout
    lang = screen.language
    error = screen.error or screen.blocking
    body = (lay.margin * 2, lay.header[3], lay.width - 4 * lay.margin,
            lay.done_button[1] - lay.header[3] - lay.margin)
    pygame.draw.rect(surface, ERROR, pygame.Rect(body), border_radius=unit)
    message = error.text(lang) if error is not None else ""
    if error is not None and error.ticket and error.ticket.get("number"):
        message = ui_text("not_printed", lang, number=error.ticket["number"])
    if error is not None and error is screen.server_problem:
        message = f"{message}. {ui_text('retrying', lang)}"
    _text_block(surface, message, (body[0] + unit, body[1], body[2] - 2 * unit, body[3]),
                unit * 3, bold=True)
    _button(surface, lay.done_button, (50, 50, 50))
    _text_block(surface, ui_text("retry", lang), lay.done_button, unit * 2, bold=True)


def _paint_code(screen: KioskScreen, surface: pygame.Surface, unit: int) -> None:
    """The booking code typed so far (XXXX-XXXX), the hint and the on-screen keyboard."""
    lay = screen.layout
    lang = screen.language
    box = lay.code_display
    pygame.draw.rect(surface, TEXT, pygame.Rect(box), border_radius=unit)
    shown = display_code(screen.code.ljust(CODE_LENGTH, "_"))
    _text_block(surface, shown, box, unit * 4, (0, 0, 0), bold=True)
    _text_block(surface, ui_text("code_hint", lang), lay.code_hint, round(unit * 1.4), MUTED)
    for button in screen.buttons():
        if button.action == "key":
            _button(surface, button.rect, KEY if button.enabled else KEY_OFF)
            _text_block(surface, button.value, button.rect, round(unit * 2.4),
                        TEXT if button.enabled else MUTED, bold=True)
        elif button.action in ("cancel", "delete", "submit"):
            color = NEUTRAL
            if button.action == "submit":
                color = DONE if button.enabled else KEY_OFF
            _button(surface, button.rect, color)
            label = ui_text(button.action, lang)
            if button.action == "delete":
                label = f"⌫ {label}"
            _text_block(surface, label, button.rect, unit * 2,
                        TEXT if button.enabled else MUTED, bold=True)


def _paint_dossier_code(screen: KioskScreen, surface: pygame.Surface, unit: int) -> None:
    """The dossier code typed so far, the hint and the dossier keyboard."""
    lay = screen.layout
    lang = screen.language
    box = lay.dossier_display
    pygame.draw.rect(surface, TEXT, pygame.Rect(box), border_radius=unit)
    _text_block(surface, screen.dossier_typed or "_", box, round(unit * 2.6), (0, 0, 0),
                bold=True)
    _text_block(surface, ui_text("dossier_hint", lang), lay.code_hint, round(unit * 1.4),
                MUTED)
    labels = {"cancel": "cancel", "dossier_delete": "delete", "dossier_submit": "dossier_submit"}
    for button in screen.buttons():
        if button.action == "dossier_key":
            _button(surface, button.rect, KEY if button.enabled else KEY_OFF)
            _text_block(surface, button.value, button.rect, round(unit * 2.2),
                        TEXT if button.enabled else MUTED, bold=True)
        elif button.action in labels:
            color = NEUTRAL
            if button.action == "dossier_submit":
                color = DONE if button.enabled else KEY_OFF
            _button(surface, button.rect, color)
            label = ui_text(labels[button.action], lang)
            if button.action == "dossier_delete":
                label = f"⌫ {label}"
            _text_block(surface, label, button.rect, unit * 2,
                        TEXT if button.enabled else MUTED, bold=True)


def _paint_dossier(screen: KioskScreen, surface: pygame.Surface, unit: int) -> None:
    """A dossier's status in the current language, the other below, and maybe a ticket."""
    lay = screen.layout
    lang = screen.language
    answer = screen.dossier or {}
    other = "en" if lang == "vi" else "vi"
    rects = {b.action: b.rect for b in screen.buttons()}
    home = rects.get("done", lay.done_button)
    body = (lay.margin * 2, lay.header[3], lay.width - 4 * lay.margin,
            home[1] - lay.header[3] - lay.margin * 2)
    pygame.draw.rect(surface, NOTICE, pygame.Rect(body), border_radius=unit)
    inner_x, inner_w = body[0] + unit, body[2] - 2 * unit
    y = body[1] + unit
    y = _text_block(surface, ui_text("dossier_code", lang, code=answer.get("code", "")),
                    (inner_x, y, inner_w, unit * 3), round(unit * 1.6))
    headline, _ = dossier_text(answer, lang)
    y = _text_block(surface, headline, (inner_x, y, inner_w, round(body[3] * 0.35)), unit * 3,
                    bold=True)
    offer = "collect" in rects
    status = answer.get("status")
    if offer:
        hint = ui_text("dossier_take", lang)
    elif answer.get("checked") and status in ("received", "in_progress"):
        hint = ui_text("dossier_come_back", lang)
    else:
        hint = ""
    if hint:
        y = _text_block(surface, hint, (inner_x, y, inner_w, unit * 3), round(unit * 1.8))
    second, _ = dossier_text(answer, other)
    _text_block(surface, second, (inner_x, y + unit, inner_w, body[1] + body[3] - y - 2 * unit),
                round(unit * 1.4), (235, 235, 235))
    _button(surface, home, NEUTRAL)
    _text_block(surface, ui_text("home", lang), home, unit * 2, bold=True)
    if offer:
        _button(surface, rects["collect"], SERVICE)
        _text_block(surface, ui_text("collect", lang), rects["collect"], unit * 2, bold=True)


def _paint_notice(screen: KioskScreen, surface: pygame.Surface, unit: int) -> None:
    """An answer about a booking: the current language large, the other one below."""
    lay = screen.layout
    lang = screen.language
    notice = screen.notice
    if notice is None:
        return
    walk_in = screen.walk_in_service
    other = "en" if lang == "vi" else "vi"

    def texts(language: str) -> tuple[str, str]:
        name = None
        if walk_in is not None:
            name = walk_in.get("name_en") if language == "en" else None
            name = name or walk_in.get("name_vi") or walk_in["code"]
        return notice_text(notice.code, language,
                           come_back_at=notice.details.get("come_back_at"),
                           retry_after=notice.retry_after, walk_in=name,
                           timezone=screen.timezone,
                           return_date=notice.details.get("return_date"))

    rects = {b.action: b.rect for b in screen.buttons()}
    home = rects.get("done", lay.done_button)
    body = (lay.margin * 2, lay.header[3], lay.width - 4 * lay.margin,
            home[1] - lay.header[3] - lay.margin * 2)
    pygame.draw.rect(surface, NOTICE, pygame.Rect(body), border_radius=unit)
    inner_x, inner_w = body[0] + unit, body[2] - 2 * unit
    headline, detail = texts(lang)
    other_headline, other_detail = texts(other)
    y = body[1] + unit
    y = _text_block(surface, headline, (inner_x, y, inner_w, round(body[3] * 0.4)), unit * 3,
                    bold=True)
    if detail:
        y = _text_block(surface, detail, (inner_x, y, inner_w, round(body[3] * 0.2)),
                        round(unit * 1.8))
    second = f"{other_headline}. {other_detail}" if other_detail else other_headline
    _text_block(surface, second, (inner_x, y + unit, inner_w, body[1] + body[3] - y - 2 * unit),
                round(unit * 1.4), (235, 235, 235))
    _button(surface, home, NEUTRAL)
    _text_block(surface, ui_text("home", lang), home, unit * 2, bold=True)
    if "walk_in" in rects:
        _button(surface, rects["walk_in"], SERVICE)
        _text_block(surface, ui_text("walk_in", lang), rects["walk_in"], unit * 2, bold=True)
