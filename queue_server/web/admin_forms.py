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


class SiteForm(FlaskForm):
    name = StringField(_l("Name of the centre"), validators=[max_length(200)])
    board_message = TextAreaField(
        _l("Scrolling message on the hall display"),
        validators=[max_length(500)],
        description=_l("Shown on the hall display and on the public page. May be empty."),
    )

    def validate_name(self, field) -> None:
        field.data = required(field)


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

    def validate_name_vi(self, field) -> None:
        field.data = required(field)

    def validate_hours(self, field) -> None:
        spans = [s.strip() for s in (field.data or "").split(",") if s.strip()]
        try:
            self.opening_hours = OpeningHours.parse(spans, [int(d) for d in self.weekdays.data])
        except ValueError:
            raise ValidationError(
                _l("Write times as HH:MM-HH:MM, separated by commas; the end after the start.")
            ) from None
        field.data = ", ".join(self.opening_hours.as_text())


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
