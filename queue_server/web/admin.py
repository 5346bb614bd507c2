"""``/admin``: setting up a centre in the browser (admin accounts only).

The site's name and board message, fields, counters, officers and devices. A form
with an error changes nothing and shows the message next to its field; every saved
change is published at once (retained board and counter states) and pushed to open
dashboards.
"""

from __future__ import annotations

import logging
from contextlib import nullcontext

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from firmware_config.mosquitto_passwd import hash_password
from queue_server.accounts import create_user
from queue_server.device_setup import new_broker_password
from queue_server.device_tokens import hash_token, new_token
from queue_server.domain.queue_error import QueueError
from queue_server.domain.site_spec import DeviceSpec
from queue_server.queue_views import appointment_rules, closed_days
from queue_server.site_loader import appointment_columns
from queue_server.storage.tables import (
    Counter,
    CounterService,
    Device,
    IntegratorKey,
    Service,
    Site,
    User,
)
from queue_server.web import admin_forms as forms
from queue_server.web.auth import roles_required
from queue_server.web.context import runtime
from queue_server.web.live_events import notify_change

log = logging.getLogger(__name__)

blueprint = Blueprint("admin", __name__, url_prefix="/admin")

TABS = ("site", "fields", "counters", "officers", "devices", "integrators")


@blueprint.before_request
@roles_required()
def _admins_only():
    return None


def _site(db: Session) -> Site:
    return runtime().hall.site(db)


def _changed(what: str) -> None:
    """Publish the new state (the broker is a cache of the database) and tell dashboards."""
    log.info("admin %s changed %s", current_user.username, what)
    try:
        runtime().publisher.republish_all()
    except Exception:  # the change is saved; the next republish will carry it
        log.exception("republishing after an admin change failed")
    notify_change()


def _form_page(form, title: str, tab: str, submit: str, **extra):
    page = render_template("admin_form.html", form=form, title=title, tab=tab, submit=submit,
                           **extra)
    return page, (400 if form.errors else 200)


@blueprint.get("")
def index():
    return redirect(url_for("admin.site"))


# --- the site -----------------------------------------------------------------------------

@blueprint.route("/site", methods=["GET", "POST"])
def site():
    with runtime().hall.transaction() as db:
        row = _site(db)
        form = forms.SiteForm(obj=row)
        if not form.is_submitted():
            form.closed_days.data = ", ".join(d.isoformat() for d in closed_days(row))
            form.check_in_before_min.data = str(row.check_in_before_min)
            form.check_in_after_min.data = str(row.check_in_after_min)
        if form.validate_on_submit():
            row.name = form.name.data
            row.board_message = (form.board_message.data or "").strip()
            row.closed_days = ",".join(d.isoformat() for d in form.closed)
            row.check_in_before_min = form.check_in_before_min.number
            row.check_in_after_min = form.check_in_after_min.number
            saved = True
        else:
            saved = False
    if saved:
        _changed("the site")
        flash(_("Saved. The hall display shows the change now."), "ok")
        return redirect(url_for("admin.site"))
    return _form_page(form, _("Centre"), "site", _("Save"))


# --- fields -------------------------------------------------------------------------------

@blueprint.get("/fields")
def fields():
    with runtime().hall.transaction() as db:
        rows = db.scalars(
            select(Service).where(Service.site_id == _site(db).id).order_by(Service.position)
        ).all()
        return render_template("admin_fields.html", tab="fields", services=rows)


def _service_values(form: forms.ServiceForm) -> dict:
    return dict(
        name_vi=form.name_vi.data,
        name_en=(form.name_en.data or "").strip() or form.name_vi.data,
        prefix=form.prefix.data,
        first_number=form.first_number.number,
        number_width=form.number_width.number,
        target_wait_min=form.target_wait_min.number,
        daily_limit=form.daily_limit.number,
        hours=",".join(form.opening_hours.as_text()),
        weekdays=",".join(str(d) for d in sorted(form.opening_hours.weekdays)),
        active=form.active.data,
        **appointment_columns(form.appointment_rules),
    )


def _check_unique_service(db: Session, site_id: int, form, exclude_id: int | None) -> bool:
    ok = True
    others = db.scalars(
        select(Service).where(Service.site_id == site_id, Service.id != (exclude_id or -1))
    ).all()
    if exclude_id is None and any(s.code == form.code.data for s in others):
        form.code.errors.append(_("Another field already has this code."))
        ok = False
    if any(form.prefix.data in (s.prefix, s.appointment_prefix) for s in others):
        form.prefix.errors.append(_("Another field already uses this prefix."))
        ok = False
    rules = form.appointment_rules
    if rules is not None and any(rules.prefix in (s.prefix, s.appointment_prefix)
                                 for s in others):
        form.appointment_prefix.errors.append(_("Another field already uses this prefix."))
        ok = False
    return ok


