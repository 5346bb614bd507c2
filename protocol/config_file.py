"""Reading a role's TOML config with environment overrides (DESIGN.md section 7).

Every role (server, kiosk, display, counter) reads one TOML file; a few keys can be
overridden by ``MOTCUA_*`` environment variables. Errors name the key at fault and
stop the process at start, never later.
"""

from __future__ import annotations

import os
import re
import ssl
import tomllib
from collections.abc import Mapping
from pathlib import Path
from typing import Any

#: environment variable → dotted config key it overrides
ENV_OVERRIDES: dict[str, str] = {
    "MOTCUA_DATABASE_URL": "database_url",
    "MOTCUA_MQTT_URL": "mqtt_url",
    "MOTCUA_SITE": "site",
    "MOTCUA_SERVER_URL": "server_url",
    "MOTCUA_DEVICE_ID": "device_id",
    "MOTCUA_DEVICE_TOKEN": "device_token",
    "MOTCUA_SECRET_KEY": "secret_key",
}


class ConfigError(Exception):
    """A configuration problem; the message names the file and the key."""


_USER_PASSWORD = re.compile(r"^(?P<head>[^:/?#]*://[^:/@?#]*):[^/?#]*@")


def hide_password(url: str) -> str:
    """``url`` with its password replaced by ``***``, even when the URL does not parse.

    Config errors go to the journal; a broker or database password must not.
    """
    return _USER_PASSWORD.sub(r"\g<head>:***@", url, count=1)


def load_config(path: str | Path | None, env: Mapping[str, str] | None = None) -> dict[str, Any]:
    """Read ``path`` (if given) and apply environment overrides; returns a plain dict."""
    env = os.environ if env is None else env
    data: dict[str, Any] = {}
    if path is not None:
        p = Path(path)
        try:
            with p.open("rb") as fh:
                data = tomllib.load(fh)
        except FileNotFoundError:
            raise ConfigError(f"{p}: config file not found") from None
        except IsADirectoryError:
            raise ConfigError(f"{p}: is a folder, not a config file") from None
        except OSError as exc:
            raise ConfigError(f"{p}: cannot read the config file: {exc.strerror}") from None
        except UnicodeDecodeError as exc:
            raise ConfigError(
                f"{p}: not UTF-8 text (byte {exc.start}): save the config file as UTF-8"
            ) from None
        except tomllib.TOMLDecodeError as exc:
            raise ConfigError(f"{p}: not valid TOML: {exc}") from None
    for var, key in ENV_OVERRIDES.items():
        if env.get(var):
            data[key] = env[var]
    return data


def require(data: Mapping[str, Any], key: str, kind: type | tuple[type, ...] = str) -> Any:
    """The value of ``key``, checked for presence and type, or a ConfigError naming it."""
    if key not in data:
        raise ConfigError(f"config key '{key}' is missing")
    value = data[key]
    if not isinstance(value, kind) or (kind is int and isinstance(value, bool)):
        names = kind.__name__ if isinstance(kind, type) else "/".join(k.__name__ for k in kind)
        raise ConfigError(f"config key '{key}' must be {names}, got {value!r}")
    return value


def optional(
    data: Mapping[str, Any], key: str, default: Any, kind: type | tuple[type, ...] = str
) -> Any:
    """Like ``require`` but with a default when the key is absent."""
    if key not in data:
        return default
    return require(data, key, kind)


def optional_ca_file(data: Mapping[str, Any], key: str) -> str | None:
    """The CA certificate file named by ``key`` (None when unset), checked now.

    The MQTT client only reads it when it connects; a wrong path or a file that holds
    no certificate must stop the program at start with the key's name instead.
    """
    path = optional(data, key, None, str) or None
    if path is None:
        return None
    if not Path(path).is_file():
        raise ConfigError(f"config key '{key}': no such file {path!r}")
    try:
        ssl.create_default_context().load_verify_locations(cafile=path)
    except (ssl.SSLError, UnicodeDecodeError, ValueError):
        raise ConfigError(
            f"config key '{key}': {path!r} holds no PEM certificate (use the hall's ca.crt "
            "from firmware_config generate --tls)"
        ) from None
    except OSError as exc:
        raise ConfigError(f"config key '{key}': cannot read {path!r}: {exc.strerror}") from None
    return path
