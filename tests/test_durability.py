"""Durability: the server is SIGKILLed in the middle of a load run and started again.

Every label acknowledged (2xx) before the kill is stored, the SQLite file passes
`PRAGMA integrity_check`, the label counts match the rows, and the restarted server goes on
serving. Then `annotator backup` makes a snapshot that a new app exports identically.
"""
from __future__ import annotations

import asyncio
import sqlite3
import sys
import time
from pathlib import Path

BENCH = Path(__file__).resolve().parent.parent / "bench"
if str(BENCH) not in sys.path:
    sys.path.insert(0, str(BENCH))

from common import (Result, Server, annotate, cli, make_corpus, make_users,  # noqa: E402
                    setup_app, verify)


def _project_id(app, slug):
    from sqlalchemy import select

    from annotator.models import Project

    with app.extensions["annotator.sessionmaker"]() as s:
        return s.scalar(select(Project.id).where(Project.slug == slug))


async def _load_then_kill(server: Server, tokens: dict, kill_after: int) -> list[Result]:
    """Annotators at full speed; SIGKILL the server once `kill_after` labels are acknowledged."""
    results = [Result(name) for name in tokens]
    deadline = time.perf_counter() + 60
    tasks = [asyncio.create_task(annotate("127.0.0.1", server.port, tok, "dur", i, name, 10_000,
                                          deadline, result))
             for i, ((name, tok), result) in enumerate(zip(tokens.items(), results))]
    while sum(len(r.acked) for r in results) < kill_after and not all(t.done() for t in tasks):
        await asyncio.sleep(0.002)
    server.kill()  # master and workers at once, mid-request
    await asyncio.gather(*tasks)
    return results


def test_sigkill_mid_run_loses_no_acknowledged_label(tmp_path):
    url = f"sqlite:///{tmp_path / 'annotator.db'}"
    app = setup_app(url, tmp_path / "instance")
    cli(app, "init")
    cli(app, "create-project", "dur", "--overlap", "2")
    make_corpus(app.extensions["annotator.engine"], _project_id(app, "dur"), 30, 20)
    tokens = make_users(app, [f"d{i}" for i in range(4)])
    app.extensions["annotator.engine"].dispose()

    server = Server(url, tmp_path / "instance")
    server.start()
    try:
        before = asyncio.run(_load_then_kill(server, tokens, kill_after=300))
    finally:
        server.kill()
    acked = sum(len(r.acked) for r in before)
    assert acked >= 300
    # The kill cut requests off: every annotator saw its connection fail.
    assert all(r.errors for r in before if not r.done)

    db = sqlite3.connect(tmp_path / "annotator.db")
    assert db.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    assert db.execute("PRAGMA foreign_key_check").fetchall() == []
    db.close()
    problems = verify(app.extensions["annotator.engine"], "dur", before)
    assert problems == [], problems[:5]

    # Started again on the same file, it serves on: the same annotators finish the project.
    server = Server(url, tmp_path / "instance")
    server.start()
    try:
        after = [Result(name) for name in tokens]
        deadline = time.perf_counter() + 60

        async def finish():
            await asyncio.gather(*[annotate("127.0.0.1", server.port, tok, "dur", i, name, 10_000,
                                            deadline, res)
                                   for i, ((name, tok), res) in enumerate(zip(tokens.items(), after))])
        asyncio.run(finish())
    finally:
        server.stop()
    assert all(r.done for r in after), [r.errors[:2] for r in after]
    merged = []
    for b, a in zip(before, after):
        both = Result(b.name)
        both.acked = {**b.acked, **a.acked}
        merged.append(both)
    problems = verify(app.extensions["annotator.engine"], "dur", merged)
    assert problems == [], problems[:5]
    from sqlalchemy import func, select

    from annotator.models import Sentence

    with app.extensions["annotator.engine"].connect() as conn:
        open_left = conn.scalar(select(func.count()).select_from(Sentence).where(
            Sentence.full.is_(False), Sentence.kind == "body"))
    assert open_left == 0  # every sentence reached k after the restart


def _export(url: str, instance: Path) -> dict[str, list[dict]]:
    from annotator import create_app, export, projects

    other = create_app({"DATABASE_URL": url, "INSTANCE_PATH": str(instance)})
    try:
        with other.extensions["annotator.sessionmaker"]() as s:
            p = projects.by_slug(s, "dur")
            return {kind: list(export.records(s, p, kind)) for kind in ("annotations", "sentences")}
    finally:
        other.extensions["annotator.engine"].dispose()


