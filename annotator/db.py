"""Engine and sessions, for SQLite (embedded default) and PostgreSQL alike."""
from __future__ import annotations

import logging
import os
import threading
from pathlib import Path

try:
    import fcntl
except ImportError:  # Windows: threads still queue, processes rely on SQLite's busy timeout
    fcntl = None

from sqlalchemy import create_engine, event, text
from sqlalchemy.engine import Engine
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session, sessionmaker

MIGRATIONS = Path(__file__).resolve().parent / "migrations"


def make_engine(url: str, **kwargs) -> Engine:
    if url.startswith("sqlite"):
        # A busy timeout lets concurrent writers wait instead of failing with "database is locked".
        engine = create_engine(url, connect_args={"timeout": 30, "check_same_thread": False}, **kwargs)
        gate = WriterGate.for_database(engine.url.database)

        @event.listens_for(engine, "connect")
        def _sqlite_pragmas(dbapi_conn, _record):
            # Let SQLAlchemy issue BEGIN itself so that BEGIN IMMEDIATE below takes effect.
            dbapi_conn.isolation_level = None
            cur = dbapi_conn.cursor()
            cur.execute("PRAGMA journal_mode=WAL")
            cur.execute("PRAGMA foreign_keys=ON")
            cur.execute("PRAGMA busy_timeout=30000")
            cur.execute("PRAGMA synchronous=NORMAL")  # WAL + NORMAL is durable across app crashes
            if gate.database:
                # Checkpoints run in the gate's background thread (see WriterGate); this one
                # stays as a backstop for processes that write without it.
                cur.execute(f"PRAGMA wal_autocheckpoint={WriterGate.AUTOCHECKPOINT}")
                cur.execute("PRAGMA journal_size_limit=67108864")  # the log file shrinks back
            cur.close()

        @event.listens_for(engine, "begin")
        def _begin(conn):
            # Write transactions take the lock up front (see begin_write): one that reads first
            # and upgrades later fails at once with SQLITE_BUSY instead of waiting its turn.
            if not conn.get_execution_options().get("sqlite_immediate"):
                conn.exec_driver_sql("BEGIN")
                return
            dbapi_conn = conn.connection.dbapi_connection
            gate.acquire(dbapi_conn)
            try:
                conn.exec_driver_sql("BEGIN IMMEDIATE")
            except BaseException:
                gate.release(dbapi_conn)
                raise

        gate.install(engine)
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
    import time

    from sqlalchemy import exc

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


