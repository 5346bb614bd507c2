"""Public pages and login in a real headless Chromium."""

import re


def test_public_status_and_login(staffed_server, page):
    ticket = staffed_server.take_ticket("C")
    page.goto(f"{staffed_server.url}/")
    assert "Cà Mau" in page.content()
    assert page.locator("text=Đăng ký kinh doanh").count() >= 1
    page.goto(ticket["status_url"])
    assert page.locator("h1").inner_text() == ticket["number"]

    page.goto(f"{staffed_server.url}/login")
    username, password = staffed_server.staff["officer"]
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", "wrong-password")
    page.click("button[type=submit]")
    assert page.locator(".flash").count() == 1
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", password)
    page.click("button[type=submit]")
    assert not re.search(r"/login", page.url)