def test_backup_restores_to_the_same_export(tmp_path):
    from annotator import assign, labelling, projects, users
    from annotator.labelling import LabelInput

    url = f"sqlite:///{tmp_path / 'annotator.db'}"
    app = setup_app(url, tmp_path / "instance")
    cli(app, "init")
    cli(app, "create-project", "dur", "--overlap", "2")
    make_corpus(app.extensions["annotator.engine"], _project_id(app, "dur"), 5, 10)
    make_users(app, ["b1", "b2"])
    with app.extensions["annotator.sessionmaker"]() as s:
        p = projects.by_slug(s, "dur")
        for name, label in (("b1", "neutral_fact"), ("b2", "attributed_claim")):
            u = users.by_name(s, name)
            for _ in range(20):
                sentence = assign.next_sentence(s, p, u)
                labelling.save(s, p, sentence, u, LabelInput(label, comment=f"by {name}"), held_only=False)
    # A reader holding a transaction open does not stop the backup (WAL mode).
    with app.extensions["annotator.engine"].connect() as reader:
        reader.exec_driver_sql("SELECT count(*) FROM annotations").all()
        out = cli(app, "backup", str(tmp_path / "backups" / "copy.db"))
    assert "Backup written to" in out
    copy = tmp_path / "backups" / "copy.db"
    assert copy.exists() and not (tmp_path / "backups" / "copy.db.part").exists()
    db = sqlite3.connect(copy)
    assert db.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    assert db.execute("PRAGMA journal_mode").fetchone()[0] == "delete"  # one self-contained file
    db.close()

    original = _export(url, tmp_path / "i1")
    restored = _export(f"sqlite:///{copy}", tmp_path / "i2")
    assert len(original["annotations"]) == 40
    assert restored == original


def test_backup_of_postgresql_explains_pg_dump(tmp_path):
    from sqlalchemy import create_engine

    from annotator.backup import BackupError, backup

    engine = create_engine("postgresql+psycopg://user@localhost/annotator")  # never connects
    try:
        backup(engine, tmp_path / "x.db")
    except BackupError as err:
        assert "pg_dump" in str(err) and "pg_restore" in str(err)
    else:
        raise AssertionError("no error for PostgreSQL")
    assert not (tmp_path / "x.db").exists()


def test_postgresql_pg_dump_and_pg_restore_give_the_same_export(tmp_path, database_url):
    """What docs/deploy.md and `annotator backup` tell a PostgreSQL user to do, done: pg_dump
    (custom format, while the app's engine is open) and pg_restore into an empty database."""
    import shutil
    import subprocess
    import uuid

    import pytest
    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import make_url

    from annotator import assign, labelling, projects, users
    from annotator.labelling import LabelInput

    if not database_url.startswith("postgresql") or not shutil.which("pg_dump"):
        pytest.skip("PostgreSQL only, with its client tools (pg_dump, pg_restore)")
    app = setup_app(database_url, tmp_path / "instance")
    cli(app, "create-project", "dur", "--overlap", "2")
    make_corpus(app.extensions["annotator.engine"], _project_id(app, "dur"), 5, 10)
    make_users(app, ["b1", "b2"])
    with app.extensions["annotator.sessionmaker"]() as s:
        p = projects.by_slug(s, "dur")
        for name, label in (("b1", "neutral_fact"), ("b2", "contested_framing")):
            u = users.by_name(s, name)
            for _ in range(15):
                sentence = assign.next_sentence(s, p, u)
                labelling.save(s, p, sentence, u, LabelInput(label, comment=f"by {name}"), held_only=False)
        schema = s.execute(text("SELECT current_schema()")).scalar()
    app.extensions["annotator.engine"].dispose()

    url = make_url(database_url)
    libpq = url.set(drivername="postgresql", query={}).render_as_string(hide_password=False)
    dump = tmp_path / "annotator.dump"
    subprocess.run(["pg_dump", "--format=custom", f"--schema={schema}", f"--file={dump}", libpq],
                   check=True, capture_output=True)
    target = f"restore_{uuid.uuid4().hex[:10]}"
    admin = create_engine(url.set(query={}), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{target}"'))
    try:
        restored_libpq = url.set(drivername="postgresql", database=target,
                                 query={}).render_as_string(hide_password=False)
        subprocess.run(["pg_restore", "--no-owner", f"--dbname={restored_libpq}", str(dump)],
                       check=True, capture_output=True)
        restored_url = url.set(database=target).render_as_string(hide_password=False)
        original = _export(database_url, tmp_path / "i1")
        restored = _export(restored_url, tmp_path / "i2")
        assert len(original["annotations"]) == 30
        assert restored == original
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{target}" WITH (FORCE)'))
        admin.dispose()
