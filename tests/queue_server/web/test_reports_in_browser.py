"""A manager reads the report and downloads the Excel file, in a real headless Chromium."""

from openpyxl import load_workbook


def test_manager_reads_report_and_downloads_xlsx(staffed_server, page, tmp_path):
    staffed_server.take_ticket("B")  # B and C have no opening hours
    staffed_server.take_ticket("C", priority=True)

    page.goto(f"{staffed_server.url}/login")
    username, password = staffed_server.staff["manager"]
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", password)
    page.click("button[type=submit]")
    page.wait_for_load_state()

    page.goto(f"{staffed_server.url}/reports")
    assert page.locator("#fig-issued").inner_text() == "2"
    assert page.locator("h1").inner_text() == "Báo cáo"
    assert page.locator("table.heat").count() == 1

    with page.expect_download() as info:
        page.click("#export-xlsx")
    path = tmp_path / "report.xlsx"
    info.value.save_as(path)
    book = load_workbook(path)
    sheet = book["Danh sách phiếu"]
    assert sheet["A1"].value == "Số phiếu"
    assert sorted(c.value for c in sheet["A"][1:]) == ["B001", "C001"]
    totals = {row[0]: row[1] for row in book["Tổng hợp"].iter_rows(values_only=True)}
    assert totals["Số phiếu đã cấp"] == 2


def test_manager_reads_appointment_figures_and_downloads_the_bookings(
    tmp_path, mosquitto, page
):
    """A booking made and checked in through the real API shows on the page and in the
    bookings file (field A takes appointments all day, so a slot is always near)."""
    import csv
    from datetime import date, timedelta

    import requests

    from tests.conftest import STAFF
    from tests.queue_server.test_appointment_live import ALL_DAY, next_slot
    from tests.support.live_server import EXAMPLE_SITE, LiveServer, create_user

    text = EXAMPLE_SITE.read_text(encoding="utf-8")
    start = text.index("appointments = { slot_min = 15")
    site = tmp_path / "site.toml"
    site.write_text(text[:start] + ALL_DAY + text[text.index("\n", start):], encoding="utf-8")
    server = LiveServer(workdir=tmp_path / "server", mqtt_url=mosquitto.url, site_file=site)
    server.workdir.mkdir()
    server.prepare()
    username, password = STAFF["manager"]
    create_user(server, "manager", username, password)
    server.start()
    try:
        slot = next_slot(server)
        code = requests.post(f"{server.url}/api/v1/appointments", timeout=5, json={
            "service": "A", "start": slot, "name": "Võ Thị Thu", "phone": "0912345678",
        }).json()["code"]
        kiosk = {"Authorization": f"Bearer {server.tokens['kiosk-1']}"}
        assert requests.post(f"{server.url}/api/v1/appointments/{code}/check-in",
                             headers=kiosk, timeout=5).status_code == 201

        page.goto(f"{server.url}/login")
        page.fill("input[name=username]", username)
        page.fill("input[name=password]", password)
        page.click("button[type=submit]")
        page.wait_for_load_state()
        day = date.fromisoformat(slot[:10])
        first, last = day - timedelta(days=1), day + timedelta(days=1)
        page.goto(f"{server.url}/reports?from={first}&to={last}")
        assert page.locator("#appointments-h").inner_text() == "Lịch hẹn"
        assert page.locator("#fig-bookings").inner_text() == "1"
        assert page.locator("#fig-checked-in").inner_text() == "1"
        assert page.locator("#appointments-by-service tbody tr").count() == 1

        with page.expect_download() as info:
            page.click("#bookings-csv")
        path = tmp_path / "bookings.csv"
        info.value.save_as(path)
        rows = list(csv.reader(path.read_text(encoding="utf-8-sig").splitlines()))
        assert rows[1][:4] == [code, "A", slot, "checked_in"]
        assert rows[1][5] == "H001"
        assert "0912345678" not in path.read_text(encoding="utf-8-sig")
    finally:
        server.stop()
