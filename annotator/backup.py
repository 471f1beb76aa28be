"""Consistent backups of the database (no Flask import).

SQLite: `backup(engine, path)` copies the live database with SQLite's online backup API in
one step, inside one read transaction, so the copy is the database as of one moment even
while annotators keep writing (in WAL mode readers and writers do not block each other).
The copy is a single self-contained file (rollback journal, not WAL): restoring it means
pointing ANNOTATOR_DATABASE_URL at it, or copying it over the database file while the
server is stopped.

PostgreSQL (or any other server database): the server's own tools make the backup;
`backup()` raises BackupError saying how.
"""
from __future__ import annotations

import os
import sqlite3
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy.engine import Engine

PG_HELP = (
    "annotator backup copies SQLite databases only. For PostgreSQL use its own tools, "
    "e.g. `pg_dump --format=custom --file=annotator.dump 'postgresql://USER@HOST/DB'` "
    "(consistent while the server runs) and, to restore into an empty database, "
    "`pg_restore --dbname='postgresql://USER@HOST/NEWDB' annotator.dump`; then point "
    "ANNOTATOR_DATABASE_URL at it and run `annotator init` (it applies any newer migrations).")


class BackupError(RuntimeError):
    pass


@dataclass
class BackupReport:
    path: Path
    bytes: int
    pages: int


def backup(engine: Engine, path: str | os.PathLike) -> BackupReport:
    """Write a consistent snapshot of the engine's SQLite database to `path` (replaced
    atomically: a reader never sees half a file)."""
    if engine.dialect.name != "sqlite":
        if engine.dialect.name == "postgresql":
            raise BackupError(PG_HELP)
        raise BackupError(f"annotator backup copies SQLite databases only (this is "
                          f"{engine.dialect.name}); use the database server's own backup tool.")
    source_name = engine.url.database
    if not source_name or source_name == ":memory:":
        raise BackupError("an in-memory database cannot be backed up")
    target = Path(path).resolve()
    if target == Path(source_name).resolve():
        raise BackupError(f"{target} is the database itself; choose another path")
    target.parent.mkdir(parents=True, exist_ok=True)
    partial = target.with_name(target.name + ".part")
    partial.unlink(missing_ok=True)
    with engine.connect() as conn:
        source = conn.connection.dbapi_connection
        dest = sqlite3.connect(partial)
        try:
            # pages=-1: the whole database in one step, i.e. in one read transaction.
            source.backup(dest, pages=-1)
            dest.execute("PRAGMA journal_mode=DELETE")
            check = dest.execute("PRAGMA quick_check").fetchone()[0]
            pages = dest.execute("PRAGMA page_count").fetchone()[0]
        finally:
            dest.close()
        conn.rollback()
    if check != "ok":
        partial.unlink(missing_ok=True)
        raise BackupError(f"the copy failed its check: {check}")
    with open(partial, "rb+") as fh:
        os.fsync(fh.fileno())
    os.replace(partial, target)
    return BackupReport(target, target.stat().st_size, pages)
