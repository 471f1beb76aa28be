"""Core statements compiled once per database and run on the DBAPI cursor (no Flask import).

The annotate loop runs a handful of fixed statements per request. Through
``Connection.execute`` each costs 3-4 times what the database driver itself takes (statement
cache lookup, parameter processing, execution context, result metadata: ~270 of ~360 us of
CPU per statement on the bench machine, docs/benchmarks.md). ``Prepared`` keeps the statement
a SQLAlchemy construct, compiles it once per dialect and then executes the compiled SQL on
the cursor of the same connection, inside the same transaction, with the column types' own
bind and result processors, so values go in and come out as they do through SQLAlchemy
(tests/test_prepared.py compares the two on every statement that uses it).

Not for statements with IN lists (expanding parameters). Run only on a connection whose
transaction has begun (the session's); events on the engine do not see these executions, and
errors come as the driver's exceptions, not wrapped by SQLAlchemy.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable

from sqlalchemy.engine import Connection


@dataclass(slots=True)
class _Compiled:
    compiled: Any
    sql: str
    positional: tuple[str, ...] | None  # parameter names in order, for qmark/numeric styles
    binds: tuple[tuple[str, Callable], ...]  # (name, processor) where the type has one
    results: tuple[tuple[int, Callable], ...]  # (column index, processor) where there is one


class Prepared:
    """A Core statement for fast repeated execution: `rows` for a select or DML with
    RETURNING, `run` for DML without. An INSERT names its values as bind parameters
    (`.values(col=bindparam("col"))`): it is compiled once, not per set of keys given."""

    __slots__ = ("stmt", "_by_dialect")

    def __init__(self, stmt):
        self.stmt = stmt
        self._by_dialect: dict[tuple[str, str], _Compiled] = {}

    def _compile(self, dialect) -> _Compiled:
        key = (dialect.name, dialect.driver)
        found = self._by_dialect.get(key)
        if found is not None:
            return found
        compiled = self.stmt.compile(dialect=dialect)
        if compiled.post_compile_params:
            raise ValueError("Prepared does not take IN lists (expanding parameters)")
        binds = []
        for name, bind in compiled.binds.items():
            proc = bind.type.dialect_impl(dialect).bind_processor(dialect)
            if proc is not None:
                binds.append((name, proc))
        columns = getattr(self.stmt, "selected_columns", None)
        if columns is None or not len(columns):
            columns = getattr(self.stmt, "exported_columns", ())
        results = []
        for i, col in enumerate(columns):
            proc = col.type.dialect_impl(dialect).result_processor(dialect, None)
            if proc is not None:
                results.append((i, proc))
        positional = tuple(compiled.positiontup) if compiled.positional else None
        found = _Compiled(compiled, compiled.string, positional, tuple(binds), tuple(results))
        self._by_dialect[key] = found
        return found

    def _execute(self, conn: Connection, params: dict | None):
        c = self._compile(conn.dialect)
        values = c.compiled.construct_params(params or {})
        for name, proc in c.binds:
            if name in values:  # None too: JSON stores it as 'null', as through SQLAlchemy
                values[name] = proc(values[name])
        args = [values[n] for n in c.positional] if c.positional is not None else values
        cursor = conn.connection.driver_connection.cursor()
        try:
            cursor.execute(c.sql, args)
        except BaseException:
            cursor.close()
            raise
        return c, cursor

    def run(self, conn: Connection, params: dict | None = None) -> tuple[int, int | None]:
        """Execute a statement that returns no rows; (rowcount, lastrowid)."""
        _, cursor = self._execute(conn, params)
        try:
            return cursor.rowcount, getattr(cursor, "lastrowid", None)
        finally:
            cursor.close()

    def rows(self, conn: Connection, params: dict | None = None) -> list[tuple]:
        """All rows (of a SELECT or a RETURNING), as tuples."""
        c, cursor = self._execute(conn, params)
        try:
            rows = cursor.fetchall()
        finally:
            cursor.close()
        if c.results and rows:
            out = []
            for row in rows:
                row = list(row)
                for i, proc in c.results:
                    row[i] = proc(row[i])
                out.append(tuple(row))
            return out
        return rows

    def first(self, conn: Connection, params: dict | None = None) -> tuple | None:
        rows = self.rows(conn, params)
        return rows[0] if rows else None

    def scalar(self, conn: Connection, params: dict | None = None):
        row = self.first(conn, params)
        return None if row is None else row[0]
