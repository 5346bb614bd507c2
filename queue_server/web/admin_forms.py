"""The admin's forms, with the same rules as a site file (queue_server/domain/site_spec.py).

Every message is an English id translated by the ``admin`` catalogue, shown next to its
field. Numbers are text fields checked here, so that every error message is ours.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    Field,
    PasswordField,
    SelectChoice,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
)
from wtforms.validators import ValidationError
from wtforms.widgets import CheckboxInput, ListWidget

from queue_server.accounts import MIN_PASSWORD, ROLES
from queue_server.domain import site_spec
from queue_server.domain.opening_hours import OpeningHours


def options(pairs: Iterable[tuple[str, Any]]) -> list[SelectChoice]:
    """``(value, label)`` pairs as the option objects WTForms wants (tuples are deprecated)."""
    return [SelectChoice(value, label) for value, label in pairs]


WEEKDAYS = options([
    ("1", _l("Mon")), ("2", _l("Tue")), ("3", _l("Wed")), ("4", _l("Thu")),
    ("5", _l("Fri")), ("6", _l("Sat")), ("7", _l("Sun")),
])
ROLE_LABELS = {"admin": _l("Administrator"), "manager": _l("Manager"), "officer": _l("Officer")}
KIND_LABELS = {"kiosk": _l("Ticket kiosk"), "display": _l("Hall display"),
               "counter": _l("Counter call station")}


class CheckboxesField(SelectMultipleField):
    """Several choices as checkboxes; the choices are checked by the form, not WTForms."""

    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()

    def pre_validate(self, form) -> None:
        allowed = {str(choice.value) for choice in self.choices or []}
        if any(v not in allowed for v in self.data or []):
            raise ValidationError(_l("Choose from the list."))


class ChoiceField(SelectField):
    def pre_validate(self, form) -> None:
        if self.data not in {str(choice.value) for choice in self.choices or []}:
            raise ValidationError(_l("Choose from the list."))


def required(field: Field, message=None) -> str:
    value = (field.data or "").strip()
    if not value:
        raise ValidationError(message or _l("Please fill in this field."))
    return value


def max_length(limit: int):
    def check(form, field) -> None:
        if len(field.data or "") > limit:
            raise ValidationError(_l("At most %(num)d characters.", num=limit))

    return check


def whole_number(low: int, high: int, optional: bool = False):
    """A whole number low..high; ``field.number`` holds it (None when optional and empty)."""

    def check(form, field) -> None:
        text = (field.data or "").strip()
        field.number = None
        if not text and optional:
            return
        if not text.isdigit() or not low <= int(text) <= high:
            raise ValidationError(
                _l("Enter a whole number from %(low)d to %(high)d.", low=low, high=high)
            )
        field.number = int(text)

    return check


def matches(pattern, message):
    def check(form, field) -> None:
        field.data = (field.data or "").strip()
        if not pattern.match(field.data):
            raise ValidationError(message)

    return check


def _number_or_text(text: str | None) -> object:
    """A typed value as the site file would hold it: a whole number, a decimal, or text
    (which the site-file rules then refuse with the field named)."""
    text = (text or "").strip()
    if text.isdigit():
        return int(text)
    try:
        return float(text.replace(",", "."))
    except ValueError:
        return text


class SiteForm(FlaskForm):
    name = StringField(_l("Name of the centre"), validators=[max_length(200)])
    board_message = TextAreaField(
        _l("Scrolling message on the hall display"),
        validators=[max_length(500)],
        description=_l("Shown on the hall display and on the public page. May be empty."),
    )
    closed_days = TextAreaField(
        _l("Closed days (no appointments)"), validators=[max_length(4000)],
        description=_l("Dates as YYYY-MM-DD, separated by commas or new lines, "
                       "e.g. 2026-01-01, 2026-04-30."),
    )
    check_in_before_min = StringField(
        _l("Check-in opens before the booked time (minutes)"),
        description=_l("From 0 to 240."),
    )
    check_in_after_min = StringField(
        _l("Check-in closes after the booked time (minutes)"),
        description=_l("From 0 to 240. Later, the booking counts as a no-show."),
    )

    def validate_name(self, field) -> None:
        field.data = required(field)

    def validate_closed_days(self, field) -> None:
        items = [d.strip() for d in (field.data or "").replace("\n", ",").split(",")]
        try:
            self.closed = site_spec.parse_closed_days([d for d in items if d])
        except site_spec.SettingError:
            raise ValidationError(
                _l("Write each day as YYYY-MM-DD (e.g. 2026-09-02), separated by commas.")
            ) from None
        field.data = ", ".join(d.isoformat() for d in self.closed)

    def _site_rule(self, field) -> None:
        try:
            field.number = site_spec.check_site_rule(field.name, _number_or_text(field.data))
        except site_spec.SettingError:
            high = site_spec.SITE_RULE_LIMITS[field.name][1]
            raise ValidationError(
                _l("Enter a whole number from %(low)d to %(high)d.", low=0, high=high)
            ) from None

    validate_check_in_before_min = _site_rule
    validate_check_in_after_min = _site_rule


class ServiceForm(FlaskForm):
    code = StringField(
        _l("Code"),
        validators=[
            matches(site_spec.CODE_PATTERN, _l("1 to 4 capital letters or digits, e.g. A."))
        ],
        description=_l("Cannot be changed later."),
    )
    name_vi = StringField(_l("Name in Vietnamese"), validators=[max_length(200)])
    name_en = StringField(
        _l("Name in English"), validators=[max_length(200)],
        description=_l("Empty: the Vietnamese name is used."),
    )
    prefix = StringField(
        _l("Ticket prefix"),
        validators=[
            matches(site_spec.CODE_PATTERN, _l("1 to 4 capital letters or digits, e.g. A."))
        ],
    )
    first_number = StringField(_l("First number of the day"), validators=[whole_number(0, 99999)])
    number_width = StringField(_l("Digits in the number"), validators=[whole_number(1, 6)],
                               description=_l("3 gives A001."))
    target_wait_min = StringField(_l("Target wait (minutes)"), validators=[whole_number(1, 600)])
    daily_limit = StringField(
        _l("Daily limit of numbers"), validators=[whole_number(1, 99999, optional=True)],
        description=_l("Empty: no limit."),
    )
    hours = StringField(
        _l("Opening hours"), validators=[max_length(200)],
        description=_l("E.g. 07:00-11:30, 13:30-17:00. Empty: all day."),
    )
    weekdays = CheckboxesField(_l("Working days"), choices=WEEKDAYS,
                               description=_l("None ticked: every day."))
    active = BooleanField(_l("Taking numbers (active)"))
    appointments = BooleanField(_l("Takes appointments"))
    appointment_slot_min = StringField(
        _l("Appointment slot length (minutes)"), description=_l("From 5 to 240."))
    appointment_per_slot = StringField(
        _l("Places per slot"), description=_l("From 1 to 500."))
    appointment_days_ahead = StringField(
        _l("Bookable days ahead"), description=_l("From 0 (today only) to 366."))
    appointment_prefix = StringField(
        _l("Appointment ticket prefix"),
        description=_l("1 to 4 capital letters or digits, not used by any field, e.g. H."))
    appointment_hours = StringField(
        _l("Appointment hours"), validators=[max_length(200)],
        description=_l("E.g. 08:00-11:00. Empty: the opening hours."))
    appointment_weekdays = CheckboxesField(
        _l("Appointment days"), choices=WEEKDAYS,
        description=_l("None ticked: the working days."))
    appointment_max_share = StringField(
        _l("Largest share of calls for appointments"),
        description=_l("From 0 to 1, e.g. 0.5: at most every second call while walk-ins wait."))

    #: the form field of each ``appointments`` key
    APPOINTMENT_FIELDS = {
        "slot_min": "appointment_slot_min", "per_slot": "appointment_per_slot",
        "days_ahead": "appointment_days_ahead", "prefix": "appointment_prefix",
        "hours": "appointment_hours", "weekdays": "appointment_weekdays",
        "max_share": "appointment_max_share", "appointments": "appointments",
    }

    def validate_name_vi(self, field) -> None:
        field.data = required(field)

    def validate(self, extra_validators=None) -> bool:
        valid = super().validate(extra_validators)
        return self._check_appointments() and valid

    def _fault(self, name: str, message) -> bool:
        field = getattr(self, name)
        field.errors = [*field.errors, message]
        self.appointment_rules = None
        return False

    def _check_appointments(self) -> bool:
        """The appointment settings, checked by the site file's own rules; the message
        goes next to the field at fault."""
        self.appointment_rules = None
        if not self.appointments.data:
            return True
        spans = [s.strip() for s in (self.appointment_hours.data or "").split(",") if s.strip()]
        raw: dict[str, object] = {
            key: _number_or_text(getattr(self, name).data)
            for key, name in self.APPOINTMENT_FIELDS.items()
            if key in ("slot_min", "per_slot", "days_ahead", "max_share")
        }
        raw["prefix"] = (self.appointment_prefix.data or "").strip()
        if spans:
            raw["hours"] = spans
        if self.appointment_weekdays.data:
            raw["weekdays"] = [int(d) for d in self.appointment_weekdays.data]
        if not str(self.appointment_max_share.data or "").strip():
            raw.pop("max_share")
        try:
            hours = OpeningHours.parse(
                [s.strip() for s in (self.hours.data or "").split(",") if s.strip()],
                [int(d) for d in self.weekdays.data],
            )
        except ValueError:
            hours = OpeningHours()  # the opening hours field says what is wrong
        try:
            self.appointment_rules = site_spec.parse_appointments(
                raw, self.code.data or "", hours
            )
        except site_spec.SettingError as exc:
            return self._fault(self.APPOINTMENT_FIELDS.get(exc.key, "appointments"),
                               _appointment_message(exc.key))
        if self.appointment_rules.prefix == self.prefix.data:
            return self._fault("appointment_prefix",
                               _l("The appointment prefix must differ from the ticket prefix."))
        self.appointment_hours.data = ", ".join(self.appointment_rules.hours.as_text())
        return True

    def validate_hours(self, field) -> None:
        spans = [s.strip() for s in (field.data or "").split(",") if s.strip()]
        try:
            self.opening_hours = OpeningHours.parse(spans, [int(d) for d in self.weekdays.data])
        except ValueError:
            raise ValidationError(
                _l("Write times as HH:MM-HH:MM, separated by commas; the end after the start.")
            ) from None
        field.data = ", ".join(self.opening_hours.as_text())


def _appointment_message(key: str):
    """What the admin reads next to an appointment field the site-file rules refused."""
    if key in site_spec.APPOINTMENT_LIMITS:
        low, high = site_spec.APPOINTMENT_LIMITS[key]
        return _l("Enter a whole number from %(low)d to %(high)d.", low=low, high=high)
    if key == "prefix":
        return _l("1 to 4 capital letters or digits, e.g. A.")
    if key == "max_share":
        return _l("Enter a number from 0 to 1, e.g. 0.5.")
    if key == "hours":
        return _l("Write times as HH:MM-HH:MM, separated by commas; the end after the start. "
                  "Without them the field needs opening hours.")
    return _l("Check the appointment settings.")


class CounterForm(FlaskForm):
    number = StringField(
        _l("Counter number"),
        validators=[matches(site_spec.COUNTER_PATTERN, _l("1 to 8 letters or digits, e.g. 7."))],
        description=_l("Cannot be changed later."),
    )
    services = CheckboxesField(_l("Fields it serves"))

    def validate_services(self, field) -> None:
        if not field.data:
            raise ValidationError(_l("Tick at least one field."))


class NewOfficerForm(FlaskForm):
    username = StringField(
        _l("Username"), validators=[max_length(64)],
        description=_l("Letters, digits, dot, dash or underscore."),
    )
    full_name = StringField(_l("Full name"), validators=[max_length(200)])
    role = ChoiceField(_l("Role"), choices=options((r, ROLE_LABELS[r]) for r in ROLES),
                       default="officer")
    password = PasswordField(
        _l("Password"), description=_l("At least %(num)d characters.", num=MIN_PASSWORD)
    )
    confirm = PasswordField(_l("Password again"))

    def validate_username(self, field) -> None:
        field.data = required(field)
        if not site_spec.DEVICE_ID_PATTERN.match(field.data.replace(".", "_")):
            raise ValidationError(_l("Letters, digits, dot, dash or underscore."))

    def validate_password(self, field) -> None:
        if len(field.data or "") < MIN_PASSWORD:
            raise ValidationError(_l("At least %(num)d characters.", num=MIN_PASSWORD))

    def validate_confirm(self, field) -> None:
        if field.data != self.password.data:
            raise ValidationError(_l("The two passwords differ."))


class EditOfficerForm(FlaskForm):
    full_name = StringField(_l("Full name"), validators=[max_length(200)])
    role = ChoiceField(_l("Role"), choices=options((r, ROLE_LABELS[r]) for r in ROLES))
    active = BooleanField(_l("Account active (may log in)"))


class PasswordForm(FlaskForm):
    password = PasswordField(
        _l("New password"), description=_l("At least %(num)d characters.", num=MIN_PASSWORD)
    )
    confirm = PasswordField(_l("Password again"))

    validate_password = NewOfficerForm.validate_password
    validate_confirm = NewOfficerForm.validate_confirm


class DeviceForm(FlaskForm):
    code = StringField(
        _l("Device name"),
        validators=[matches(site_spec.DEVICE_ID_PATTERN, _l("Letters, digits, dash or underscore, "
                                                     "e.g. kiosk-2."))],
        description=_l("Cannot be changed later."),
    )
    kind = ChoiceField(_l("Kind"), choices=options(KIND_LABELS.items()))
    counter = ChoiceField(_l("Counter"), description=_l("Only for a counter call station."))

    def validate_counter(self, field) -> None:
        if self.kind.data == "counter" and not field.data:
            raise ValidationError(_l("Choose the counter of this call station."))
        if self.kind.data != "counter" and field.data:
            raise ValidationError(_l("Only a counter call station belongs to a counter."))


class IntegratorForm(FlaskForm):
    name = StringField(
        _l("Name of the booking system"), validators=[max_length(100)],
        description=_l("Who uses the key, e.g. Cổng dịch vụ công tỉnh."),
    )

    def validate_name(self, field) -> None:
        if not (field.data or "").strip():
            raise ValidationError(_l("Give the booking system a name."))


class ConfirmForm(FlaskForm):
    """A button that changes something: only the CSRF token travels."""
