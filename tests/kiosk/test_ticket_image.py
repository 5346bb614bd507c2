from __future__ import annotations

import pytest
from PIL import Image, ImageChops, ImageDraw

from kiosk.fonts import MissingFontError, font_path, pil_font
from kiosk.printer_spec import profile_width
from kiosk.ticket_image import format_issued_at, render_ticket

TICKET = {
    "id": "7b1f7d3a-2f4c-4a7e-9d55-0c1a2b3c4d5e",
    "number": "A012",
    "service": "A",
    "issued_at": "2025-03-04T01:05:00+00:00",
    "ahead": 7,
    "estimated_wait_s": 1250,
    "status_url": "http://192.168.1.10:8080/t/7b1f7d3a-2f4c-4a7e-9d55-0c1a2b3c4d5e",
    "priority": False,
    "service_name_vi": "Đất đai",
    "service_name_en": "Land",
    "site_name": "Trung tâm Phục vụ hành chính công tỉnh Cà Mau",
}

VIETNAMESE_LETTERS = (
    "ĂÂĐÊÔƠƯăâđêôơư"
    "áàảãạắằẳẵặấầẩẫậéèẻẽẹếềểễệíìỉĩịóòỏõọốồổỗộớờởỡợúùủũụứừửữựýỳỷỹỵ"
    "ÁÀẢÃẠẮẰẲẴẶẤẦẨẪẬÉÈẺẼẸẾỀỂỄỆÍÌỈĨỊÓÒỎÕỌỐỒỔỖỘỚỜỞỠỢÚÙỦŨỤỨỪỬỮỰÝỲỶỸỴ"
)


def _glyph(char: str, bold: bool) -> bytes:
    font = pil_font(40, bold)
    image = Image.new("1", (60, 60), 1)
    ImageDraw.Draw(image).text((5, 0), char, font=font, fill=0)
    return image.tobytes()


@pytest.mark.parametrize("bold", [False, True])
def test_dejavu_has_every_vietnamese_letter(bold: bool) -> None:
    # characters the font lacks (here CJK) are all drawn as the same "missing glyph" box
    tofu = _glyph("\u4e2d", bold)
    assert _glyph("\u4e01", bold) == tofu
    blank = _glyph(" ", bold)
    for char in VIETNAMESE_LETTERS:
        drawn = _glyph(char, bold)
        assert drawn != tofu, f"{char!r} is drawn as a missing-glyph box"
        assert drawn != blank, f"{char!r} is drawn empty"


@pytest.mark.parametrize(("profile", "width"), [("POS-5890", 384), ("TM-T20II", 576)])
def test_ticket_is_one_bit_and_exactly_the_paper_width(profile: str, width: int) -> None:
    image = render_ticket(TICKET, profile_width(profile))
    assert image.mode == "1"
    assert image.width == width
    assert image.height > width  # a tall ticket, not a stub
    # both inks are present: text on white paper
    assert image.getextrema() == (0, 255)


def test_vietnamese_name_is_not_rendered_like_its_ascii_form() -> None:
    with_marks = render_ticket(TICKET, 576)
    without = render_ticket({**TICKET, "service_name_vi": "Dat dai"}, 576)
    assert with_marks.size == without.size
    assert ImageChops.difference(with_marks.convert("L"), without.convert("L")).getbbox()


def test_priority_mark_and_english_lines_add_content() -> None:
    plain = render_ticket(TICKET, 384)
    priority = render_ticket({**TICKET, "priority": True}, 384)
    english = render_ticket(TICKET, 384, language="en")
    assert priority.height > plain.height
    assert english.height > plain.height


def test_time_is_shown_in_the_site_time_zone() -> None:
    assert format_issued_at("2025-03-04T01:05:00+00:00") == "04/03/2025 08:05"
    assert format_issued_at("2025-03-04T23:30:00+00:00", "Asia/Ho_Chi_Minh") == "05/03/2025 06:30"


def test_rendering_is_pure() -> None:
    first = render_ticket(TICKET, 512)
    second = render_ticket(TICKET, 512)
    assert first.tobytes() == second.tobytes()


def test_missing_font_names_the_file(tmp_path) -> None:
    with pytest.raises(MissingFontError, match="DejaVuSans-Bold.ttf"):
        font_path(bold=True, font_dir=tmp_path)
