"""PNG pictures of every kiosk screen and of a printed ticket, for the manual.

``python -m kiosk screenshots --out docs/kiosk`` draws the real screens (the same
KioskScreen and painter as the running kiosk) from the sample site, without a
server, a printer or a window, so the pictures in the documentation always match
the code.
"""

from __future__ import annotations

import os
import tomllib
from pathlib import Path
from typing import Any

from kiosk.kiosk_error import KioskError
from kiosk.screen_model import KioskScreen
from kiosk.ticket_image import render_ticket

SAMPLE_SITE = Path(__file__).resolve().parents[1] / "firmware_config" / "examples" / "site.toml"
SIZE = (1024, 600)
NOW = 1000.0
SAMPLE_TIMEZONE = "Asia/Ho_Chi_Minh"


def sample_services(site_file: Path = SAMPLE_SITE) -> tuple[str, list[dict[str, Any]]]:
    """The site's name and its services as GET /api/v1/services would list them.

    A ValueError names the file when it is not a readable site file.
    """
    path = Path(site_file)
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except UnicodeDecodeError:
        raise ValueError(f"{path}: not UTF-8 text: save the site file as UTF-8") from None
    except tomllib.TOMLDecodeError as exc:
        raise ValueError(f"{path}: not valid TOML: {exc}") from None
    services = []
    for index, s in enumerate(data.get("services", [])):
        if not isinstance(s, dict) or not {"code", "name_vi"} <= s.keys():
            raise ValueError(f"{path}: every [[services]] needs code and name_vi "
                             "(python -m firmware_config validate shows the line)")
        waiting = (7, 12, 3, 0, 5, 2)[index % 6]
        services.append({
            "code": s["code"], "name_vi": s["name_vi"], "name_en": s.get("name_en", ""),
            "prefix": s.get("prefix", s["code"]), "open": True, "closed_reason": None,
            "waiting": waiting, "estimated_wait_s": waiting * 240,
            "results": bool(s.get("results", False)),
            "results_when_not_ready": bool(data.get("site", {}).get("results_when_not_ready")),
        })
    if len(services) > 3:  # show what a closed field looks like
        services[3].update(open=False, closed_reason="Ngoài giờ tiếp nhận")
    return data.get("site", {}).get("name", ""), services


def sample_ticket(site_name: str, service: dict[str, Any], priority: bool = False) -> dict:
    """A ticket as POST /api/v1/tickets answers it, with a fixed time."""
    number = f"{service['prefix']}{service['waiting'] + 1:03d}"
    return {
        "id": "3f6c1d2e-8a4b-4c5d-9e0f-1a2b3c4d5e6f", "number": number,
        "service": service["code"], "issued_at": "2025-03-04T08:05:00+07:00",
        "ahead": service["waiting"], "estimated_wait_s": service["estimated_wait_s"],
        "status_url": "http://192.168.1.10:8080/t/3f6c1d2e-8a4b-4c5d-9e0f-1a2b3c4d5e6f",
        "priority": priority, "service_name_vi": service["name_vi"],
        "service_name_en": service["name_en"], "site_name": site_name,
    }


def sample_appointment_ticket(site_name: str, service: dict[str, Any]) -> dict:
    """The ticket a check-in answers: an appointment number and the booked time."""
    return {**sample_ticket(site_name, service), "number": "H004", "ahead": 0,
            "estimated_wait_s": 0, "appointment_start": "2025-03-04T09:30:00+07:00"}


def _rect(screen: KioskScreen, action: str, value: str = "") -> tuple[int, int, int, int]:
    return next(b.rect for b in screen.buttons() if b.action == action and b.value == value)


def _centre(rect: tuple[int, int, int, int]) -> tuple[int, int]:
    x, y, w, h = rect
    return x + w // 2, y + h // 2


