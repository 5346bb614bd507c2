"""Logging in, roles on every page, CSRF, the login rate limit and session timeouts."""

from tests.queue_server.web.conftest import STAFF, csrf_token_of


def test_login_lands_on_the_role_home_and_logout_ends_the_session(hall):
    client = hall.client()
    r = client.post("/login", data={"username": "lanhdao", "password": STAFF["manager"][1]})
    assert r.status_code == 302 and r.headers["Location"].endswith("/dashboard")
    assert client.get("/dashboard").status_code == 200
    assert client.post("/logout").status_code == 302
    r = client.get("/dashboard")
    assert r.status_code == 302 and "/login" in r.headers["Location"]


def test_wrong_password_is_refused_with_a_vietnamese_message(hall):
    r = hall.client().post("/login", data={"username": "lanhdao", "password": "sai-mat-khau"})
    assert r.status_code == 401
    assert "Sai tên đăng nhập hoặc mật khẩu." in r.get_data(as_text=True)


def test_roles_are_checked_on_every_staff_page(hall):
    officer = hall.login("officer")
    for path in ("/admin", "/admin/site", "/admin/fields", "/admin/officers", "/dashboard",
                 "/dashboard/events"):
        r = officer.get(path)
        assert r.status_code == 403, path
    assert "Không có quyền truy cập" in officer.get("/admin/fields").get_data(as_text=True)
    manager = hall.login("manager")
    assert manager.get("/dashboard").status_code == 200
    assert manager.get("/admin/site").status_code == 403
    admin = hall.login("admin")
    assert admin.get("/dashboard").status_code == 200
    assert admin.get("/admin/site").status_code == 200
    anonymous = hall.client()
    r = anonymous.get("/admin/site")
    assert r.status_code == 302 and "/login" in r.headers["Location"]
    assert anonymous.get("/dashboard/events").status_code == 401


def test_a_form_without_its_csrf_token_is_refused(hall):
    client = hall.client(csrf=True)
    r = client.post("/login", data={"username": "quantri", "password": STAFF["admin"][1]})
    assert r.status_code == 400
    page = client.get("/login").get_data(as_text=True)
    r = client.post("/login", data={"username": "quantri", "password": STAFF["admin"][1],
                                    "csrf_token": csrf_token_of(page)})
    assert r.status_code == 302
    before = client.get("/admin/site").get_data(as_text=True)
    r = client.post("/admin/site", data={"name": "Đã đổi", "board_message": ""})
    assert r.status_code == 400
    r = client.post("/admin/site", data={"name": "Đã đổi", "board_message": "",
                                         "check_in_before_min": "30",
                                         "check_in_after_min": "15",
                                         "csrf_token": csrf_token_of(before)})
    assert r.status_code == 302


def test_login_rate_limit_per_username_and_address(hall):
    client = hall.client()
    for _ in range(4):
        r = client.post("/login", data={"username": "quantri", "password": "sai-mat-khau"})
        assert r.status_code == 401
    r = client.post("/login", data={"username": "quantri", "password": "sai-mat-khau"})
    assert r.status_code == 429
    assert "Bạn đã đăng nhập sai quá nhiều lần" in r.get_data(as_text=True)
    assert int(r.headers["Retry-After"]) > 0
    # even the right password waits now; another name from the same address does not
    r = client.post("/login", data={"username": "quantri", "password": STAFF["admin"][1]})
    assert r.status_code == 429
    r = client.post("/login", data={"username": "lanhdao", "password": STAFF["manager"][1]})
    assert r.status_code == 302
    hall.clock.advance(minutes=5, seconds=1)
    r = hall.client().post("/login", data={"username": "quantri", "password": STAFF["admin"][1]})
    assert r.status_code == 302


def test_idle_and_absolute_session_timeouts(hall):
    client = hall.login("manager")
    hall.clock.advance(minutes=29)
    assert client.get("/dashboard").status_code == 200
    hall.clock.advance(minutes=29)
    assert client.get("/dashboard").status_code == 200  # active again within 30 min
    hall.clock.advance(minutes=31)
    r = client.get("/dashboard")
    assert r.status_code == 302 and "/login" in r.headers["Location"]

    client = hall.login("manager")
    busy_minutes = 0
    while client.get("/dashboard").status_code == 200:  # busy all day: a request every 25 min
        hall.clock.advance(minutes=25)
        busy_minutes += 25
        assert busy_minutes <= 11 * 60, "the absolute limit never ended the session"
    assert 10 * 60 < busy_minutes <= 10 * 60 + 25


def test_next_parameter_cannot_send_the_user_elsewhere(hall):
    client = hall.client()
    r = client.post("/login?next=//evil.example/x",
                    data={"username": "lanhdao", "password": STAFF["manager"][1]})
    assert r.headers["Location"].endswith("/dashboard")
