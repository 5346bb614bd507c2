"""``/api/v1/stats/summary``, ``/reports`` and its exports, in process, on SQLite and PostgreSQL."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime

import pytest
from openpyxl import load_workbook

from queue_server.runtime import Runtime
from queue_server.server_config import ServerConfig
from queue_server.web import create_app
from tests.queue_server.statistics.known_day import (
    DAY,
    STAFF,
    expected,
    in_range,
    known_specs,
    prepare_database,
    write_specs,
)

MONDAY = "from=2025-03-03&to=2025-03-03"


@pytest.fixture
def app(tmp_path, database_url):
    """The app on the known day, its clock at Monday 10:00 in Cà Mau."""
    config = ServerConfig(site="camau-hcc", database_url=database_url, mqtt_url=None,
                          data_dir=tmp_path, secret_key="k" * 32)
    runtime = Runtime.build(config, clock=lambda: datetime(2025, 3, 3, 3, 0, tzinfo=UTC))
    prepare_database(runtime.engine, runtime.hall.sessions)
    write_specs(runtime.hall.sessions, known_specs())
    flask_app = create_app(runtime, testing=True)
    flask_app.config["WTF_CSRF_ENABLED"] = False
    yield flask_app
    watcher = flask_app.extensions.get("live_watcher")
    if watcher is not None:
        watcher.stop()
    runtime.engine.dispose()


def login(app, role):
    client = app.test_client()
    username, password = STAFF[role]
    reply = client.post("/login?lang=vi", data={"username": username, "password": password})
    assert reply.status_code == 302
    return client


def test_summary_equals_independent_computation(app):
    reply = login(app, "manager").get(f"/api/v1/stats/summary?{MONDAY}")
    assert reply.status_code == 200
    body = reply.get_json()
    fixed = set(body) - {"appointments"}  # the appointment figures come after the contract's
    assert fixed == {"from", "to", "issued", "served", "no_show", "transferred", "expired",
                         "waiting", "wait_s", "service_s", "service_level_pct", "ratings",
                         "satisfied_pct", "estimate_mae_s", "by_service", "by_counter",
                         "by_hour"}
    want = expected(in_range(known_specs(), DAY, DAY), DAY)
    assert {k: body[k] for k in want} == want
    assert [r["service"] for r in body["by_service"]] == ["A", "B", "C", "D", "U"]


def test_summary_defaults_to_the_sites_today(app):
    body = login(app, "admin").get("/api/v1/stats/summary").get_json()
    assert body["from"] == body["to"] == "2025-03-03"
    assert body["waiting"] == 3


def test_summary_filters(app):
    client = login(app, "manager")
    body = client.get(f"/api/v1/stats/summary?{MONDAY}&service=C").get_json()
    specs = [s for s in in_range(known_specs(), DAY, DAY) if s.service == "C"]
    assert body["issued"] == expected(specs, DAY)["issued"]
    assert [r["service"] for r in body["by_service"]] == ["C"]
    body = client.get(f"/api/v1/stats/summary?{MONDAY}&counter=2").get_json()
    assert {r["counter"] for r in body["by_counter"]} == {"2"}


@pytest.mark.parametrize("query, param", [
    ("from=2025-02-30", "from"),
    ("from=yesterday", "from"),
    ("to=2025-13-01", "to"),
    ("from=2025-03-04&to=2025-03-03", "from"),
    ("from=2024-01-01&to=2025-03-03", "to"),
    ("service=Z", "service"),
    ("counter=42", "counter"),
    ("officer=x", "officer"),
])
def test_bad_parameters_give_400_naming_them(app, query, param):
    reply = login(app, "manager").get(f"/api/v1/stats/summary?{query}")
    assert reply.status_code == 400
    error = reply.get_json()["error"]
    assert error["code"] == "bad_request" and error["param"] == param
    assert param in error["message_en"]


def test_roles(app):
    anonymous = app.test_client().get("/api/v1/stats/summary")
    assert anonymous.status_code == 401
    assert anonymous.get_json()["error"]["code"] == "unauthorized"
    officer = login(app, "officer")
    assert officer.get("/api/v1/stats/summary").status_code == 403
    assert officer.get("/api/v1/stats/summary").get_json()["error"]["code"] == "forbidden"
    assert officer.get("/reports").status_code == 403
    assert officer.get("/reports/export.csv").status_code == 403
    page = app.test_client().get("/reports")
    assert page.status_code == 302 and "/login" in page.headers["Location"]
    assert app.test_client().get("/reports/export.xlsx").status_code == 302


def test_page_shows_figures_charts_and_heat_map(app):
    html = login(app, "manager").get(f"/reports?{MONDAY}").get_data(as_text=True)
    want = expected(in_range(known_specs(), DAY, DAY), DAY)
    assert f'id="fig-issued">{want["issued"]}<' in html
    for words in ("Tổng quan", "Theo lĩnh vực", "Theo quầy", "Theo cán bộ", "Theo giờ trong ngày",
                  "Theo ngày", "Lượt lấy số theo thứ và giờ", "Đất đai"):
        assert words in html, words
    assert html.count("<svg") >= 4
    assert "<script" not in html.split("</header>", 1)[1]  # charts carry no script
    assert 'class="heat"' in html
    assert "export.xlsx?from=2025-03-03" in html


def test_page_in_english(app):
    client = login(app, "manager")
    html = client.get(f"/reports?{MONDAY}&lang=en").get_data(as_text=True)
    assert "At a glance" in html and "By field" in html and "Land" in html


def test_page_with_a_bad_date_falls_back_to_today(app):
    reply = login(app, "manager").get("/reports?from=2025-02-31")
    assert reply.status_code == 400
    assert "2025-03-03" in reply.get_data(as_text=True)


def test_csv_export(app):
    reply = login(app, "manager").get(f"/reports/export.csv?{MONDAY}")
    assert reply.status_code == 200
    assert reply.headers["Content-Type"].startswith("text/csv")
    data = reply.get_data()
    assert data.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))
    assert rows[0][:13] == ["Số phiếu", "Lĩnh vực", "Quầy", "Cán bộ", "Ưu tiên", "Giờ lấy số",
                            "Giờ gọi", "Giờ kết thúc", "Trạng thái", "Thời gian chờ (giây)",
                            "Thời gian phục vụ (giây)", "Đánh giá",
                            "Thời gian chờ dự kiến (giây)"]
    assert rows[0][13:] == ["Giờ hẹn", "Mã hồ sơ"]  # columns added after the contract's
    assert {r[13] for r in rows[1:]} == {""}  # walk-ins only
    specs = sorted((s for s in in_range(known_specs(), DAY, DAY) if s.status != "cancelled"),
                   key=lambda s: s.issued)
    assert [r[0] for r in rows[1:]] == [s.number for s in specs]
    first = rows[1]
    assert first[5].endswith("+07:00") and first[9] == str(specs[0].wait_s)


def test_xlsx_export(app):
    reply = login(app, "manager").get(f"/reports/export.xlsx?{MONDAY}&service=A")
    assert reply.status_code == 200
    book = load_workbook(io.BytesIO(reply.get_data()))
    assert book.sheetnames == ["Danh sách phiếu", "Tổng hợp"]
    sheet = book["Danh sách phiếu"]
    header = [c.value for c in sheet[1]]
    assert header[0] == "Số phiếu" and header[9] == "Thời gian chờ (giây)"
    specs = [s for s in in_range(known_specs(), DAY, DAY)
             if s.service == "A" and s.status != "cancelled"]
    assert sheet.max_row == 1 + len(specs)
    assert sheet.column_dimensions["F"].width >= 20
    summary = {row[0]: row[1] for row in book["Tổng hợp"].iter_rows(values_only=True)}
    assert summary["Số phiếu đã cấp"] == len(specs)
    assert summary["Từ ngày"] == "2025-03-03"


def test_page_for_a_period_without_tickets(app):
    reply = login(app, "manager").get("/reports?from=2025-01-01&to=2025-01-07")
    assert reply.status_code == 200
    assert "Không có phiếu nào trong khoảng thời gian này." in reply.get_data(as_text=True)


def test_summary_stores_finished_days_and_answers_the_same(app):
    """Sunday is finished on Monday: the first answer stores it, the next reads it back."""
    from sqlalchemy import select

    from queue_server.storage.tables import DailyRollupDay

    client = login(app, "manager")
    query = "/api/v1/stats/summary?from=2025-02-24&to=2025-03-03"
    first = client.get(query).get_json()
    with app.extensions["motcua"].hall.sessions() as session:
        stored = sorted(d.isoformat() for d in session.scalars(select(DailyRollupDay.day)))
    assert stored == [f"2025-02-{d}" for d in range(24, 29)] + ["2025-03-01", "2025-03-02"]
    second = client.get(query).get_json()
    assert first == second
    sunday = datetime(2025, 3, 2).date()
    want = expected(in_range(known_specs(), sunday, DAY), DAY)
    assert {k: second[k] for k in want} == want
    assert client.get("/reports?from=2025-02-24&to=2025-03-03").status_code == 200
