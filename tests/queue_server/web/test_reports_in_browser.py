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
