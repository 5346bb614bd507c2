"""Setting up a centre in the browser: valid changes apply live, invalid ones change nothing."""

from sqlalchemy import select

from protocol import Board, decode
from queue_server.device_tokens import hash_token
from queue_server.queue_views import services_overview
from queue_server.storage.tables import Counter, Device, Service, Site, User

FIELD_A = {
    "name_vi": "Đất đai – Nhà ở", "name_en": "Land and housing", "prefix": "A",
    "first_number": "1", "number_width": "3", "target_wait_min": "20", "daily_limit": "300",
    "hours": "07:00-11:30, 13:30-17:00", "weekdays": ["1", "2", "3", "4", "5"], "active": "y",
}


def _service(hall, code):
    with hall.runtime.hall.transaction() as db:
        row = db.scalar(select(Service).where(Service.code == code))
        db.expunge(row)
        return row


def test_board_message_change_is_published_at_once(hall):
    admin = hall.login("admin")
    r = admin.post("/admin/site", data={"name": "Trung tâm Cà Mau",
                                        "board_message": "Nghỉ trưa 11:30–13:30",
                                        "closed_days": "2026-01-01",
                                        "check_in_before_min": "30",
                                        "check_in_after_min": "15"})
    assert r.status_code == 302
    board = decode(hall.published_on("/board")[-1], Board)
    assert board.message == "Nghỉ trưa 11:30–13:30"
    with hall.runtime.hall.transaction() as db:
        assert db.scalar(select(Site.name)) == "Trung tâm Cà Mau"
    assert "Nghỉ trưa 11:30–13:30" in hall.client().get("/").get_data(as_text=True)


def test_editing_a_field_shows_in_the_services_api(hall):
    admin = hall.login("admin")
    r = admin.post("/admin/fields/A", data=FIELD_A)
    assert r.status_code == 302, r.get_data(as_text=True)
    with hall.runtime.hall.transaction() as db:
        overview = services_overview(hall.runtime.hall, db)
    a = next(s for s in overview["services"] if s["code"] == "A")
    assert a["name_vi"] == "Đất đai – Nhà ở" and a["hours"] == ["07:00-11:30", "13:30-17:00"]
    assert hall.published_on("/board"), "the board is republished after the change"
    assert any(topic.endswith("/state") for topic, _, _ in hall.published)


def test_invalid_field_changes_nothing_and_says_why_next_to_the_field(hall):
    admin = hall.login("admin")
    before = _service(hall, "A")
    bad = dict(FIELD_A, name_vi="Mới", prefix="b!", number_width="9",
               hours="7h-11h", target_wait_min="0", daily_limit="-3")
    r = admin.post("/admin/fields/A", data=bad)
    assert r.status_code == 400
    page = r.get_data(as_text=True)
    assert "Chưa lưu gì" in page
    for field, message in [
        ("prefix", "Từ 1 đến 4 chữ in hoa hoặc chữ số"),
        ("number_width", "Nhập số nguyên từ 1 đến 6."),
        ("hours", "Ghi giờ theo dạng HH:MM-HH:MM"),
        ("target_wait_min", "Nhập số nguyên từ 1 đến 600."),
        ("daily_limit", "Nhập số nguyên từ 1 đến 99999."),
    ]:
        block = page.split(f'data-field="{field}"')[1].split('class="form-row"')[0]
        assert message in block, field
    after = _service(hall, "A")
    assert (after.name_vi, after.prefix, after.number_width) == (
        before.name_vi, before.prefix, before.number_width)
    assert not hall.published
    # a prefix another field already uses
    r = admin.post("/admin/fields/A", data=dict(FIELD_A, prefix="B"))
    assert r.status_code == 400 and "Ký tự đầu số này đã được lĩnh vực khác sử dụng." in \
        r.get_data(as_text=True)
    # closing time before opening time
    r = admin.post("/admin/fields/A", data=dict(FIELD_A, hours="11:00-08:00"))
    assert r.status_code == 400