class WriterGate:
    """Writers of one SQLite file queue here before BEGIN IMMEDIATE.

    SQLite's own busy handler polls with growing sleeps (1, 2, 5, 10 ... 100 ms), so a writer
    that finds the lock taken often sleeps long after it was freed: under a few concurrent
    writers that is most of a request's latency. Here the threads of a process queue on a lock
    and the processes (gunicorn workers, the CLI) on an flock(2) of `<database>-writer.lock`;
    both hand over at once. The gate is only an antechamber: SQLite's lock still decides, and a
    writer that waited longer than the busy timeout goes on to SQLite's busy handler as before.
    The gate is released after COMMIT or ROLLBACK (or when the connection closes).

    Checkpoints: SQLite copies the write-ahead log back into the database file when a commit
    finds it longer than `wal_autocheckpoint` pages, in that commit, with an fsync: every
    hundred labels or so one request waited 5-20 ms, and every writer queued behind it. Here
    a thread of each writing process runs a PASSIVE checkpoint (which waits for nobody and
    blocks nobody) a moment after writes, and the automatic one only starts past
    AUTOCHECKPOINT pages (processes that write much without this thread).
    """

    TIMEOUT = 30.0
    CHECKPOINT_AFTER = 0.2  # seconds after a write
    WAL_PAGES = 4000  # past this, the checkpoint waits its turn at the gate to restart the log
    AUTOCHECKPOINT = 20000  # pages (80 MB with 4 KiB pages)
    _shared: dict[str, WriterGate] = {}
    _shared_lock = threading.Lock()

    @classmethod
    def for_database(cls, database: str | None) -> WriterGate:
        """One gate per database file and process, whichever engine opens it."""
        key = os.path.abspath(database) if database and database != ":memory:" else None
        if key is None:
            return cls(None)
        with cls._shared_lock:
            gate = cls._shared.get(key)
            if gate is None:
                gate = cls._shared[key] = cls(key)
            return gate

    def __init__(self, database: str | None):
        self.database = self.path = None
        if database and database != ":memory:" and not database.startswith("file:"):
            self.database = database
            if fcntl:
                self.path = f"{database}-writer.lock"
        self._pid = None
        self._lock = self._fd = None
        self._owner: int | None = None
        self._wrote = threading.Event()

    def _setup(self) -> None:
        # Per process: a lock and a file descriptor inherited through fork() are not ours.
        with WriterGate._shared_lock:
            if self._pid == os.getpid():
                return
            self._lock = threading.Lock()
            self._fd, self._owner = None, None
            if self.path:
                try:
                    self._fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o600)
                except OSError:
                    self._fd = None
            self._wrote = threading.Event()
            if self.database:
                threading.Thread(target=self._checkpoints, args=(self._wrote,), daemon=True,
                                 name="sqlite-checkpoint").start()
            self._pid = os.getpid()

    def _checkpoints(self, wrote: threading.Event) -> None:
        import sqlite3
        import time

        conn = None
        while True:
            wrote.wait()
            time.sleep(self.CHECKPOINT_AFTER)
            wrote.clear()
            try:
                if conn is None:
                    conn = sqlite3.connect(self.database, timeout=5, isolation_level=None,
                                           check_same_thread=False)
                self._checkpoint(conn)
            except sqlite3.Error:
                if conn is not None:
                    conn.close()
                conn = None

    def _checkpoint(self, conn) -> None:
        """Copy the log back into the database. The log restarts from its beginning (instead
        of growing) only after a checkpoint caught up with it while no writer added to it, so
        a second, short pass runs inside the gate: when the gate is free, or, once the log is
        longer than WAL_PAGES, after waiting for it."""
        _, log, _ = conn.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchone()
        if log <= 0 or not self.acquire(conn, wait=log > self.WAL_PAGES):
            return
        try:
            conn.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchall()
        finally:
            self.release(conn, wrote=False)

    def acquire(self, dbapi_conn, wait: bool = True) -> bool:
        if self._pid != os.getpid():
            self._setup()
        if not self._lock.acquire(timeout=self.TIMEOUT if wait else 0):
            return False  # leave it to SQLite's busy handler
        if self._fd is not None:
            try:
                fcntl.flock(self._fd, fcntl.LOCK_EX if wait else fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                self._lock.release()
                return False
            except OSError:
                pass
        self._owner = id(dbapi_conn)
        return True

    def release(self, dbapi_conn, wrote: bool = True) -> None:
        if self._owner is None or self._owner != id(dbapi_conn) or self._pid != os.getpid():
            return
        self._owner = None
        if self._fd is not None:
            try:
                fcntl.flock(self._fd, fcntl.LOCK_UN)
            except OSError:
                pass
        self._lock.release()
        if wrote:
            self._wrote.set()

    def install(self, engine: Engine) -> None:
        dialect = engine.dialect
        do_commit, do_rollback = dialect.do_commit, dialect.do_rollback

        def _raw(conn):
            return getattr(conn, "dbapi_connection", conn)

        def commit(conn):
            try:
                do_commit(conn)
            finally:
                self.release(_raw(conn))

        def rollback(conn):
            try:
                do_rollback(conn)
            finally:
                self.release(_raw(conn))

        dialect.do_commit, dialect.do_rollback = commit, rollback

        @event.listens_for(engine, "close")
        def _closed(dbapi_conn, _record):
            self.release(dbapi_conn)

        @event.listens_for(engine, "invalidate")
        def _invalidated(dbapi_conn, _record, _exc):
            self.release(dbapi_conn)


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
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    cfg.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return cfg


def upgrade(engine: Engine) -> None:
    """Create or upgrade the schema to the newest migration."""
    from alembic import command

    cfg = alembic_config(engine.url.render_as_string(hide_password=False))
    with engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, "head")
