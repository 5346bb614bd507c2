"""``/console``: the officer's counter console in the browser, for desks without buttons.

The officer first sits at a counter (recorded on ``counters.officer_id``), then works
it with the same actions as the call buttons. Actions go to the JSON API
(``POST /api/v1/counters/{counter}/{action}``) from the page's script, so the console
and the buttons share one path into the queue. The desk's live regions are rendered
here, on the server, so that every word stays in the catalogues; ``/console/events``
pushes them (Server-Sent Events) whenever the hall changes, and ``/console/snapshot``
gives the same data once, for a refresh right after an action or when the stream cap
is reached.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from datetime import datetime

from flask import (
    Blueprint,
    Response,
    abort,
    current_app,
    flash,
    jsonify,
    redirect,
    render_template,
    request,
    stream_with_context,
    url_for,
)
from flask_babel import format_datetime, format_decimal
from flask_babel import gettext as _
from flask_login import current_user

from queue_server.console_views import DeskSnapshot, counter_choices, desk_snapshot
from queue_server.counter_staffing import CounterTaken, leave, seat_of, sit
from queue_server.domain.queue_error import QueueError
from queue_server.web.auth import roles_required
from queue_server.web.context import runtime
from queue_server.web.live_events import StreamSlots, sse_event, watch_and_send, watcher

blueprint = Blueprint("console", __name__, url_prefix="/console")

#: the desk's live regions, each rendered by the part of the same name
PARTS = ("current", "waiting", "history")
#: concurrent console streams (each holds a server thread); beyond it the page polls
DEFAULT_MAX_STREAMS = 3
#: how often a console without a stream asks for a fresh snapshot
POLL_SECONDS = 3


def minutes_text(seconds: int | None) -> str:
    if seconds is None:
        return "–"
    return _("%(num)s min", num=format_decimal(seconds // 60))


def clock_text(at: datetime | None) -> str:
    return "–" if at is None else format_datetime(at, "HH:mm")


def _helpers() -> dict:
    return {"minutes_text": minutes_text, "clock_text": clock_text}


def _read_desk(number: str) -> DeskSnapshot:
    rt = runtime()
    with rt.hall.read() as session:
        return desk_snapshot(rt.hall, session, number)


def render_parts(desk: DeskSnapshot) -> dict[str, str]:
    return {
        name: render_template("console_parts.html", part=name, desk=desk, **_helpers())
        for name in PARTS
    }


def desk_data(desk: DeskSnapshot) -> dict:
    """What the page's script needs besides the rendered regions."""
    return {
        "seq": desk.seq,
        "counter": desk.counter,
        "paused": desk.paused,
        "seated": desk.officer_id == current_user.id,
        "officer": desk.officer,
        "current": desk.current.number if desk.current else None,
        "current_field": desk.current.field.code if desk.current else None,
        "current_id": desk.current.public_id if desk.current else None,
        "waiting_total": desk.waiting_total,
        "updated": clock_text(desk.at),
        "parts": render_parts(desk),
    }


def _staff_only() -> None:
    """Guard of the script's endpoints: a status code, never a redirect to a page."""
    if not current_user.is_authenticated:
        abort(401, description=_("Please log in to continue."))
    if current_user.role not in ("officer", "admin"):
        abort(403, description=_("Your account may not open this page."))


def _counter_arg() -> str:
    number = request.args.get("counter", "").strip()
    if not number or len(number) > 8:
        abort(400, description=_("Choose a counter first."))
    return number


def _chooser(status: int = 200):
    rt = runtime()
    with rt.hall.read() as session:
        choices = counter_choices(rt.hall, session)
        seat = seat_of(session, rt.hall.site(session).id, current_user.id)
    return render_template("console_choose.html", choices=choices, seat=seat), status


@blueprint.get("")
@roles_required("officer")
def index():
    rt = runtime()
    with rt.hall.read() as session:
        seat = seat_of(session, rt.hall.site(session).id, current_user.id)
    if seat is None or request.args.get("choose"):
        return _chooser()
    desk = _read_desk(seat)
    return render_template(
        "console.html",
        desk=desk,
        data=desk_data(desk),
        parts=render_parts(desk),
        poll_ms=POLL_SECONDS * 1000,
        **_helpers(),
    )


@blueprint.post("/seat")
@roles_required("officer")
def take_seat():
    number = request.form.get("counter", "").strip()
    force = current_user.role == "admin" and request.form.get("force") == "1"
    try:
        seat = sit(runtime().hall, number, current_user.id, force=force)
    except CounterTaken as taken:
        flash(_("Counter %(counter)s is staffed by %(officer)s. Choose another counter "
                "or ask an administrator to hand it over.",
                counter=taken.counter, officer=taken.holder))
        return _chooser(409)
    except QueueError as refused:
        if refused.code != "unknown_counter":
            raise
        flash(_("There is no counter %(counter)s.", counter=number))
        return _chooser(404)
    watcher().poke()  # dashboards show who sits where
    if seat.displaced:
        flash(_("You took over counter %(counter)s from %(officer)s.",
                counter=seat.counter, officer=seat.displaced), "ok")
    elif seat.left:
        flash(_("You left counter %(old)s and now staff counter %(counter)s.",
                old=seat.left, counter=seat.counter), "ok")
    return redirect(url_for("console.index"))


@blueprint.post("/leave")
@roles_required("officer")
def leave_seat():
    left = leave(runtime().hall, current_user.id)
    if left is not None:
        watcher().poke()
        flash(_("You left counter %(counter)s.", counter=left), "ok")
    return redirect(url_for("console.index"))


@blueprint.get("/snapshot")
def snapshot():
    _staff_only()
    return jsonify(desk_data(_read_desk(_counter_arg())))


def _slots() -> StreamSlots:
    app = current_app
    slots = app.extensions.get("console_slots")
    if slots is None:
        limit = int(app.config.get("CONSOLE_MAX_STREAMS", DEFAULT_MAX_STREAMS))
        slots = app.extensions.setdefault("console_slots", StreamSlots(limit))
    return slots


def desk_stream(
    render: Callable[[], dict], *, clock: Callable[[], float] = time.monotonic
) -> Iterator[str]:
    """The console's event stream: a snapshot now, another whenever the hall changes.

    The shared change watcher polls the newest event id (and the counter rows, since
    pausing writes no event) for every live page at once. Waited minutes grow without
    any event, so a fresh snapshot also goes out every ``LIVE_REFRESH_SECONDS``; an
    unchanged one is not sent again. The stream ends after ``LIVE_STREAM_SECONDS`` and
    the browser reconnects by itself.
    """
    slots = _slots()
    if not slots.take():
        yield "retry: 15000\n\n" + sse_event("busy", {"poll": True})
        return

    def numbered() -> tuple[int, dict]:
        data = render()
        return data["seq"], data

    try:
        yield from watch_and_send(numbered, clock=clock, send_unchanged=False)
    finally:
        slots.give_back()


@blueprint.get("/events")
def events():
    _staff_only()
    number = _counter_arg()
    _read_desk(number)  # an unknown counter is refused before the stream starts

    def render() -> dict:
        return desk_data(_read_desk(number))

    return Response(
        stream_with_context(desk_stream(render)),
        mimetype="text/event-stream",
        headers={"Cache-Control": "no-cache", "X-Accel-Buffering": "no"},
    )