def test_new_field_and_counter(hall):
    admin = hall.login("admin")
    r = admin.post("/admin/fields/new", data=dict(FIELD_A, code="F", prefix="F",
                                                  name_vi="Thuế", name_en="Tax"))
    assert r.status_code == 302
    assert _service(hall, "F").position == 7
    r = admin.post("/admin/fields/new", data=dict(FIELD_A, code="F", prefix="G"))
    assert r.status_code == 400  # the code exists
    r = admin.post("/admin/counters/new", data={"number": "9", "services": ["F", "A"]})
    assert r.status_code == 302
    r = admin.post("/admin/counters/new", data={"number": "9", "services": ["F"]})
    assert r.status_code == 400 and "Quầy này đã có." in r.get_data(as_text=True)
    r = admin.post("/admin/counters/3", data={"services": []})
    assert r.status_code == 400 and "Chọn ít nhất một lĩnh vực." in r.get_data(as_text=True)
    r = admin.post("/admin/counters/3", data={"services": ["B", "C"]})
    assert r.status_code == 302
    with hall.runtime.hall.transaction() as db:
        counters = {c.number: sorted(s.code for s in c.services)
                    for c in db.scalars(select(Counter))}
    assert counters["9"] == ["A", "F"] and counters["3"] == ["B", "C"]


def test_accounts_create_reset_and_lock(hall):
    admin = hall.login("admin")
    r = admin.post("/admin/officers", data={"username": "canbo2", "full_name": "Trần Thị B",
                                            "role": "officer", "password": "ngan",
                                            "confirm": "khac"})
    assert r.status_code == 400
    page = r.get_data(as_text=True)
    assert "Ít nhất 8 ký tự." in page and "Hai mật khẩu không khớp." in page
    r = admin.post("/admin/officers", data={"username": "canbo1", "role": "officer",
                                            "password": "mat-khau-moi-1",
                                            "confirm": "mat-khau-moi-1"})
    assert r.status_code == 400 and "Tên đăng nhập này đã có người dùng." in \
        r.get_data(as_text=True)
    r = admin.post("/admin/officers", data={"username": "canbo2", "full_name": "Trần Thị B",
                                            "role": "officer", "password": "mat-khau-moi-1",
                                            "confirm": "mat-khau-moi-1"})
    assert r.status_code == 302
    with hall.runtime.hall.transaction() as db:
        user = db.scalar(select(User).where(User.username == "canbo2"))
        uid, admin_id = user.id, db.scalar(select(User.id).where(User.username == "quantri"))
        assert user.password_hash != "mat-khau-moi-1"
    officer = hall.client()
    assert officer.post("/login", data={"username": "canbo2",
                                        "password": "mat-khau-moi-1"}).status_code == 302
    r = admin.post(f"/admin/officers/{uid}", data={"action": "password",
                                                    "pw-password": "doi-mat-khau-2",
                                                    "pw-confirm": "doi-mat-khau-2"})
    assert r.status_code == 302
    assert hall.client().post("/login", data={"username": "canbo2",
                                              "password": "doi-mat-khau-2"}).status_code == 302
    r = admin.post(f"/admin/officers/{uid}", data={"action": "profile", "full_name": "Trần Thị B",
                                                    "role": "officer"})  # active unticked
    assert r.status_code == 302
    assert officer.get("/").status_code == 200
    assert hall.client().post("/login", data={"username": "canbo2",
                                              "password": "doi-mat-khau-2"}).status_code == 401
    r = admin.post(f"/admin/officers/{admin_id}", data={"action": "profile", "role": "manager",
                                                         "active": "y"})
    assert r.status_code == 400 and "tự bỏ quyền quản trị" in r.get_data(as_text=True)


def test_devices_get_a_token_shown_once(hall):
    admin = hall.login("admin")
    r = admin.post("/admin/devices/new", data={"code": "counter-7", "kind": "counter",
                                               "counter": ""})
    assert r.status_code == 400 and "Chọn quầy của bộ gọi số này." in r.get_data(as_text=True)
    r = admin.post("/admin/devices/new", data={"code": "kiosk-2", "kind": "kiosk",
                                               "counter": ""})
    assert r.status_code == 200
    token = r.get_data(as_text=True).split('id="device-token">')[1].split("<")[0]
    with hall.runtime.hall.transaction() as db:
        device = db.scalar(select(Device).where(Device.code == "kiosk-2"))
        assert device.token_hash == hash_token(token)
    assert token not in admin.get("/admin/devices").get_data(as_text=True)
    r = admin.post("/admin/devices/kiosk-2/token")
    new = r.get_data(as_text=True).split('id="device-token">')[1].split("<")[0]
    assert new != token
    with hall.runtime.hall.transaction() as db:
        assert db.scalar(select(Device.token_hash).where(Device.code == "kiosk-2")) == \
            hash_token(new)
