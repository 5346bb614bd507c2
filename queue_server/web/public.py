"""Public pages for citizens' phones: the hall's queue (``/``) and one ticket (``/t/<id>``).

No personal data is shown anywhere: a ticket is known only by its number and field.
Both pages refresh themselves with a light fetch of their own content every few
seconds (no long-lived connection per phone, so a full hall cannot exhaust the server).
"""

from __future__ import annotations

from flask import Blueprint, render_template, request

from queue_server.queue_views import board, services_overview
from queue_server.ticket_issuer import find_ticket
from queue_server.web.context import runtime

blueprint = Blueprint("public", __name__)

REFRESH_S = 10


def _partial() -> bool:
    return request.args.get("part") == "1"


@blueprint.get("/")
def index():
    rt = runtime()
    with rt.hall.read() as session:
        overview = services_overview(rt.hall, session)
        snapshot = board(rt.hall, session)
    template = "index_part.html" if _partial() else "index.html"
    return render_template(template, overview=overview, board=snapshot, refresh_s=REFRESH_S)


@blueprint.get("/t/<public_id>")
def ticket(public_id: str):
    template = "ticket_part.html" if _partial() else "ticket.html"
    return render_template(template, ticket=find_ticket(runtime().hall, public_id),
                           refresh_s=REFRESH_S)