def write_screenshots(out: Path, site_file: Path = SAMPLE_SITE,
                      size: tuple[int, int] = SIZE) -> list[Path]:
    """Write the screens and two sample tickets into ``out``; returns the files written."""
    os.environ.setdefault("SDL_VIDEODRIVER", "dummy")
    os.environ.setdefault("PYGAME_HIDE_SUPPORT_PROMPT", "1")
    import pygame

    from kiosk.screen_painter import forget_fonts, paint

    pygame.font.init()
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    site_name, services = sample_services(site_file)
    written: list[Path] = []

    def shot(name: str, screen: KioskScreen) -> None:
        surface = pygame.Surface(size)
        paint(screen, surface)
        path = out / f"{name}.png"
        pygame.image.save(surface, str(path))
        written.append(path)

    def fresh(language: str = "vi", health: str = "ok") -> KioskScreen:
        screen = KioskScreen(size, language)
        screen.show_services([dict(s) for s in services], site_name, health, NOW)
        return screen

    shot("start", fresh())
    shot("start_en", fresh("en"))
    screen = fresh()
    screen.priority = True
    shot("priority", screen)
    screen = fresh()
    screen.show_ticket(sample_ticket(site_name, services[1]), NOW)
    shot("confirmation", screen)
    screen = fresh()
    screen.show_ticket(sample_ticket(site_name, services[0], priority=True), NOW)
    shot("confirmation_priority", screen)
    shot("paper_out", fresh(health="paper_out"))
    screen = fresh()
    screen.refresh_failed(KioskError("unreachable"), NOW)
    shot("server_down", screen)
    screen = fresh()
    screen.show_error(KioskError("print_failed", ticket=sample_ticket(site_name, services[2])),
                      NOW)
    shot("print_failed", screen)

    # citizens with a booking
    screen = fresh()
    screen.appointments = True
    shot("appointment_start", screen)
    screen.click(*_centre(_rect(screen, "appointment")), NOW)
    for ch in "K7M2Q9":
        screen.click(*_centre(_rect(screen, "key", ch)), NOW)
    shot("appointment_code", screen)
    booked = sample_appointment_ticket(site_name, services[0])
    screen = fresh()
    screen.timezone = SAMPLE_TIMEZONE
    screen.show_ticket(booked, NOW)
    shot("appointment_confirmation", screen)
    for name, error in (
        ("appointment_too_early", KioskError(
            "too_early", details={"come_back_at": "2025-03-04T09:15:00+07:00"})),
        ("appointment_too_late", KioskError("too_late", details={"service": services[0]["code"]})),
        ("appointment_cancelled", KioskError("cancelled")),
        ("appointment_unknown", KioskError("unknown_booking")),
        ("appointment_wait", KioskError("too_many_attempts", retry_after=30)),
        ("scan_unreadable", KioskError("unreadable")),
    ):
        screen = fresh()
        screen.timezone = SAMPLE_TIMEZONE
        screen.show_notice(error, NOW)
        shot(name, screen)

    # citizens collecting a result (a field with results = true)
    results = next((s for s in services if s.get("results")), None)
    results_ticket = None
    if results is not None:
        screen = fresh()
        screen.click(*_centre(_rect(screen, "dossier_entry")), NOW)
        for ch in "000.00.12.H12-2612":
            screen.click(*_centre(_rect(screen, "dossier_key", ch)), NOW)
        shot("dossier_code", screen)
        code = "000.00.12.H12-261204-0001"
        for name, answer in (
            ("dossier_ready", {"status": "ready", "return_date": "2025-03-04", "checked": True}),
            ("dossier_not_ready", {"status": "in_progress", "return_date": "2025-03-11",
                                   "checked": True}),
            ("dossier_unchecked", {"status": "unknown", "return_date": None, "checked": False}),
        ):
            screen = fresh()
            screen.show_dossier({"code": code, **answer}, NOW)
            shot(name, screen)
        results_ticket = {**sample_ticket(site_name, results), "dossier_codes": [code]}
    for name, width, language, ticket in (
        *((("ticket_results_80mm", 576, "vi", results_ticket),) if results_ticket else ()),
        ("ticket_80mm", 576, "vi", sample_ticket(site_name, services[4])),
        ("ticket_58mm_en", 384, "en", sample_ticket(site_name, services[1])),
        ("ticket_appointment_80mm", 576, "vi", booked),
    ):
        image = render_ticket(ticket, width, language, SAMPLE_TIMEZONE)
        path = out / f"{name}.png"
        image.save(path)
        written.append(path)
    forget_fonts()
    pygame.font.quit()
    return written

