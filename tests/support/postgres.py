"""A fresh PostgreSQL schema per test run, or a clear reason to skip."""

from __future__ import annotations

import os
import secrets
from urllib.parse import quote

DEFAULT_PG_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/test"


def pg_base_url() -> str:
    return os.environ.get("MOTCUA_TEST_PG_URL", DEFAULT_PG_URL)


def create_schema() -> tuple[str, str]:
    """Create a uniquely named schema; returns (schema, URL whose search_path is it).

    Raises ``ConnectionError`` with the reason when no server is reachable.
    """
    import sqlalchemy as sa

    base = pg_base_url()
    schema = f"motcua_t_{secrets.token_hex(4)}"
    try:
        engine = sa.create_engine(base, connect_args={"connect_timeout": 3})
        with engine.begin() as conn:
            conn.exec_driver_sql(f'CREATE SCHEMA "{schema}"')
        engine.dispose()
    except Exception as exc:  # any failure to reach the server means: skip, with the reason
        raise ConnectionError(f"PostgreSQL not reachable at {base}: {exc}") from None
    sep = "&" if "?" in base else "?"
    return schema, f"{base}{sep}options={quote(f'-csearch_path={schema}')}"


def drop_schema(schema: str) -> None:
    import sqlalchemy as sa

    engine = sa.create_engine(pg_base_url())
    with engine.begin() as conn:
        conn.exec_driver_sql(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')
    engine.dispose()