def _prefill_service(form: forms.ServiceForm, row: Service) -> None:
    form.code.data = row.code
    form.name_vi.data, form.name_en.data, form.prefix.data = row.name_vi, row.name_en, row.prefix
    form.first_number.data = str(row.first_number)
    form.number_width.data = str(row.number_width)
    form.target_wait_min.data = str(row.target_wait_min)
    form.daily_limit.data = "" if row.daily_limit is None else str(row.daily_limit)
    form.hours.data = ", ".join(s for s in row.hours.split(",") if s)
    form.weekdays.data = [d for d in row.weekdays.split(",") if d]
    form.active.data = row.active
    rules = appointment_rules(row)
    form.appointments.data = rules is not None
    if rules is not None:
        form.appointment_slot_min.data = str(rules.slot_min)
        form.appointment_per_slot.data = str(rules.per_slot)
        form.appointment_days_ahead.data = str(rules.days_ahead)
        form.appointment_prefix.data = rules.prefix
        form.appointment_hours.data = ", ".join(rules.hours.as_text())
        form.appointment_weekdays.data = [str(d) for d in sorted(rules.hours.weekdays)]
        form.appointment_max_share.data = f"{rules.max_share:g}"


@blueprint.route("/fields/new", methods=["GET", "POST"])
def new_field():
    form = forms.ServiceForm()
    if not form.is_submitted():
        form.first_number.data, form.number_width.data = "1", "3"
        form.target_wait_min.data, form.active.data = "15", True
    saved = None
    with runtime().hall.transaction() as db:
        site_row = _site(db)
        if form.validate_on_submit() and _check_unique_service(db, site_row.id, form, None):
            position = db.scalar(
                select(func.coalesce(func.max(Service.position), -1)).where(
                    Service.site_id == site_row.id
                )
            ) + 1
            db.add(Service(site_id=site_row.id, code=form.code.data, position=position,
                           **_service_values(form)))
            saved = form.code.data
    if saved:
        _changed(f"new field {saved}")
        flash(_("Field %(code)s added.", code=saved), "ok")
        return redirect(url_for("admin.fields"))
    return _form_page(form, _("New field"), "fields", _("Add the field"))


@blueprint.route("/fields/<code>", methods=["GET", "POST"])
def edit_field(code: str):
    form = forms.ServiceForm()
    saved = False
    with runtime().hall.transaction() as db:
        site_row = _site(db)
        row = db.scalar(select(Service).where(Service.site_id == site_row.id, Service.code == code))
        if row is None:
            abort(404, description=_("No such field."))
        if not form.is_submitted():
            _prefill_service(form, row)
        else:
            form.code.data = row.code  # the code is fixed once tickets carry it
            if form.validate() and _check_unique_service(db, site_row.id, form, row.id):
                for key, value in _service_values(form).items():
                    setattr(row, key, value)
                saved = True
    if saved:
        _changed(f"field {code}")
        flash(_("Field %(code)s saved.", code=code), "ok")
        return redirect(url_for("admin.fields"))
    form.code.render_kw = {"readonly": True}
    return _form_page(form, _("Field %(code)s", code=code), "fields", _("Save"))


# --- counters -----------------------------------------------------------------------------

def _service_choices(db: Session, site_id: int) -> list[forms.SelectChoice]:
    from queue_server.web.i18n import localized

    return forms.options(
        (s.code, f"{s.code} – {localized(s)}")
        for s in db.scalars(
            select(Service)
            .where(Service.site_id == site_id, Service.active.is_(True))
            .order_by(Service.position)
        )
    )


@blueprint.get("/counters")
def counters():
    with runtime().hall.transaction() as db:
        rows = db.scalars(select(Counter).where(Counter.site_id == _site(db).id)).all()
        listing = sorted(
            ((c.number, [s.code for s in c.services], c.paused) for c in rows),
            key=lambda r: (len(r[0]), r[0]),
        )
        return render_template("admin_counters.html", tab="counters", counters=listing)


def _set_counter_services(db: Session, counter: Counter, site_id: int, codes: list[str]) -> None:
    wanted = set(
        db.scalars(
            select(Service.id).where(Service.site_id == site_id, Service.code.in_(codes))
        )
    )
    db.execute(delete(CounterService).where(CounterService.counter_id == counter.id))
    for sid in wanted:
        db.add(CounterService(counter_id=counter.id, service_id=sid))


