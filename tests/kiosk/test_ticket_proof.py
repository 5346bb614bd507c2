"""Proof that printed tickets are right: every sample field, both paper widths, the bytes
the printer receives, and a golden image of the layout.

Regenerating the golden images after an intended layout change:

    MOTCUA_UPDATE_GOLDEN=1 .venv/bin/pytest -q tests/kiosk/test_ticket_proof.py

then look at the PNGs in tests/kiosk/golden/ before committing them.
"""

from __future__ import annotations

import os
import tomllib
from pathlib import Path

import pytest
from escpos.printer import Dummy
from PIL import Image, ImageChops

from kiosk.ticket_image import render_ticket
from kiosk.ticket_printer import TicketPrinter
from tests.kiosk.escpos_raster import decode_raster, raster_blocks

ROOT = Path(__file__).resolve().parents[2]
GOLDEN = Path(__file__).parent / "golden"
SITE = tomllib.loads((ROOT / "firmware_config" / "examples" / "site.toml").read_text("utf-8"))
WIDTHS = {384: "POS-5890", 576: "TM-T20II"}
#: differing dots allowed against a golden image (font rasteriser updates move a few)
GOLDEN_TOLERANCE = 0.001

FIXED_TICKET = {
    "id": "0b6f3c2a-5d4e-4f1a-8b9c-7d6e5f4a3b2c",
    "number": "E027",
    "service": "E",
    "issued_at": "2025-06-02T09:41:00+07:00",
    "ahead": 12,
    "estimated_wait_s": 1830,
    "status_url": "http://192.168.1.10:8080/t/0b6f3c2a-5d4e-4f1a-8b9c-7d6e5f4a3b2c",
    "priority": False,
    "service_name_vi": "Lao động – Thương binh và Xã hội",
    "service_name_en": "Labour, invalids and social affairs",
    "site_name": "Trung tâm Phục vụ hành chính công tỉnh Cà Mau",
}


def _ticket(service: dict, priority: bool = False) -> dict:
    return {**FIXED_TICKET, "number": f"{service['code']}123", "service": service["code"],
            "service_name_vi": service["name_vi"], "service_name_en": service["name_en"],
            "priority": priority}


def _margin(width: int) -> int:
    return max(8, round(16 * width / 576))


def _black_in_columns(image: Image.Image, left: int, right: int) -> bool:
    strip = image.crop((left, 0, right, image.height)).convert("L")
    return strip.getextrema()[0] == 0


@pytest.mark.parametrize("width", sorted(WIDTHS))
@pytest.mark.parametrize("language", ["vi", "en"])
@pytest.mark.parametrize("service", SITE["services"], ids=lambda s: s["code"])
def test_every_sample_field_fits_the_paper(service: dict, language: str, width: int) -> None:
    for priority in (False, True):
        image = render_ticket(_ticket(service, priority), width, language)
        assert image.mode == "1" and image.width == width
        margin = _margin(width)
        assert not _black_in_columns(image, 0, margin), "ink in the left margin"
        assert not _black_in_columns(image, width - margin, width), "ink in the right margin"
        assert _black_in_columns(image, margin, width - margin)


def test_long_names_wrap_instead_of_overflowing() -> None:
    long_name = ("Thủ tục hành chính liên thông đăng ký khai sinh, đăng ký thường trú, "
                 "cấp thẻ bảo hiểm y tế cho trẻ em dưới sáu tuổi")
    one_word = "Nghĩavụquânsựvàcáchoạtđộngquốcphòngtoàndân" * 2  # no place to break
    short = render_ticket(FIXED_TICKET, 384)
    for name in (long_name, one_word):
        image = render_ticket({**FIXED_TICKET, "service_name_vi": name}, 384)
        assert not _black_in_columns(image, 0, _margin(384))
        assert not _black_in_columns(image, 384 - _margin(384), 384)
        assert image.height > short.height  # it wrapped onto more lines


@pytest.mark.parametrize(("width", "profile"), sorted(WIDTHS.items()))
def test_printer_bytes_decode_back_to_the_rendered_ticket(width: int, profile: str) -> None:
    dummy = Dummy(profile=profile)
    rendered = TicketPrinter(dummy).print_ticket({**FIXED_TICKET, "priority": True})
    blocks = raster_blocks(dummy.output)
    assert {w for w, _, _ in blocks} == {width // 8}
    printed = decode_raster(dummy.output)
    assert printed.size == rendered.size == (width, rendered.height)
    assert ImageChops.difference(printed.convert("L"), rendered.convert("L")).getbbox() is None


@pytest.mark.parametrize(("name", "width", "language", "priority"), [
    ("ticket_576_vi.png", 576, "vi", False),
    ("ticket_384_en_priority.png", 384, "en", True),
])
def test_layout_matches_the_golden_image(name: str, width: int, language: str,
                                        priority: bool) -> None:
    image = render_ticket({**FIXED_TICKET, "priority": priority}, width, language)
    path = GOLDEN / name
    if os.environ.get("MOTCUA_UPDATE_GOLDEN") == "1":
        image.save(path)
    golden = Image.open(path).convert("1")
    assert golden.size == image.size, f"layout height changed: {golden.size} → {image.size}"
    diff = ImageChops.difference(golden.convert("L"), image.convert("L"))
    changed = diff.histogram()[1:]
    changed = sum(changed)
    assert changed <= GOLDEN_TOLERANCE * width * image.height, (
        f"{changed} dots differ from {name}; if the change is intended, regenerate "
        "(see this module's docstring)"
    )


@pytest.mark.parametrize("width", sorted(WIDTHS))
@pytest.mark.parametrize("language", ["vi", "en"])
def test_appointment_tickets_fit_the_paper_and_show_the_time(width: int, language: str) -> None:
    booked = {**FIXED_TICKET, "number": "H012", "appointment_start": "2025-06-02T02:30:00+00:00"}
    image = render_ticket(booked, width, language, "Asia/Ho_Chi_Minh")
    margin = _margin(width)
    assert not _black_in_columns(image, 0, margin)
    assert not _black_in_columns(image, width - margin, width)
    plain = render_ticket({**booked, "appointment_start": None}, width, language)
    assert image.height > plain.height
    # the time is drawn in the site's time: 02:30 UTC is 09:30 in Cà Mau
    same = render_ticket({**booked, "appointment_start": "2025-06-02T09:30:00+07:00"}, width,
                         language, "Asia/Ho_Chi_Minh")
    assert ImageChops.difference(image.convert("L"), same.convert("L")).getbbox() is None
    other = render_ticket({**booked, "appointment_start": "2025-06-02T09:45:00+07:00"}, width,
                          language, "Asia/Ho_Chi_Minh")
    assert ImageChops.difference(image.convert("L"), other.convert("L")).getbbox() is not None
