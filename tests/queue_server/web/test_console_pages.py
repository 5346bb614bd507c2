"""The officer console through Flask's test client: seats, snapshots, the event stream,
and every word in both languages."""

import json
import re
from pathlib import Path

import pytest

from queue_server.accounts import create_user
from queue_server.web.i18n.extract import untranslated
from tests.queue_server.web.conftest import csrf_token_of

WEB = Path(__file__).resolve().parents[3] / "queue_server" / "web"
TEMPLATES = sorted((WEB / "templates").glob("console*.html"))


def _sit(client, counter, **extra):
    page = client.get("/console?choose=1").get_data(as_text=True)
    return client.post("/console/seat", data={"csrf_token": csrf_token_of(page),
                                              "counter": counter, **extra})


def _config(page: str) -> dict:
    return json.loads(re.search(r'id="console-config">(.*?)</script>', page, re.S).group(1))


def test_officer_sits_and_sees_the_desk(hall):
    client = hall.login("officer")
    chooser = client.get("/console")
    assert chooser.status_code == 200
    assert "Chọn quầy làm việc" in chooser.get_data(as_text=True)
    assert _sit(client, "5").status_code == 302
    page = client.get("/console").get_data(as_text=True)
    assert "Quầy 5" in page and "Đăng ký kinh doanh" in page
    assert re.search(r'<meta name="csrf-token" content="[^"]+">', page)
    config = _config(page)
    assert config["api"] == "/api/v1/counters/5/ACTION"
    assert config["events"] == "/console/events?counter=5"
    assert config["initial"]["seated"] is True
    assert config["text"]["reasons"]["paused"] == "Quầy đang tạm dừng. Vui lòng bấm Tiếp tục trước."
    assert config["text"]["called"] == "Mời số {ticket}"
    english = _config(client.get("/console?lang=en").get_data(as_text=True))
    assert english["text"]["called"] == "Calling {ticket}"
    assert set(english["text"]["reasons"]) >= {
        "paused", "no_current_ticket", "unknown_service", "same_service", "not_served",
        "nothing_to_rate", "unknown_counter", "busy"}


def test_a_taken_counter_is_refused_unless_an_admin_forces_it(hall):
    with hall.runtime.hall.transaction() as db:
        create_user(db, "canbo2", "can-bo-mat-khau-2", "officer", full_name="Lê Thị Hoa")
    first = hall.login("officer")
    _sit(first, "5")
    second = hall.client()
    r = second.post("/login", data={"username": "canbo2", "password": "can-bo-mat-khau-2"})
    assert r.status_code == 302
    refused = _sit(second, "5")
    assert refused.status_code == 409
    assert "Quầy 5 đang do cán bộ Nguyễn Văn officer phụ trách" in refused.get_data(as_text=True)
    admin = hall.login("admin")
    chooser = admin.get("/console").get_data(as_text=True)
    assert "Nhận quầy này thay" in chooser
    assert _sit(admin, "5", force="1").status_code == 302
    assert "Bạn đã nhận quầy 5 thay cán bộ Nguyễn Văn officer" in admin.get(
        "/console").get_data(as_text=True)
    lost = first.get("/console/snapshot?counter=5").get_json()
    assert lost["seated"] is False
    assert "Chọn quầy làm việc" in first.get("/console").get_data(as_text=True)


def test_an_officer_may_not_force(hall):
    with hall.runtime.hall.transaction() as db:
        create_user(db, "canbo2", "can-bo-mat-khau-2", "officer")
    _sit(hall.login("officer"), "5")
    other = hall.client()
    other.post("/login", data={"username": "canbo2", "password": "can-bo-mat-khau-2"})
    assert _sit(other, "5", force="1").status_code == 409


def test_leaving_and_moving(hall):
    client = hall.login("officer")
    _sit(client, "5")
    moved = client.get(_sit(client, "3").headers["Location"]).get_data(as_text=True)
    assert "Bạn đã rời quầy 5 và đang làm việc tại quầy 3" in moved
    page = client.get("/console").get_data(as_text=True)
    r = client.post("/console/leave", data={"csrf_token": csrf_token_of(page)})
    assert "Bạn đã rời quầy 3" in client.get(r.headers["Location"]).get_data(as_text=True)
    assert _sit(client, "99").status_code == 404