@blueprint.route("/counters/new", methods=["GET", "POST"])
def new_counter():
    form = forms.CounterForm()
    saved = None
    with runtime().hall.transaction() as db:
        site_row = _site(db)
        form.services.choices = _service_choices(db, site_row.id)
        if form.validate_on_submit():
            exists = db.scalar(
                select(Counter).where(Counter.site_id == site_row.id,
                                      Counter.number == form.number.data)
            )
            if exists is not None:
                form.number.errors.append(_("This counter already exists."))
            else:
                counter = Counter(site_id=site_row.id, number=form.number.data, paused=False)
                db.add(counter)
                db.flush()
                _set_counter_services(db, counter, site_row.id, form.services.data)
                saved = counter.number
    if saved:
        _changed(f"new counter {saved}")
        flash(_("Counter %(number)s added.", number=saved), "ok")
        return redirect(url_for("admin.counters"))
    return _form_page(form, _("New counter"), "counters", _("Add the counter"))


@blueprint.route("/counters/<number>", methods=["GET", "POST"])
def edit_counter(number: str):
    form = forms.CounterForm()
    saved = False
    with runtime().hall.transaction() as db:
        site_row = _site(db)
        counter = db.scalar(
            select(Counter).where(Counter.site_id == site_row.id, Counter.number == number)
        )
        if counter is None:
            abort(404, description=_("No such counter."))
        form.services.choices = _service_choices(db, site_row.id)
        if not form.is_submitted():
            form.number.data = counter.number
            form.services.data = [s.code for s in counter.services]
        else:
            form.number.data = counter.number
            if form.validate():
                _set_counter_services(db, counter, site_row.id, form.services.data)
                saved = True
    if saved:
        _changed(f"counter {number}")
        flash(_("Counter %(number)s saved.", number=number), "ok")
        return redirect(url_for("admin.counters"))
    form.number.render_kw = {"readonly": True}
    return _form_page(form, _("Counter %(number)s", number=number), "counters", _("Save"))


# --- officers -----------------------------------------------------------------------------

@blueprint.route("/officers", methods=["GET", "POST"])
def officers():
    form = forms.NewOfficerForm()
    created = None
    with runtime().hall.transaction() as db:
        if form.validate_on_submit():
            if db.scalar(select(User).where(User.username == form.username.data)) is not None:
                form.username.errors.append(_("This username is taken."))
            else:
                create_user(db, form.username.data, form.password.data, form.role.data,
                            (form.full_name.data or "").strip())
                created = form.username.data
        users = db.scalars(select(User).order_by(User.role, User.username)).all()
        listing = [(u.id, u.username, u.full_name, u.role, u.active) for u in users]
    if created:
        log.info("admin %s created account %s", current_user.username, created)
        flash(_("Account %(username)s created.", username=created), "ok")
        return redirect(url_for("admin.officers"))
    return render_template("admin_officers.html", tab="officers", users=listing, form=form,
                           role_labels=forms.ROLE_LABELS), (400 if form.errors else 200)


@blueprint.route("/officers/<int:user_id>", methods=["GET", "POST"])
def edit_officer(user_id: int):
    form = forms.EditOfficerForm()
    password_form = forms.PasswordForm(prefix="pw")
    message = None
    with runtime().hall.transaction() as db:
        user = db.get(User, user_id)
        if user is None:
            abort(404, description=_("No such account."))
        username = user.username
        action = request.form.get("action")
        if request.method == "GET":
            form.full_name.data, form.role.data = user.full_name, user.role
            form.active.data = user.active
        elif action == "password":
            form.full_name.data, form.role.data = user.full_name, user.role
            form.active.data = user.active
            if password_form.validate_on_submit():
                create_user(db, user.username, password_form.password.data, user.role)
                message = _("New password saved for %(username)s.", username=username)
        elif form.validate_on_submit():
            if user.id == current_user.id and (form.role.data != "admin" or not form.active.data):
                form.role.errors.append(_("You cannot take away your own administrator access."))
            else:
                user.full_name = (form.full_name.data or "").strip()
                user.role = form.role.data
                user.active = form.active.data
                message = _("Account %(username)s saved.", username=username)
    if message:
        log.info("admin %s changed account %s", current_user.username, username)
        flash(message, "ok")
        return redirect(url_for("admin.officers"))
    status = 400 if (form.errors or password_form.errors) else 200
    return render_template("admin_officer.html", tab="officers", form=form,
                           password_form=password_form, username=username), status


# --- devices ------------------------------------------------------------------------------

