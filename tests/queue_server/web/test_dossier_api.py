"""Dossier codes through the API: results tickets from a receipt, lookups, attaching at the counter.

The hall uses the example site: field R (Trả kết quả) is the results-pickup field and a
dossier not ready yet gets no ticket. The dossier system is a real process
(tests/support/dossier_system.py).
"""

from __future__ import annotations

import json

import pytest
from sqlalchemy import select

from queue_server.dossier_lookup import DossierConfig
from queue_server.storage.tables import TicketDossier, TicketEvent
from tests.queue_server.web.conftest import build_hall, close_hall, csrf_token_of
from tests.queue_server.web.test_appointment_check_in import kiosk
from tests.support.dossier_process import dossier_system

READY = "000.00.12.H12-261204-0001"
IN_PROGRESS = "000.00.12.H12-261204-0002"
RECEIPT = json.dumps({"MaHoSo": READY, "MaTTHC": "1.004227", "NgayHenTra": "04/12/2026"})


@pytest.fixture
def connected(tmp_path):
    with dossier_system(tmp_path) as url:
        h = build_hall(tmp_path, dossier=DossierConfig(connector="http", url=url,
                                                        timeout_s=0.5))
        yield h
        close_hall(h)


def test_a_receipt_gives_a_results_ticket_carrying_its_code(connected):
    r = connected.client().post("/api/v1/tickets", headers=kiosk(connected),
                                json={"service": "R", "dossier": RECEIPT})
    assert r.status_code == 201, r.get_json()
    ticket = r.get_json()
    assert ticket["number"] == "R001" and ticket["dossier_codes"] == [READY]
    again = connected.client().get(f"/api/v1/tickets/{ticket['id']}").get_json()
    assert again["dossier_codes"] == [READY]
    plain = connected.client().post("/api/v1/tickets", headers=kiosk(connected),
                                    json={"service": "A"}).get_json()
    assert plain["dossier_codes"] == []


def test_a_dossier_not_ready_is_told_its_return_date(connected):
    r = connected.client().post("/api/v1/tickets", headers=kiosk(connected),
                                json={"service": "R", "dossier": IN_PROGRESS})
    assert r.status_code == 409
    error = r.get_json()["error"]
    assert error["code"] == "not_ready" and error["return_date"] == "2026-12-11"
    assert "11/12/2026" in error["message"]
    with connected.runtime.hall.read() as db:
        assert db.scalar(select(TicketDossier)) is None


@pytest.mark.parametrize("text", [
    "https://example.gov.vn/?ma=1", "x" * 10_000, "", "Hồ sơ số 1",
    "00020101021238570010A000000727012700069704030113001101234567802"
    "08QRIBFTTA53037045802VN6304ABCD",
])
def test_unreadable_receipts_are_422_and_issue_nothing(connected, text):
    r = connected.client().post("/api/v1/tickets", headers=kiosk(connected),
                                json={"service": "R", "dossier": text})
    assert r.status_code == 422 and r.get_json()["error"]["code"] == "bad_dossier"
    with connected.runtime.hall.read() as db:
        assert db.scalar(select(TicketEvent)) is None


def test_dossier_lookup_for_kiosks_and_staff(connected):
    r = connected.client().get(f"/api/v1/dossiers/{READY}", headers=kiosk(connected))
    assert r.get_json() == {"code": READY, "status": "ready", "return_date": "2026-12-04",
                            "checked": True}
    staff = connected.login("officer")
    assert staff.get(f"/api/v1/dossiers/{IN_PROGRESS}").get_json()["status"] == "in_progress"
    assert connected.client().get(f"/api/v1/dossiers/{READY}").status_code == 401
    slow = connected.client().get("/api/v1/dossiers/HANG-1", headers=kiosk(connected))
    assert slow.get_json() == {"code": "HANG-1", "status": "unknown", "return_date": None,
                               "checked": False}
    assert connected.client().get("/api/v1/dossiers/CM%2F2026%2F1",
                                  headers=kiosk(connected)).get_json()["code"] == "CM/2026/1"
    from urllib.parse import quote
    whole = connected.client().get("/api/v1/dossiers/" + quote(RECEIPT, safe=""),
                                   headers=kiosk(connected))
    assert whole.get_json()["code"] == READY and whole.get_json()["status"] == "ready"
    bad = connected.client().get("/api/v1/dossiers/" + "A" * 65, headers=kiosk(connected))
    assert bad.status_code == 422


