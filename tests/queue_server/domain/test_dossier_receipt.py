"""Reading dossier receipts: every province's format, a bare code, and garbage refused."""

from __future__ import annotations

import json
import os
from datetime import date

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from queue_server.domain.dossier_receipt import (
    ReceiptFormat,
    UnreadableReceipt,
    is_dossier_code,
    read_receipt,
)

CODE = "000.00.12.H12-231204-0001"


def test_a_bare_code_is_a_receipt_in_every_format():
    for kind in ("auto", "json", "pairs", "code"):
        assert read_receipt(f"  {CODE}\r\n", ReceiptFormat(kind=kind)).code == CODE
    fields = ReceiptFormat(kind="fields", field_order=("code", "procedure_code"))
    assert read_receipt(CODE, fields).code == CODE


def test_json_receipt_gives_all_the_circular_fields():
    text = json.dumps({
        "MaHoSo": CODE, "MaTTHC": "1.004227", "SoGiayTo": "096084000123",
        "TenGiayTo": "Giấy tiếp nhận hồ sơ và hẹn trả kết quả", "HeThong": "Hệ thống "
        "thông tin giải quyết TTHC tỉnh Cà Mau", "NgayTiepNhan": "04/12/2026 08:15",
        "NgayHenTra": "11/12/2026",
    }, ensure_ascii=False)
    receipt = read_receipt(text)
    assert receipt.code == CODE
    assert receipt.procedure_code == "1.004227"
    assert receipt.applicant_id == "096084000123"
    assert receipt.title.startswith("Giấy tiếp nhận")
    assert receipt.issuing_system.endswith("Cà Mau")
    assert receipt.issued_at == "04/12/2026 08:15"
    assert receipt.return_date == date(2026, 12, 11)


def test_key_value_pairs_with_a_province_separator():
    fmt = ReceiptFormat(kind="pairs", pair_separator="&", key_separator=":")
    receipt = read_receipt(f"mahoso:{CODE}&ngayhentra:2026-12-11", fmt)
    assert (receipt.code, receipt.return_date) == (CODE, date(2026, 12, 11))
    # the default separators, keys case-insensitive
    assert read_receipt(f"MAHOSO={CODE};MaTTHC=1.0042").procedure_code == "1.0042"


def test_delimited_fields_in_the_configured_order():
    fmt = ReceiptFormat(kind="fields", field_order=("procedure_code", "code", "", "return_date"),
                        field_separator="#")
    receipt = read_receipt(f"1.004227#{CODE}#ignored#11.12.2026", fmt)
    assert receipt.code == CODE and receipt.procedure_code == "1.004227"
    assert receipt.return_date == date(2026, 12, 11)
    with pytest.raises(UnreadableReceipt):
        read_receipt(f"1.004227#{CODE}", fmt)  # a field missing


def test_custom_key_names():
    fmt = ReceiptFormat(kind="json", keys={"code": ("hs",)})
    assert read_receipt('{"hs": "CM-1"}', fmt).code == "CM-1"
    with pytest.raises(UnreadableReceipt):
        read_receipt('{"MaHoSo": "CM 1 with spaces"}', fmt)


@pytest.mark.parametrize("text", [
    "https://dichvucong.gov.vn/p/home/dvc-tra-cuu-ho-so.html?ma=" + CODE,
    "00020101021238570010A00000072701270006970403011300110123456780208QRIBFTTA530370454"
    "06180000" "5802VN62150811THANH TOAN6304ABCD",
    "x" * 10_000,
    "",
    "   \n",
    '{"MaHoSo": "' + "A" * 65 + '"}',
    '{"MaHoSo": ["A"]}',
    '{"MaHoSo": "mã có dấu"}',
    "[1, 2, 3]",
    "{" * 3000,
    "MaHoSo=",
    "Xin chào",
])
def test_garbage_is_unreadable(text):
    with pytest.raises(UnreadableReceipt):
        read_receipt(text)


def test_random_bytes_are_unreadable():
    raw = os.urandom(300).decode("latin-1")
    with pytest.raises(UnreadableReceipt):
        read_receipt(raw + " \x00")


def test_a_bad_format_is_refused_by_name():
    with pytest.raises(ValueError, match="kind"):
        ReceiptFormat(kind="xml")
    with pytest.raises(ValueError, match="field_order"):
        ReceiptFormat(kind="fields")
    with pytest.raises(ValueError, match="'nickname'"):
        ReceiptFormat(keys={"code": ("a",), "nickname": ("b",)})


FORMATS = [
    ReceiptFormat(),
    ReceiptFormat(kind="pairs", pair_separator="&", key_separator=":"),
    ReceiptFormat(kind="fields", field_order=("code", "return_date"), field_separator="|"),
    ReceiptFormat(kind="code"),
]


@settings(max_examples=400, deadline=None)
@given(st.text(max_size=300) | st.binary(max_size=300).map(lambda b: b.decode("latin-1")),
       st.sampled_from(FORMATS))
def test_fuzz_never_crashes_and_never_accepts_an_invalid_code(text, fmt):
    try:
        receipt = read_receipt(text, fmt)
    except UnreadableReceipt:
        return
    assert is_dossier_code(receipt.code)
    assert receipt.code in text


@settings(max_examples=200, deadline=None)
@given(st.dictionaries(st.sampled_from(["MaHoSo", "MaTTHC", "NgayHenTra", "x"]),
                       st.text(max_size=80) | st.integers(), max_size=4))
def test_fuzz_json_receipts(data):
    text = json.dumps(data, ensure_ascii=False)
    try:
        receipt = read_receipt(text)
    except UnreadableReceipt:
        assert not is_dossier_code(str(data.get("MaHoSo", "")).strip())
        return
    assert is_dossier_code(receipt.code)
