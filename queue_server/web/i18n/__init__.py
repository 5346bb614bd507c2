"""Languages of the web pages: Vietnamese first, English second.

Message ids are English. Each web area keeps its own catalogue in
``queue_server/web/i18n/<area>/vi/LC_MESSAGES/messages.po`` (compiled ``.mo`` next to it),
so that two areas never edit the same file; Flask-Babel merges every area's catalogue.
``python -m queue_server.web.i18n.compile`` rebuilds the ``.mo`` files.
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from urllib.parse import urlencode

from flask import Flask, g, request, session
from flask_babel import Babel, format_datetime, format_decimal, get_locale

AREAS_DIR = Path(__file__).resolve().parent
LANGUAGES = ("vi", "en")
DEFAULT_LANGUAGE = "vi"
DEFAULT_TIMEZONE = "Asia/Ho_Chi_Minh"
#: the session key that remembers a language chosen with ``?lang=``
SESSION_KEY = "lang"


def area_directories() -> list[Path]:
    """Every catalogue area (a folder holding a ``vi`` catalogue), in a stable order."""
    return sorted(p for p in AREAS_DIR.iterdir() if (p / "vi" / "LC_MESSAGES").is_dir())


def select_locale() -> str:
    """``?lang=`` (remembered in the session), else the browser's wish, else Vietnamese."""
    asked = request.args.get("lang", "")
    if asked in LANGUAGES:
        session[SESSION_KEY] = asked
        return asked
    chosen = session.get(SESSION_KEY)
    if chosen in LANGUAGES:
        return chosen
    return request.accept_languages.best_match(LANGUAGES) or DEFAULT_LANGUAGE


def select_timezone() -> str:
    """The site's own time zone: staff and citizens read the hall's clock, not UTC."""
    cached = g.get("site_timezone")
    if cached:
        return cached
    from queue_server.web.context import runtime

    rt = runtime()

    def load() -> str:
        with rt.hall.read() as db:
            return rt.hall.site(db).timezone or DEFAULT_TIMEZONE

    try:
        tz = rt.hall.cache.get("site_timezone", 60.0, load)
    except Exception:  # no site loaded yet: the pages still render
        tz = DEFAULT_TIMEZONE
    g.site_timezone = tz
    return tz


def current_language() -> str:
    locale = get_locale()
    return locale.language if locale is not None else DEFAULT_LANGUAGE


def localized(item: object, field: str = "name") -> str:
    """``item.name_en`` in English, else ``item.name_vi`` (dicts and objects alike)."""

    def get(key: str) -> str:
        if isinstance(item, dict):
            return item.get(key) or ""
        return getattr(item, key, "") or ""

    if current_language() == "en":
        return get(f"{field}_en") or get(f"{field}_vi")
    return get(f"{field}_vi")


def language_url(code: str) -> str:
    """The current page in another language (other query arguments kept)."""
    args = {k: v for k, v in request.args.items() if k != "lang"}
    args["lang"] = code
    return f"{request.path}?{urlencode(args)}"


def local_datetime_iso(text: str | None, style: str = "short") -> str:
    """An ISO 8601 time (as the API gives it) in the reader's locale and the site's zone."""
    if not text:
        return "–"
    return format_datetime(datetime.fromisoformat(text), style)


def init_app(app: Flask) -> None:
    app.config["BABEL_DEFAULT_LOCALE"] = DEFAULT_LANGUAGE
    app.config["BABEL_DEFAULT_TIMEZONE"] = DEFAULT_TIMEZONE
    app.config["BABEL_TRANSLATION_DIRECTORIES"] = ";".join(str(p) for p in area_directories())
    Babel(app, locale_selector=select_locale, timezone_selector=select_timezone)
    app.jinja_env.globals.update(
        current_language=current_language,
        language_url=language_url,
        localized=localized,
        LANGUAGES=LANGUAGES,
    )
    app.jinja_env.filters["decimal"] = format_decimal
    app.jinja_env.filters["local_datetime"] = format_datetime
    app.jinja_env.filters["local_datetime_iso"] = local_datetime_iso