def test_snapshot_carries_the_rendered_desk(hall):
    hall.take("C", priority=True)
    hall.take("C")
    hall.clock.advance(minutes=7)
    client = hall.login("officer")
    _sit(client, "5")
    hall.command("5", "next")
    data = client.get("/console/snapshot?counter=5").get_json()
    assert data["current"] == "C001" and data["current_field"] == "C" and data["seated"]
    current = data["parts"]["current"]
    assert 'data-ticket="C001"' in current and "Ưu tiên" in current
    assert "1 số đang chờ" in data["parts"]["waiting"] and "7 phút" in data["parts"]["waiting"]
    assert 'data-status="called"' in data["parts"]["history"]
    english = client.get("/console/snapshot?counter=5&lang=en").get_json()
    assert "1 ticket waiting" in english["parts"]["waiting"]
    assert client.get("/console/snapshot?counter=42").status_code == 404
    assert client.get("/console/snapshot").status_code == 400


@pytest.mark.parametrize("path", ["/console/snapshot?counter=5", "/console/events?counter=5"])
def test_script_endpoints_answer_with_a_status_not_a_login_page(hall, path):
    assert hall.client().get(path).status_code == 401
    assert hall.login("manager").get(path).status_code == 403


def test_pages_need_an_officer_or_admin(hall):
    anonymous = hall.client().get("/console")
    assert anonymous.status_code == 302 and "/login" in anonymous.headers["Location"]
    assert hall.login("manager").get("/console").status_code == 403
    assert hall.login("admin").get("/console").status_code == 200


def _first_event(response) -> str:
    chunks = []
    for chunk in response.response:
        chunks.append(chunk.decode() if isinstance(chunk, bytes) else chunk)
        if "data:" in "".join(chunks):
            break
    response.close()
    return "".join(chunks)


def test_event_stream_pushes_a_snapshot_and_a_cap_sends_pages_to_polling(hall):
    client = hall.login("officer")
    _sit(client, "5")
    hall.take("C")
    response = client.get("/console/events?counter=5", buffered=False)
    assert response.mimetype == "text/event-stream"
    first = _first_event(response)
    assert "event: snapshot" in first
    data = json.loads(re.search(r"^data: (.*)$", first, re.M).group(1))
    assert 'data-ticket="C001"' in data["parts"]["waiting"]
    assert client.get("/console/events?counter=42").status_code == 404
    hall.app.config["CONSOLE_MAX_STREAMS"] = 0
    hall.app.extensions.pop("console_slots", None)
    busy = _first_event(client.get("/console/events?counter=5", buffered=False))
    assert "event: busy" in busy and "retry: 15000" in busy


@pytest.mark.parametrize("path", TEMPLATES + [WEB / "console.py"], ids=lambda p: p.name)
def test_every_message_has_a_vietnamese_translation(path):
    missing = untranslated([path])
    assert not missing, "\n".join(f"{m.where}: {m.msgid!r}" for m in missing)


NEUTRAL = re.compile(r"^[\s·–—:()%,./|…-]*$")


def _strip_jinja(source: str) -> str:
    source = re.sub(r"\{% block (body_class|head) %\}.*?\{% endblock %\}", "", source, flags=re.S)
    source = re.sub(r"\{#.*?#\}", "", source, flags=re.S)
    source = re.sub(r"\{%.*?%\}", "", source, flags=re.S)
    return re.sub(r"\{\{.*?\}\}", "", source, flags=re.S)


@pytest.mark.parametrize("path", TEMPLATES, ids=lambda p: p.name)
def test_templates_have_no_visible_text_outside_gettext(path):
    text = _strip_jinja(path.read_text(encoding="utf-8"))
    text = re.sub(r"<(script|style)\b.*?</\1>", "", text, flags=re.S)
    text = re.sub(r"<kbd>\w</kbd>", "", text)  # the shortcut keys are the same in every language
    text = re.sub(r"<[^>]*>", "\n", text)
    leftovers = [t.strip() for t in text.splitlines() if not NEUTRAL.match(t)]
    assert leftovers == [], f"{path.name}: untranslated text {leftovers}"


def test_an_officer_cannot_act_at_another_officers_counter(hall):
    with hall.runtime.hall.transaction() as db:
        create_user(db, "canbo3", "can-bo-mat-khau-3", "officer")
    seated = hall.login("officer")
    _sit(seated, "5")
    other = hall.client()
    other.post("/login", data={"username": "canbo3", "password": "can-bo-mat-khau-3"})
    token = csrf_token_of(other.get("/console?choose=1").get_data(as_text=True))
    refused = other.post("/api/v1/counters/5/next", headers={"X-CSRFToken": token})
    assert refused.status_code == 403
    assert refused.get_json()["error"]["code"] == "counter_taken"
    own_token = csrf_token_of(seated.get("/console").get_data(as_text=True))
    allowed = seated.post("/api/v1/counters/5/next", headers={"X-CSRFToken": own_token})
    assert allowed.status_code == 200
