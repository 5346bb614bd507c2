"""Public pages for citizens' phones: the hall's queue (``/``) and one ticket (``/t/<id>``)."""

from __future__ import annotations

from flask import Blueprint, render_template

from queue_server.queue_views import board, services_overview
from queue_server.ticket_issuer import find_ticket
from queue_server.web.context import runtime

blueprint = Blueprint("public", __name__)


@blueprint.get("/")
def index():
    rt = runtime()
    with rt.hall.transaction() as session:
        overview = services_overview(rt.hall, session)
        snapshot = board(rt.hall, session)
    return render_template("index.html", overview=overview, board=snapshot)


@blueprint.get("/t/<public_id>")
def ticket(public_id: str):
    return render_template("ticket.html", ticket=find_ticket(runtime().hall, public_id))
