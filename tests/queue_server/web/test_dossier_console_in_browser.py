"""An officer attaches dossier codes in the console, in a real Chromium against the real server."""

import requests

from tests.queue_server.web.test_console_in_browser import _current, _log_in, _outcome, _sit_at
from tests.support.screenshots import screenshot_dir

DOCS = screenshot_dir("console")
SCANNED = "000.00.12.H12-261204-0001"


def test_officer_attaches_dossier_codes_to_the_ticket_being_served(staffed_server, page):
    server = staffed_server
    page.set_viewport_size({"width": 1360, "height": 940})
    _log_in(page, server, "officer")
    _sit_at(page, "7")
    assert page.locator("#dossier-form").is_hidden()  # no ticket at the counter yet
    kiosk = {"Authorization": f"Bearer {server.tokens['kiosk-1']}"}
    ticket = requests.post(f"{server.url}/api/v1/tickets", headers=kiosk, timeout=10,
                           json={"service": "R", "dossier": SCANNED}).json()
    assert ticket["dossier_codes"] == [SCANNED]
    page.locator('#waiting tr[data-ticket="R001"]').wait_for()
    page.click("button.act.next")
    _current(page, "R001")
    page.locator(f'#dossier-codes code[data-dossier="{SCANNED}"]').wait_for()

    field = page.locator("#dossier-input")
    field.click()
    page.keyboard.type("mã sai", delay=5)
    page.keyboard.press("Enter")
    page.wait_for_function("document.getElementById('dossier-outcome').textContent"
                           ".includes('Không phải mã hồ sơ')")
    field.fill("")
    # a USB scanner in keyboard mode: a fast burst of keys ending in Enter
    page.keyboard.type("CM/2026/000123", delay=2)
    page.keyboard.press("Enter")
    page.wait_for_function("document.getElementById('dossier-outcome').textContent"
                           ".includes('Đã gắn hồ sơ CM/2026/000123 vào phiếu R001')")
    page.locator('#dossier-codes code[data-dossier="CM/2026/000123"]').wait_for()
    assert field.input_value() == ""
    page.screenshot(path=str(DOCS / "dossier-attached.png"))
    looked = requests.get(f"{server.url}/api/v1/tickets/{ticket['id']}", timeout=5).json()
    assert looked["dossier_codes"] == [SCANNED, "CM/2026/000123"]

    page.click("button.act.complete")
    _outcome(page, "Số R001 đã hoàn thành")
    row = page.locator('#history tr[data-ticket="R001"][data-status="done"]')
    row.wait_for()
    assert row.locator('[data-figure="dossiers"]').inner_text() == f"{SCANNED} CM/2026/000123"
    assert page.locator("#dossier-form").is_hidden()
