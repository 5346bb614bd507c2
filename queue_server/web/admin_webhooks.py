"""``/admin/webhooks``: the event feed's receivers, their lag and their dead letters.

An admin adds or removes a receiver (those of the server config are shown but changed
only there), sees how far behind each one is, its failures and last error, and puts
dead-lettered events back in the queue. Secrets are entered here and never shown again.
"""

from __future__ import annotations

import logging

from flask import Blueprint, abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from flask_wtf import FlaskForm
from sqlalchemy import select
from wtforms import PasswordField, StringField
from wtforms.validators import ValidationError

from queue_server.storage.tables import OutboxEvent, Ticket, WebhookDelivery
from queue_server.web.admin_forms import ConfirmForm
from queue_server.web.auth import roles_required
from queue_server.web.context import runtime
from queue_server.webhook_delivery import endpoint_statuses, retry_dead_letters, safe_url
from queue_server.webhook_endpoints import (
    MIN_SECRET,
    add_endpoint,
    remove_endpoint,
    secret_problem,
    url_problem,
)

log = logging.getLogger(__name__)

blueprint = Blueprint("admin_webhooks", __name__, url_prefix="/admin/webhooks")

#: dead letters listed per receiver (the newest)
DEAD_LETTERS_SHOWN = 100


class WebhookForm(FlaskForm):
    url = StringField(
        _l("Receiver address"),
        description=_l("Where each event is sent with POST, e.g. https://hoso.example.gov.vn/motcua/events"),
    )
    secret = PasswordField(
        _l("Signing secret"),
        description=_l("At least %(n)s characters; the receiver checks the signature with it.",
                       n=MIN_SECRET),
    )

    def validate_url(self, field) -> None:
        field.data = (field.data or "").strip()
        if url_problem(field.data):
            raise ValidationError(_l("Give an http:// or https:// address with a host."))

    def validate_secret(self, field) -> None:
        if secret_problem(field.data or ""):
            raise ValidationError(
                _l("The secret must have %(low)s to 500 characters.", low=MIN_SECRET))


@blueprint.before_request
@roles_required()
def _admins_only():
    return None


def _dead_letters(endpoint_id: int) -> list[dict]:
    d = WebhookDelivery
    with runtime().hall.read() as db:
        rows = db.execute(
            select(d.id, OutboxEvent.type, OutboxEvent.at, Ticket.number, d.attempts,
                   d.last_error, d.dead_at)
            .join(OutboxEvent, OutboxEvent.id == d.outbox_id)
            .join(Ticket, Ticket.id == d.ticket_id)
            .where(d.endpoint_id == endpoint_id, d.dead_at.is_not(None),
                   d.delivered_at.is_(None))
            .order_by(d.outbox_id.desc())
            .limit(DEAD_LETTERS_SHOWN)
        ).all()
    return [dict(id=r[0], type=r[1], at=r[2], number=r[3], attempts=r[4], error=r[5],
                 dead_at=r[6]) for r in rows]


def _page(form: WebhookForm):
    endpoints = [(status, _dead_letters(status.id)) for status in endpoint_statuses(
        runtime().hall)]
    return render_template("admin_webhooks.html", tab="webhooks", endpoints=endpoints,
                           form=form, confirm=ConfirmForm())


def _wake() -> None:
    if runtime().feed is not None:
        runtime().feed.wake()


@blueprint.get("")
def index():
    return _page(WebhookForm(formdata=None))


@blueprint.post("")
def add():
    form = WebhookForm()
    if not form.validate_on_submit():
        return _page(form), 400
    if any(status.url == safe_url(form.url.data) for status in endpoint_statuses(
            runtime().hall)):
        form.url.errors = [_("This receiver is already in the list.")]
        return _page(form), 400
    add_endpoint(runtime().hall, form.url.data, form.secret.data)
    log.info("admin %s added the webhook %s", current_user.username, safe_url(form.url.data))
    flash(_("Events recorded from now on are sent to %(url)s.", url=safe_url(form.url.data)),
          "ok")
    _wake()
    return redirect(url_for("admin_webhooks.index"))


def _confirmed() -> None:
    if not ConfirmForm().validate_on_submit():
        abort(400)


@blueprint.post("/<int:endpoint_id>/remove")
def remove(endpoint_id: int):
    _confirmed()
    if not remove_endpoint(runtime().hall, endpoint_id):
        abort(404)
    log.info("admin %s removed webhook %d", current_user.username, endpoint_id)
    flash(_("The receiver was removed; its undelivered events are dropped."), "ok")
    return redirect(url_for("admin_webhooks.index"))


@blueprint.post("/<int:endpoint_id>/retry")
@blueprint.post("/<int:endpoint_id>/retry/<int:delivery_id>")
def retry(endpoint_id: int, delivery_id: int | None = None):
    _confirmed()
    count = retry_dead_letters(runtime().hall, endpoint_id, delivery_id)
    log.info("admin %s put %d dead-lettered events of webhook %d back in the queue",
             current_user.username, count, endpoint_id)
    flash(_("%(n)s events are sent again.", n=count), "ok")
    _wake()
    return redirect(url_for("admin_webhooks.index"))