def _counter_choices(db: Session, site_id: int) -> list[forms.SelectChoice]:
    numbers = sorted(
        db.scalars(select(Counter.number).where(Counter.site_id == site_id)),
        key=lambda n: (len(n), n),
    )
    return forms.options([("", "–")] + [(n, _("Counter %(number)s", number=n)) for n in numbers])


def _require_confirmation() -> None:
    """A button that changes a device sends only its CSRF token; anything else is refused."""
    if not forms.ConfirmForm().validate_on_submit():
        abort(400)


def _device(db: Session, code: str, in_use: bool = True) -> Device:
    """The device named ``code``; 404 when there is none, 409 when ``in_use`` and retired."""
    device = db.scalar(select(Device).where(Device.site_id == _site(db).id, Device.code == code))
    if device is None:
        abort(404, description=_("No such device."))
    if in_use and not device.active:
        raise QueueError(
            "device_retired",
            f"Thiết bị {code} đã ngừng dùng: hãy cho dùng lại trước.",
            f"Device {code} is retired: reinstate it first.",
            409,
        )
    return device


def _give_broker_password(db: Session, device: Device) -> str | None:
    """A new broker password for ``device``, written to the broker's files in this transaction.

    None when this server does not keep the broker's accounts.
    """
    if runtime().broker_accounts is None:
        return None
    password = new_broker_password()
    device.broker_password_hash = hash_password(password)
    _write_broker_files(db)
    return password


def _write_broker_files(db: Session) -> None:
    """The broker's files from the device table as this transaction sees it.

    When they cannot be written the request ends with an error and the transaction,
    with the device change in it, rolls back: nothing is half done.
    """
    accounts = runtime().broker_accounts
    if accounts is None:
        return
    db.flush()
    try:
        accounts.write(db, _site(db))
    except OSError as exc:
        log.error("broker account files in %s not written: %s", accounts.folder, exc)
        reason = exc.strerror or str(exc)
        raise QueueError(
            "broker_files",
            f"Không ghi được tệp tài khoản của broker MQTT ({reason}). Chưa thay đổi gì.",
            f"The broker's account files could not be written ({reason}). Nothing was changed.",
            503,
        ) from exc


def _broker_change():
    """Held across a device change and its commit, so that two admins saving at once
    cannot each write the broker's files without the other's new account."""
    accounts = runtime().broker_accounts
    return accounts.lock if accounts is not None else nullcontext()


def _credentials_page(device: DeviceSpec, centre_name: str, token: str | None,
                      password: str | None):
    """After the commit: the broker reloads a new password, the page shows the secrets once."""
    accounts = runtime().broker_accounts
    reloaded = password is not None and accounts is not None and accounts.reload()
    credentials = runtime().device_setup.credentials(device, centre_name, token, password)
    return render_template(
        "admin_credentials.html", tab="devices", credentials=credentials,
        whole_config=token is not None and (password is not None or accounts is None),
        broker_kept=accounts is not None, broker_reloaded=reloaded,
        kind_labels=forms.KIND_LABELS,
    )


@blueprint.get("/devices")
def devices():
    accounts = runtime().broker_accounts
    broker_users = accounts.users() if accounts is not None else set()
    with runtime().hall.transaction() as db:
        rows = db.scalars(
            select(Device).where(Device.site_id == _site(db).id).order_by(Device.kind, Device.code)
        ).all()
        listing = [(d.code, d.kind, d.counter_number, d.online, d.last_seen,
                    d.code in broker_users, d.active) for d in rows]
    return render_template("admin_devices.html", tab="devices", devices=listing,
                           kind_labels=forms.KIND_LABELS, confirm=forms.ConfirmForm(),
                           broker_kept=accounts is not None)


@blueprint.route("/devices/new", methods=["GET", "POST"])
def new_device():
    form = forms.DeviceForm()
    made = None
    with _broker_change(), runtime().hall.transaction() as db:
        site_row = _site(db)
        form.counter.choices = _counter_choices(db, site_row.id)
        if form.validate_on_submit():
            exists = db.scalar(
                select(Device).where(Device.site_id == site_row.id, Device.code == form.code.data)
            )
            if exists is not None:
                form.code.errors.append(_("A device with this name exists."))
            else:
                token = new_token()
                device = Device(site_id=site_row.id, code=form.code.data, kind=form.kind.data,
                                counter_number=form.counter.data or None,
                                token_hash=hash_token(token))
                db.add(device)
                made = (device.spec, site_row.name, token, _give_broker_password(db, device))
    if made:
        _changed(f"new device {made[0].id}")
        return _credentials_page(*made)
    return _form_page(form, _("New device"), "devices", _("Add the device"))


