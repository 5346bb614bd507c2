"""Every page in Vietnamese and English: catalogues compiled, no string left out."""

import re
from pathlib import Path

import pytest

from queue_server.web.i18n import area_directories
from queue_server.web.i18n.compile import stale_catalogues
from queue_server.web.i18n.extract import messages_in, untranslated

WEB = Path(__file__).resolve().parents[3] / "queue_server" / "web"
TEMPLATES = WEB / "templates"
OUR_TEMPLATES = sorted(
    [TEMPLATES / n for n in ("base.html", "error.html", "login.html", "index.html",
                             "index_part.html", "ticket.html", "ticket_part.html",
                             "self_refresh.html")]
    + list(TEMPLATES.glob("dashboard*.html")) + list(TEMPLATES.glob("admin*.html"))
    + list(TEMPLATES.glob("booking*.html"))
)
OUR_MODULES = [WEB / n for n in ("auth.py", "public.py", "dashboard.py", "admin.py",
                                 "admin_forms.py", "booking.py")]
#: what may stand in a template outside tags and Jinja: symbols and punctuation
NEUTRAL = re.compile(r"^[\s·–—:()%,./|…-]*$")
VISIBLE_ATTRIBUTES = re.compile(r'\b(?:title|placeholder|alt|aria-label)="([^"]*)"')


def test_every_compiled_catalogue_is_up_to_date():
    assert len(area_directories()) >= 4
    assert stale_catalogues() == [], "run python -m queue_server.web.i18n.compile"


@pytest.mark.parametrize("path", OUR_TEMPLATES + OUR_MODULES, ids=lambda p: p.name)
def test_every_message_has_a_vietnamese_translation(path):
    missing = untranslated([path])
    assert not missing, "\n".join(f"{m.where}: {m.msgid!r}" for m in missing)


def _strip_jinja(source: str) -> str:
    # a block that only names a CSS class is not text anybody reads
    source = re.sub(r"\{% block body_class %\}.*?\{% endblock %\}", "", source)
    source = re.sub(r"\{#.*?#\}", "", source, flags=re.S)
    source = re.sub(r"\{%.*?%\}", "", source, flags=re.S)
    return re.sub(r"\{\{.*?\}\}", "", source, flags=re.S)


@pytest.mark.parametrize("path", OUR_TEMPLATES, ids=lambda p: p.name)
def test_templates_have_no_visible_text_outside_gettext(path):
    source = path.read_text(encoding="utf-8")
    for value in VISIBLE_ATTRIBUTES.findall(source):
        assert NEUTRAL.match(_strip_jinja(value)), f"{path.name}: attribute text {value!r}"
    text = _strip_jinja(source)
    text = re.sub(r"<(script|style)\b.*?</\1>", "", text, flags=re.S)
    text = re.sub(r"<[^>]*>", "\n", text)
    leftovers = [t.strip() for t in text.splitlines() if not NEUTRAL.match(t)]
    assert leftovers == [], f"{path.name}: untranslated text {leftovers}"


def test_extraction_finds_messages():
    assert any(m.msgid == "Log in" for m in messages_in(TEMPLATES / "login.html"))


def _visible(html: str) -> str:
    html = re.sub(r"<script\b.*?</script>", "", html, flags=re.S)
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


def test_pages_speak_vietnamese_by_default_and_english_on_request(hall):
    ticket = hall.take("C")
    client = hall.login("admin")
    pages = ["/", f"/t/{ticket['id']}", "/dashboard", "/admin/site", "/admin/fields",
             "/admin/fields/A", "/admin/counters/2", "/admin/officers", "/admin/devices",
             "/admin/devices/new", "/login"]
    for path in pages:
        vi = _visible(client.get(path).get_data(as_text=True))
        en = _visible(client.get(f"{path}?lang=en").get_data(as_text=True))
        client.get("/?lang=vi")
        assert vi != en, path
        assert re.search(r"[ăâđêôơưạảấầẩẫậắằẳẵặẹẻẽếềểễệỉịọỏốồổỗộớờởỡợụủứừửữựỳỵỷỹ]", vi), path
    assert "Đăng xuất" in _visible(client.get("/dashboard").get_data(as_text=True))
    assert "Log out" in _visible(client.get("/dashboard?lang=en").get_data(as_text=True))


def test_language_choice_is_remembered_and_accept_language_is_honoured(hall):
    client = hall.client()
    assert "Số vừa mời" in client.get("/").get_data(as_text=True)  # no header: Vietnamese
    browser_en = hall.client()
    assert "Just called" in browser_en.get(
        "/", headers={"Accept-Language": "en-US,en;q=0.8"}).get_data(as_text=True)
    client.get("/?lang=en")
    assert "Just called" in client.get("/").get_data(as_text=True)
    assert "Số vừa mời" in client.get("/", headers={"Accept-Language": "en"},
                                      query_string={"lang": "vi"}).get_data(as_text=True)


def test_numbers_and_times_follow_the_locale(hall):
    for _ in range(3):
        hall.take("A")
    hall.clock.advance(minutes=12)
    client = hall.login("manager")
    vi = client.get("/dashboard").get_data(as_text=True)
    en = client.get("/dashboard?lang=en").get_data(as_text=True)
    assert "12 phút" in vi and "12 min" in en
    # 09:12 in Cà Mau (UTC+7), whatever the server's own zone
    assert "09:12" in vi
    assert re.search(r"9:12\s?AM", en)