def test_connector_none_still_issues_a_results_ticket(hall):
    r = hall.client().get(f"/api/v1/dossiers/{IN_PROGRESS}", headers=kiosk(hall))
    assert r.get_json()["checked"] is False
    r = hall.client().post("/api/v1/tickets", headers=kiosk(hall),
                           json={"service": "R", "dossier": IN_PROGRESS})
    assert r.status_code == 201 and r.get_json()["dossier_codes"] == [IN_PROGRESS]
    services = hall.client().get("/api/v1/services").get_json()["services"]
    results = [s["code"] for s in services if s["results"]]
    assert results == ["R"]


def test_an_officer_attaches_codes_to_a_ticket(hall):
    ticket = hall.take("A")
    officer = hall.login("officer")
    token = csrf_token_of(officer.get("/console?choose=1").get_data(as_text=True))
    officer.environ_base["HTTP_X_CSRFTOKEN"] = token
    url = f"/api/v1/tickets/{ticket['id']}/dossiers"
    r = officer.post(url, json={"code": " CM-2026-77 "})
    assert r.status_code == 200 and r.get_json()["dossier_codes"] == ["CM-2026-77"]
    r = officer.post(url, json={"code": "000.00.12.H12-261204-0003"})
    assert r.get_json()["dossier_codes"] == ["CM-2026-77", "000.00.12.H12-261204-0003"]
    assert officer.post(url, json={"code": "CM-2026-77"}).get_json()["dossier_codes"] == [
        "CM-2026-77", "000.00.12.H12-261204-0003"]
    bad = officer.post(url, json={"code": "mã sai"})
    assert bad.status_code == 422 and bad.get_json()["error"]["code"] == "bad_dossier"
    assert officer.post("/api/v1/tickets/nope/dossiers", json={"code": "X1"}).status_code == 404
    assert hall.client().post(url, json={"code": "X1"}).status_code == 401
    with hall.runtime.hall.read() as db:
        details = list(db.scalars(select(TicketEvent.detail).where(
            TicketEvent.kind == "dossier")))
    assert details == ["CM-2026-77", "000.00.12.H12-261204-0003"]


def test_exports_and_the_dossier_report_show_the_codes(hall):
    import csv
    import io

    from openpyxl import load_workbook

    first = hall.client().post("/api/v1/tickets", headers=kiosk(hall),
                               json={"service": "R", "dossier": RECEIPT}).get_json()
    hall.take("A")
    officer = hall.login("officer")
    officer.environ_base["HTTP_X_CSRFTOKEN"] = csrf_token_of(
        officer.get("/console?choose=1").get_data(as_text=True))
    officer.post(f"/api/v1/tickets/{first['id']}/dossiers", json={"code": "CM/2026/5"})
    hall.clock.advance(minutes=3)
    manager = hall.login("manager")
    rows = list(csv.reader(io.StringIO(
        manager.get("/reports/export.csv").get_data().decode("utf-8-sig"))))
    assert rows[0][-1] == "Mã hồ sơ"
    assert [(r[0], r[-1]) for r in rows[1:]] == [("R001", f"{READY} CM/2026/5"), ("A001", "")]
    sheet = load_workbook(io.BytesIO(manager.get("/reports/export.xlsx").get_data()))[
        "Danh sách phiếu"]
    assert [c.value for c in sheet[2]][-1] == f"{READY} CM/2026/5"

    page = manager.get("/reports/dossiers?code=CM/2026/5")
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and 'id="dossier-tickets"' in html
    assert "R001" in html and "Trả kết quả" in html and "A001" not in html
    none = manager.get("/reports/dossiers?code=XYZ-1").get_data(as_text=True)
    assert 'id="no-tickets"' in none and "Chưa có phiếu nào" in none
    assert manager.get("/reports/dossiers?code=m%C3%A3+sai").status_code == 400
    assert officer.get("/reports/dossiers?code=X").status_code == 403
    assert 'href="/reports/dossiers"' in manager.get("/reports").get_data(as_text=True)