@blueprint.post("/devices/<code>/token")
def new_device_token(code: str):
    _require_confirmation()
    token = new_token()
    with runtime().hall.transaction() as db:
        device = _device(db, code)
        device.token_hash = hash_token(token)
        made = (device.spec, _site(db).name, token, None)
    runtime().hall.cache.clear()  # the old token stops working now, not when its cache ends
    log.info("admin %s issued a new token for device %s", current_user.username, code)
    notify_change()
    return _credentials_page(*made)


@blueprint.post("/devices/<code>/broker-password")
def new_broker_password_for(code: str):
    _require_confirmation()
    if runtime().broker_accounts is None:
        raise QueueError(
            "broker_not_kept",
            "Máy chủ này không quản lý tài khoản của broker MQTT (khóa cấu hình "
            "broker_accounts_dir): hãy dùng firmware_config generate.",
            "This server does not keep the broker's accounts (config key broker_accounts_dir): "
            "use firmware_config generate.",
            409,
        )
    with _broker_change(), runtime().hall.transaction() as db:
        device = _device(db, code)
        made = (device.spec, _site(db).name, None, _give_broker_password(db, device))
    log.info("admin %s issued a new broker password for device %s", current_user.username, code)
    notify_change()
    return _credentials_page(*made)


@blueprint.route("/devices/<code>/retire", methods=["GET", "POST"])
def retire_device(code: str):
    """A device taken out of the hall: its token and broker login stop working, and the
    dashboard no longer waits for it. Its row stays, since tickets and events name it."""
    form = forms.ConfirmForm()
    confirmed = form.validate_on_submit()
    with _broker_change(), runtime().hall.transaction() as db:
        device = _device(db, code)
        kind = device.kind
        if confirmed:
            device.active = False
            device.online = False
            _write_broker_files(db)
    if not confirmed:
        return render_template("admin_retire.html", tab="devices", code=code, form=form,
                               kind=forms.KIND_LABELS[kind])
    accounts = runtime().broker_accounts
    if accounts is not None:
        accounts.reload()
    _changed(f"retired device {code}")  # drops the token cache too: refused from now on
    flash(_("Device %(code)s is retired: its token and broker account no longer work.",
            code=code), "ok")
    return redirect(url_for("admin.devices"))


@blueprint.post("/devices/<code>/reinstate")
def reinstate_device(code: str):
    """Back in use, with new credentials: the old ones are not trusted again."""
    _require_confirmation()
    token = new_token()
    with _broker_change(), runtime().hall.transaction() as db:
        device = _device(db, code, in_use=False)
        device.active = True
        device.token_hash = hash_token(token)
        made = (device.spec, _site(db).name, token, _give_broker_password(db, device))
    _changed(f"reinstated device {code}")  # drops the token cache: the old token stays refused
    return _credentials_page(*made)


# --- booking systems (integrator API keys) -------------------------------------------------


@blueprint.route("/integrators", methods=["GET", "POST"])
def integrators():
    """Outside booking systems: each books through the API with its own key (shown once)."""
    form = forms.IntegratorForm()
    new_key = None
    with runtime().hall.transaction() as db:
        site_row = _site(db)
        if form.validate_on_submit():
            new_key = new_token()
            db.add(IntegratorKey(site_id=site_row.id, name=form.name.data.strip(),
                                 key_hash=hash_token(new_key), active=True,
                                 created_at=runtime().hall.now()))
        rows = db.scalars(
            select(IntegratorKey).where(IntegratorKey.site_id == site_row.id)
            .order_by(IntegratorKey.active.desc(), IntegratorKey.name)
        ).all()
        listing = [(k.id, k.name, k.created_at, k.active) for k in rows]
    if new_key:
        log.info("admin %s made a booking key for %s", current_user.username, form.name.data)
        named = form.name.data.strip()
        form = forms.IntegratorForm(formdata=None)
    else:
        named = None
    return render_template(
        "admin_integrators.html", tab="integrators", keys=listing, form=form,
        new_key=new_key, named=named, confirm=forms.ConfirmForm(),
    ), (400 if form.errors else 200)


@blueprint.post("/integrators/<int:key_id>/revoke")
def revoke_integrator(key_id: int):
    _require_confirmation()
    with runtime().hall.transaction() as db:
        row = db.get(IntegratorKey, key_id)
        if row is None or row.site_id != _site(db).id:
            abort(404)
        row.active = False
        name = row.name
    runtime().hall.cache.clear()  # the key stops working now, not when its cache entry ends
    log.info("admin %s revoked the booking key of %s", current_user.username, name)
    flash(_("The key of %(name)s no longer works.", name=name), "ok")
    return redirect(url_for("admin.integrators"))
