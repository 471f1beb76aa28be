"""Streamed imports (annotator.staged_import, ingest.stream; issue 21 item 2): the same
articles and units as the whole-file import, invisible until published in one transaction,
nothing left behind by bad input or a failure, bad lines named by file and line."""
from __future__ import annotations

import json

import pytest
from sqlalchemy import func, select

from annotator import ingest, projects, staged_import
from annotator.articles import add_articles
from annotator.ingest.stream import streamable
from annotator.models import Article, Project, Sentence


def _jsonl(path, n, start=0, **extra):
    with open(path, "w", encoding="utf-8") as fh:
        for i in range(start, start + n):
            fh.write(json.dumps({"title": f"Story {i}", "id": f"s{i}",
                                 "text": f"Minister {i} said the plan works. Critics disagreed "
                                         f"strongly on day {i}. Nobody knew more.", **extra}) + "\n")
    return path


def _count(session, model, project_id):
    session.commit()
    return session.scalar(select(func.count()).select_from(model).where(model.project_id == project_id))


def _units(session, project_id):
    return session.execute(select(Article.external_id, Sentence.position, Sentence.text, Sentence.kind)
                           .join(Sentence, Sentence.article_id == Article.id)
                           .where(Article.project_id == project_id)
                           .order_by(Article.external_id, Sentence.position)).all()


def test_a_streamed_import_stores_what_the_whole_file_import_stores(db, tmp_path):
    path = _jsonl(tmp_path / "a.jsonl", 30)
    streamed = projects.create_project(db, "streamed", "S")
    whole = projects.create_project(db, "whole", "W")
    db.commit()
    report = staged_import.import_file(db, streamed, path, batch=7)
    add_articles(db, whole, ingest.parse_file("a.jsonl", path.read_bytes()), "a.jsonl")
    assert len(report.added) == 30 and report.sentences == _count(db, Sentence, streamed.id)
    assert _units(db, streamed.id) == _units(db, whole.id) and len(_units(db, whole.id)) == 90
    assert db.scalar(select(func.count()).select_from(Project)
                     .where(Project.staging_for.is_not(None))) == 0  # staging gone


def test_articles_are_invisible_until_the_import_is_published(app, db, tmp_path):
    path = _jsonl(tmp_path / "b.jsonl", 25)
    p = projects.create_project(db, "p", "P")
    db.commit()
    seen = []
    maker = app.extensions["annotator.sessionmaker"]

    def progress(read, size):
        with maker() as other:  # what any other reader (a page, the annotate loop) sees
            staging = other.scalar(select(Project).where(Project.staging_for == p.id))
            seen.append((_count(other, Article, p.id), _count(other, Article, staging.id),
                         projects.by_slug(other, staging.slug),
                         [x.slug for x in projects.visible_projects(other, _admin(other))]))

    staged_import.import_file(db, p, path, progress=progress, batch=10)
    assert [s[0] for s in seen] == [0, 0, 0]          # nothing in the project meanwhile
    assert [s[1] for s in seen] == [10, 20, 25]       # staged batch by batch
    assert all(s[2] is None and s[3] == ["p"] for s in seen)  # the staging project is hidden
    assert _count(db, Article, p.id) == 25


def _admin(session):
    from annotator import users
    return users.by_name(session, "root") or users.create_user(session, "root", "admin", "password123")


def test_a_bad_line_names_file_and_line_and_leaves_nothing(db, tmp_path):
    path = _jsonl(tmp_path / "c.jsonl", 40)
    lines = path.read_text().splitlines()
    lines[33] = '{"title": "x", "text": 5}'
    lines[36] = "{broken"
    path.write_text("\n".join(lines) + "\n")
    p = projects.create_project(db, "p", "P")
    db.commit()
    with pytest.raises(ingest.IngestError) as err:
        staged_import.import_file(db, p, path, batch=10)  # 30 articles were staged by then
    assert err.value.line == 34 and str(err.value).startswith("c.jsonl, line 34: text must be a string")
    assert "line 37: invalid JSON" in str(err.value)
    assert _count(db, Article, p.id) == 0
    assert db.scalar(select(func.count()).select_from(Article)) == 0
    assert db.scalar(select(func.count()).select_from(Sentence)) == 0
    assert db.scalar(select(func.count()).select_from(Project)) == 1


def test_a_failure_midway_leaves_nothing(db, tmp_path, monkeypatch):
    monkeypatch.setattr(staged_import, "BATCH", 1)  # the clean-up deletes 5 articles at a time
    path = _jsonl(tmp_path / "d.jsonl", 30)
    p = projects.create_project(db, "p", "P")
    db.commit()

    def progress(read, size):
        if read < size:
            raise KeyboardInterrupt  # Ctrl-C in the CLI, or the worker stopping

    with pytest.raises(KeyboardInterrupt):
        staged_import.import_file(db, p, path, progress=progress, batch=23)
    assert db.scalar(select(func.count()).select_from(Article)) == 0
    assert db.scalar(select(func.count()).select_from(Sentence)) == 0
    assert db.scalar(select(func.count()).select_from(Project)) == 1


