"""Engine and sessions, for SQLite (embedded default) and PostgreSQL alike."""
from __future__ import annotations

import logging
import time
from functools import cache
from pathlib import Path

from sqlalchemy import create_engine, event, exc, text
from sqlalchemy.engine import Engine
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session, sessionmaker

MIGRATIONS = Path(__file__).resolve().parent / "migrations"


# How long a writer waits for SQLite's write lock before giving up (SQLite's busy timeout).
SQLITE_BUSY_MS = 30_000


def make_engine(url: str, **kwargs) -> Engine:
    if url.startswith("sqlite"):
        engine = create_engine(url, connect_args={"check_same_thread": False}, **kwargs)

        @event.listens_for(engine, "connect")
        def _sqlite_pragmas(dbapi_conn, _record):
            # SQLAlchemy's recipe for SQLite transactions: the driver issues no BEGIN of its
            # own, the "begin" event below does, so that BEGIN IMMEDIATE can be asked for.
            dbapi_conn.isolation_level = None
            cur = dbapi_conn.cursor()
            cur.execute("PRAGMA journal_mode=WAL")
            cur.execute("PRAGMA foreign_keys=ON")
            cur.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_MS}")
            cur.execute("PRAGMA synchronous=NORMAL")  # WAL + NORMAL is durable across app crashes
            cur.execute("PRAGMA journal_size_limit=67108864")  # the log file shrinks back
            cur.close()

        @event.listens_for(engine, "begin")
        def _begin(conn):
            # A write transaction takes the write lock up front (see begin_write) and so waits
            # on the busy timeout for its turn; one that reads first and writes later would
            # fail at once with "database is locked" when another writer came in between.
            immediate = conn.get_execution_options().get("sqlite_immediate")
            conn.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")

        return engine
    ping_after = kwargs.pop("ping_after_idle", PING_AFTER_IDLE)
    kwargs.setdefault("pool_size", 10)
    kwargs.setdefault("max_overflow", 20)
    engine = create_engine(url, **kwargs)
    if not kwargs.get("pool_pre_ping"):
        _ping_after_idle(engine, ping_after)
    return engine


# A pooled connection is pinged before use only if it sat idle this long. (pool_pre_ping pings
# at every checkout: a round trip to the server per transaction, a fifth of a label's cost.)
PING_AFTER_IDLE = 10.0


def _ping_after_idle(engine: Engine, idle: float) -> None:
    @event.listens_for(engine, "checkin")
    def _checkin(_dbapi_conn, record):
        record.info["annotator.idle_since"] = time.monotonic()

    @event.listens_for(engine, "checkout")
    def _checkout(dbapi_conn, record, _proxy):
        since = record.info.get("annotator.idle_since")
        if since is None or time.monotonic() - since < idle:
            return
        try:
            engine.dialect.do_ping(dbapi_conn)
        except Exception as err:  # the server went away: the pool connects afresh
            raise exc.DisconnectionError(str(err)) from err


def begin_write(session: Session) -> None:
    """Start the session's transaction as a write transaction.

    On SQLite this takes the database write lock at once (BEGIN IMMEDIATE), so concurrent
    writers queue on the busy timeout rather than fail; elsewhere it changes nothing.
    """
    if session.get_bind().dialect.name != "sqlite":
        return
    if session.in_transaction():
        if session.connection().get_execution_options().get("sqlite_immediate"):
            return
        session.commit()  # nothing is pending here; expire_on_commit=False keeps objects loaded
    session.connection(execution_options={"sqlite_immediate": True})


def read_snapshot(session: Session) -> None:
    """Start a transaction in which every read sees the same snapshot of the database, for a
    reader that needs its several queries to agree (a release's export kinds). PostgreSQL
    reads so under REPEATABLE READ; SQLite does already within one transaction (WAL mode).
    Ends the session's open transaction first (expire_on_commit=False keeps objects loaded)."""
    if session.in_transaction():
        session.commit()
    if session.get_bind().dialect.name == "postgresql":
        session.connection(execution_options={"isolation_level": "REPEATABLE READ"})


def plan_for_every_row(session: Session) -> None:
    """Let PostgreSQL plan the session's next cursors for reading every row.

    Streamed reads (yield_per) run as server-side cursors, which PostgreSQL plans for their
    first tenth of rows (cursor_tuple_fraction): nested loops quick to start. An export reads
    them all, and where the statistics lag behind a project's growth that choice was seen to
    cost 8.6 s instead of 1.1 s for 100,000 annotations (a loop over every article per label).
    SET LOCAL: it ends with the transaction. Other databases plan no differently."""
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("SET LOCAL cursor_tuple_fraction = 1"))


# A load that adds at least this share of a table's rows (as PostgreSQL last counted them)
# gets a fresh ANALYZE; smaller ones are left to autovacuum.
ANALYZE_SHARE = 0.1


def refresh_statistics(conn, added: dict[str, int]) -> None:
    """After a bulk load on PostgreSQL, ANALYZE the tables it grew by a tenth or more.

    Autovacuum analyzes a table only after its next nap (a minute by default). Until then the
    planner takes a freshly filled table for empty and plans the annotate loop's counts as
    nested loops over the whole project: 90 ms instead of 2 ms per count, seen with 32
    annotators starting right after an import. SQLite plans these without statistics.
    `conn` is a Connection or a Session; `added` maps table names to rows added. This is
    bookkeeping after the load committed: an error is logged and rolled back, not raised.
    """
    dialect = (conn.get_bind() if isinstance(conn, Session) else conn).dialect
    if dialect.name != "postgresql":
        return
    try:
        stale = []
        for table, n in added.items():
            counted = conn.execute(text("SELECT reltuples FROM pg_class WHERE oid = to_regclass(:t)"),
                                   {"t": table}).scalar()
            if n > 0 and (counted is None or counted < 0 or n >= ANALYZE_SHARE * counted):
                stale.append(dialect.identifier_preparer.quote(table))
        if stale:
            conn.execute(text("ANALYZE " + ", ".join(stale)))
        conn.commit()
    except SQLAlchemyError:
        logging.getLogger(__name__).warning("ANALYZE after a load failed", exc_info=True)
        conn.rollback()


def make_sessionmaker(engine: Engine) -> sessionmaker[Session]:
    return sessionmaker(engine, expire_on_commit=False)


def alembic_config(url: str):
    # Alembic is imported when a migration runs: at the top it cost every process 0.3 s.
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    cfg.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return cfg


def schema_revision(conn) -> str | None:
    """The migration the database is at (Alembic's version table); None before any."""
    from alembic.runtime.migration import MigrationContext

    return MigrationContext.configure(conn).get_current_revision()


@cache
def head_revision() -> str:
    """The newest migration this code ships."""
    from alembic.script import ScriptDirectory

    return ScriptDirectory.from_config(alembic_config("sqlite://")).get_current_head()


def upgrade(engine: Engine) -> None:
    """Create or upgrade the schema to the newest migration."""
    from alembic import command

    cfg = alembic_config(engine.url.render_as_string(hide_password=False))
    with engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, "head")
