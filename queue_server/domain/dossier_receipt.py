"""Dossier codes and the QR code printed on a dossier receipt (giấy tiếp nhận hồ sơ).

A one-stop centre's dossier system prints a receipt with a QR code that carries the
receipt fields of Circular 01/2023/TT-VPCP: the dossier code, the procedure code, the
applicant's id, the document title, the issuing system, the issue time and the return
date. Provinces encode them differently (a JSON object, ``key=value`` pairs, fields in a
fixed order with a separator), and some print only the bare code; a ``ReceiptFormat``
says which. Whatever a scanner or a keyboard hands over, ``read_receipt`` either finds a
valid dossier code in it or says the text is unreadable: a URL, a bank's VietQR
payload, random bytes or a page of text never become a code.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from datetime import date, datetime

#: letters, digits, ``.``, ``-``, ``_``, ``/``; 1 to 64 of them (DESIGN.md section 11)
CODE_MAX = 64
_CODE = re.compile(r"[A-Za-z0-9._/-]{1,64}")
#: the longest text worth reading: a QR code holds at most about 3 kB
TEXT_MAX = 4096
#: the receipt fields, in the order the circular lists them
FIELDS = (
    "code", "procedure_code", "applicant_id", "title", "issuing_system", "issued_at",
    "return_date",
)
#: names a field goes by in the provinces' JSON and key=value receipts (case ignored)
DEFAULT_KEYS: dict[str, tuple[str, ...]] = {
    "code": ("MaHoSo", "ma_ho_so", "SoHoSo", "so_ho_so", "dossier_code", "code"),
    "procedure_code": ("MaTTHC", "ma_tthc", "MaThuTuc", "ma_thu_tuc", "procedure_code"),
    "applicant_id": ("SoGiayTo", "so_giay_to", "CCCD", "MaCongDan", "applicant_id"),
    "title": ("TenGiayTo", "ten_giay_to", "TieuDe", "title"),
    "issuing_system": ("HeThong", "he_thong", "NoiCap", "issuing_system"),
    "issued_at": ("NgayTiepNhan", "ngay_tiep_nhan", "ThoiGianCap", "issued_at"),
    "return_date": ("NgayHenTra", "ngay_hen_tra", "HenTra", "return_date"),
}
KINDS = ("auto", "json", "pairs", "fields", "code")
# EMVCo merchant-presented payloads (VietQR and other bank QR codes): "000201" first,
# a CRC field "63" "04" XXXX last
_EMVCO = re.compile(r"^000201.*6304[0-9A-Fa-f]{4}$", re.DOTALL)
_DATE_FORMATS = ("%Y-%m-%d", "%d/%m/%Y", "%d-%m-%Y", "%Y%m%d", "%d.%m.%Y")


class UnreadableReceipt(ValueError):
    """The text holds no dossier code this site can read; the message says why."""


def is_dossier_code(text: object) -> bool:
    """True for a valid stored dossier code (no trimming, no case change)."""
    return isinstance(text, str) and _CODE.fullmatch(text) is not None


@dataclass(frozen=True)
class ReceiptFormat:
    """How one province's receipts encode their fields.

    ``kind`` is ``json``, ``pairs`` (``key=value`` joined by ``pair_separator``),
    ``fields`` (values in ``field_order`` joined by ``field_separator``), ``code`` (the
    bare code only) or ``auto`` (whichever of these the text looks like). A bare code is
    read in every kind.
    """

    kind: str = "auto"
    keys: dict[str, tuple[str, ...]] = field(default_factory=lambda: dict(DEFAULT_KEYS))
    pair_separator: str = ";"
    key_separator: str = "="
    field_order: tuple[str, ...] = ()
    field_separator: str = "|"

    def __post_init__(self) -> None:
        if self.kind not in KINDS:
            raise ValueError(f"kind must be one of {', '.join(KINDS)}, got {self.kind!r}")
        for name in (*self.keys, *(f for f in self.field_order if f)):
            if name not in FIELDS:
                raise ValueError(f"unknown receipt field {name!r} (fields: {', '.join(FIELDS)})")
        if "code" not in self.keys or not self.keys["code"]:
            raise ValueError("the receipt keys must name the 'code' field")
        for label, sep in (("pair_separator", self.pair_separator),
                           ("key_separator", self.key_separator),
                           ("field_separator", self.field_separator)):
            if not sep:
                raise ValueError(f"{label} must not be empty")
        if self.pair_separator == self.key_separator:
            raise ValueError("pair_separator and key_separator must differ")
        if self.kind == "fields" and "code" not in self.field_order:
            raise ValueError("a 'fields' receipt needs field_order with 'code' in it")


@dataclass(frozen=True)
class DossierReceipt:
    """What a receipt says; only ``code`` is always there."""

    code: str
    procedure_code: str | None = None
    applicant_id: str | None = None
    title: str | None = None
    issuing_system: str | None = None
    issued_at: str | None = None
    return_date: date | None = None


def read_receipt(text: object, fmt: ReceiptFormat | None = None) -> DossierReceipt:
    """The receipt in ``text`` (a scan or a typed code), or ``UnreadableReceipt``."""
    fmt = fmt or ReceiptFormat()
    if not isinstance(text, str):
        raise UnreadableReceipt("not text")
    if len(text) > TEXT_MAX:
        raise UnreadableReceipt(f"too long for a receipt ({len(text)} characters)")
    stripped = text.strip().lstrip("\ufeff")
    if not stripped:
        raise UnreadableReceipt("empty")
    if _EMVCO.match(stripped):
        raise UnreadableReceipt("a bank payment QR code, not a dossier receipt")
    if "://" in stripped:
        raise UnreadableReceipt("a web address, not a dossier receipt")
    if is_dossier_code(stripped):
        return DossierReceipt(code=stripped)
    readers = {
        "json": (_read_json,), "pairs": (_read_pairs,), "fields": (_read_fields,),
        "code": (), "auto": (_read_json, _read_pairs, _read_fields),
    }[fmt.kind]
    for reader in readers:
        values = reader(stripped, fmt)
        if values is not None:
            return _receipt(values)
    raise UnreadableReceipt("no dossier code in the text")


def _receipt(values: dict[str, str]) -> DossierReceipt:
    code = values.get("code", "").strip()
    if not is_dossier_code(code):
        raise UnreadableReceipt(
            f"the dossier code must be 1-{CODE_MAX} letters, digits, '.', '-', '_' or '/'"
        )
    extra = {name: (values.get(name) or "").strip()[:200] or None
             for name in FIELDS[1:-1]}
    return DossierReceipt(code=code, return_date=_date(values.get("return_date")), **extra)


def _date(text: str | None) -> date | None:
    """A return date in any of the usual spellings (a time after it is ignored)."""
    if not text:
        return None
    head = text.strip().split()[0] if text.strip() else ""
    head = head.split("T")[0]
    for fmt in _DATE_FORMATS:
        try:
            return datetime.strptime(head, fmt).date()
        except ValueError:
            continue
    return None


def _by_key(items: dict[str, str], fmt: ReceiptFormat) -> dict[str, str] | None:
    lowered = {k.strip().lower(): v for k, v in items.items()}
    values = {}
    for name, aliases in fmt.keys.items():
        for alias in aliases:
            if alias.lower() in lowered:
                values[name] = lowered[alias.lower()]
                break
    return values if "code" in values else None


def _read_json(text: str, fmt: ReceiptFormat) -> dict[str, str] | None:
    if not text.startswith("{"):
        return None
    try:
        data = json.loads(text)
    except (ValueError, RecursionError):
        return None
    if not isinstance(data, dict):
        return None
    flat = {str(k): v for k, v in data.items() if isinstance(v, str | int) and
            not isinstance(v, bool)}
    return _by_key({k: str(v) for k, v in flat.items()}, fmt)


def _read_pairs(text: str, fmt: ReceiptFormat) -> dict[str, str] | None:
    if fmt.key_separator not in text:
        return None
    items = {}
    for line in text.replace("\r\n", "\n").split("\n"):
        for part in line.split(fmt.pair_separator):
            key, sep, value = part.partition(fmt.key_separator)
            if sep:
                items.setdefault(key, value)
    return _by_key(items, fmt)


def _read_fields(text: str, fmt: ReceiptFormat) -> dict[str, str] | None:
    if not fmt.field_order or fmt.field_separator not in text:
        return None
    parts = text.split(fmt.field_separator)
    if len(parts) != len(fmt.field_order):
        return None
    values = {name: value for name, value in zip(fmt.field_order, parts, strict=True) if name}
    return values if "code" in values else None
