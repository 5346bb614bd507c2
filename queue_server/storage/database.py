"""Engine and session set-up for SQLite (WAL) and PostgreSQL."""

from __future__ import annotations

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.orm import Session, sessionmaker

#: execution option marking a connection whose transactions only read
READ_ONLY = "motcua_read_only"
#: seconds to wait for PostgreSQL to accept a connection (unless the URL sets connect_timeout)
CONNECT_TIMEOUT_S = 10


def make_engine(url: str) -> Engine:
    """An engine tuned for the queue: SQLite in WAL mode with write-locking transactions.

    On SQLite every transaction starts with ``BEGIN IMMEDIATE`` so that two writers
    queue on the lock instead of failing half-way with "database is locked"; WAL lets
    readers of other connections carry on meanwhile. ``synchronous=FULL`` keeps the
    last committed ticket through a power cut.
    """
    if url.startswith("sqlite"):
        engine = create_engine(url, connect_args={"timeout": 30, "check_same_thread": False})

        @event.listens_for(engine, "connect")
        def _sqlite_pragmas(dbapi_conn, record) -> None:
            dbapi_conn.isolation_level = None  # we issue BEGIN ourselves
            cur = dbapi_conn.cursor()
            cur.execute("PRAGMA journal_mode=WAL")
            cur.execute("PRAGMA synchronous=FULL")
            cur.execute("PRAGMA foreign_keys=ON")
            cur.execute("PRAGMA busy_timeout=30000")
            cur.close()

        @event.listens_for(engine, "begin")
        def _sqlite_begin(conn) -> None:
            if conn.get_execution_options().get(READ_ONLY):
                conn.exec_driver_sql("BEGIN")  # readers never wait for the write lock
            else:
                conn.exec_driver_sql("BEGIN IMMEDIATE")

        return engine
    # a server that does not answer fails within seconds instead of TCP's two minutes
    connect_args = {} if "connect_timeout" in url else {"connect_timeout": CONNECT_TIMEOUT_S}
    return create_engine(
        url, pool_size=10, max_overflow=20, pool_pre_ping=True, connect_args=connect_args
    )


def make_session_factory(engine: Engine, *, read_only: bool = False) -> sessionmaker[Session]:
    """Sessions for writing (the default) or for reading only.

    On SQLite a reading session begins with a plain ``BEGIN``: it sees a consistent
    snapshot and never queues behind writers, which matters for dashboards polling
    while kiosks issue tickets. Writing in such a session is a programming error.
    """
    bind = engine.execution_options(**{READ_ONLY: True}) if read_only else engine
    return sessionmaker(bind, expire_on_commit=False)