def test_duplicates_in_the_file_and_in_the_project_are_skipped(db, tmp_path):
    p = projects.create_project(db, "p", "P")
    db.commit()
    staged_import.import_file(db, p, _jsonl(tmp_path / "first.jsonl", 5))
    path = _jsonl(tmp_path / "again.jsonl", 10)  # s0..s4 are in the project already
    with open(path, "a") as fh:  # and one article twice in the file
        fh.write(json.dumps({"title": "Story 9 again", "id": "s9", "text": "Other words here."}) + "\n")
    report = staged_import.import_file(db, p, path)
    assert len(report.added) == 5 and report.skipped_count == 6
    assert "again.jsonl, line 1: 'Story 0' is in the project already" in report.skipped[0]
    assert _count(db, Article, p.id) == 10


def test_an_article_added_meanwhile_by_another_import_is_skipped_at_publication(app, db, tmp_path):
    p = projects.create_project(db, "p", "P")
    db.commit()
    maker = app.extensions["annotator.sessionmaker"]
    other_file = _jsonl(tmp_path / "other.jsonl", 1, start=3)  # s3, the same text

    def progress(read, size):
        if read == size and _count(db, Article, p.id) == 0:
            with maker() as other:
                staged_import.import_file(other, other.get(Project, p.id), other_file)

    report = staged_import.import_file(db, p, _jsonl(tmp_path / "e.jsonl", 6), progress=progress)
    assert len(report.added) == 5 and report.skipped_count == 1
    assert _count(db, Article, p.id) == 6
    assert report.sentences == 15 and _count(db, Sentence, p.id) == 18


def test_a_csv_streams_with_quoted_line_breaks_and_names_its_lines(db, tmp_path):
    path = tmp_path / "t.csv"
    path.write_bytes('\ufefftitle,text,id\n"One","First line.\nSecond line here.",a\n'
                     '\n"Two","Only one.",b\n'.encode())
    p = projects.create_project(db, "p", "P")
    db.commit()
    assert streamable("t.csv", path.read_bytes()) and not streamable("u.csv", b"article_id,position,text\n")
    report = staged_import.import_file(db, p, path)
    assert len(report.added) == 2
    assert db.scalar(select(Article.text).where(Article.external_id == "a")) == \
        "First line.\n\nSecond line here."
    bad = tmp_path / "bad.csv"
    bad.write_text('title,text\n"A","fine"\n"B",""\n')
    with pytest.raises(ingest.IngestError) as err:
        staged_import.import_file(db, p, bad)
    assert str(err.value) == "bad.csv, line 3: text is missing"


@pytest.mark.parametrize("content, message", [
    (b"", "empty.jsonl: no articles in the file"),
    (b'{"title": "A", "text": "B"}\n\xff\xfe\n', "empty.jsonl, line 2: not UTF-8"),
])
def test_empty_and_undecodable_files_are_named(db, tmp_path, content, message):
    path = tmp_path / "empty.jsonl"
    path.write_bytes(content)
    p = projects.create_project(db, "p", "P")
    db.commit()
    with pytest.raises(ingest.IngestError) as err:
        staged_import.import_file(db, p, path)
    assert str(err.value).startswith(message)
    assert db.scalar(select(func.count()).select_from(Article)) == 0


def test_annotators_label_while_a_publication_moves_the_rows(app, db, tmp_path, make_user):
    """The publication's one transaction must not stop label writes in the project (on
    PostgreSQL it used to hold the project row, which every label write reads FOR SHARE: at
    1.2M units annotators waited 104 s). Checked at the moment the publication commits."""
    from sqlalchemy import event, text

    from annotator import assign, labelling
    from annotator.labelling import LabelInput

    p = projects.create_project(db, "p", "P", overlap=1)
    db.commit()
    staged_import.import_file(db, p, _jsonl(tmp_path / "first.jsonl", 3), batch=10)
    ann = make_user("ann")
    maker = app.extensions["annotator.sessionmaker"]
    stored = []

    def label_meanwhile(session):
        publishing = session.scalar(select(func.count()).select_from(Article)
                                    .where(Article.project_id == p.id)) > 3  # moved, not committed
        if session is not db or stored or not publishing:
            return
        with maker() as other:
            if other.get_bind().dialect.name == "postgresql":
                other.execute(text("SET lock_timeout = '2s'"))  # blocked: LockNotAvailable
            sentence = assign.next_sentence(other, projects.by_slug(other, "p"), ann)
            labelling.save(other, projects.by_slug(other, "p"), sentence, ann, LabelInput("neutral_fact"))
            stored.append(sentence.id)

    second = _jsonl(tmp_path / "second.jsonl", 20, start=100)
    if db.get_bind().dialect.name == "sqlite":
        pytest.skip("SQLite has one writer: a label write waits for the publication by design")
    event.listen(db, "before_commit", label_meanwhile)
    try:
        report = staged_import.import_file(db, p, second, batch=50)
    finally:
        event.remove(db, "before_commit", label_meanwhile)
    assert len(report.added) == 20 and len(stored) == 1
    assert _count(db, Article, p.id) == 23
